"""Risk detection: real disclosures are caught, ordinary survey answers are not."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.safeguarding import (
    HELP_NOW,
    HELP_NOW_UNDER_13,
    RiskMatch,
    RiskPhrases,
    detect_risk,
    normalise,
)

SELF_HARM = [
    "I want to die",
    "i just want to diiiiie",
    "I WANT TO DIE",
    "sometimes i wanna die tbh",
    "i want 2 die",
    "honestly i want to kill myself",
    "kms",
    "i'm going to kms tonight",
    "I’m going to kill my self",
    "i tried to kil myself last year",
    "i dont want to be here anymore",
    "I don’t want to be here any more.",
    "i do not want to be alive",
    "I dont want to live",
    "theres no point living",
    "what's the point in living",
    "i think about ending it all",
    "I want to end it all",
    "i feel suicidal",
    "ive been feeling sucidal",
    "SUICIDE",
    "i want to commit suicide",
    "I've been self-harming",
    "i self harm",
    "i selfharm when im sad",
    "I have been cutting myself",
    "im cuting my self again",
    "I hurt myself on purpose",
    "i want to hurt myself",
    "took too many pills last night",
    "i took an overdose",
    "everyone would be better off without me",
    "nobody would miss me",
    "wish i was never born",
    "I wish I’d never been born",
    "i want to unalive myself",
    "i relapsed on sh",
    "I'm going to jump off a bridge",
    "i keep making myself sick after i eat",
    "I can't go on like this",
    "Every week. also i want to die",
]

ABUSE = [
    "my dad hits me",
    "My mum’s boyfriend hits me when he’s drunk",
    "he hits me",
    "she hit me with a belt",
    "MY STEPDAD BEATS ME",
    "my brother beat me up again",
    "he hurts me",
    "my uncle touched me",
    "he touches me and i don't like it",
    "someone touched my privates",
    "he made me do things",
    "my mum's boyfriend makes me do stuff i dont want to",
    "i was sexually abused",
    "my dad is abusing me",
    "my dad is abusive",
    "someone online asked for pics",
    "a guy on snap asked me for nudes",
    "he keeps asking me for pics",
    "he asked me for naked pics",
    "a man asked me to send some pics",
    "he is threatening to share my pics",
    "he said its our little secret",
    "he told me not to tell anyone",
    "dad hits my mum",
    "there is domestic violence in my house",
    "she slaps me",
    "he kicked me",
    "he punched me in the face",
]

UNSAFE_AT_HOME = [
    "im not safe at home",
    "I don't feel safe at home",
    "i dont feel safe in my house",
    "I'm scared to go home",
    "im scared of my dad",
    "i'm scared of my step dad",
    "Scared of my mom",
    "I'm terrified of my stepdad",
    "my mum kicked me out",
    "i got kicked out of home",
    "i have nowhere to sleep tonight",
    "there's no food at home",
    "we never have any food. no food in the house",
    "i havent eaten in 3 days",
    "i think im being groomed",
    "they make me sell drugs",
    "im being forced to carry drugs",
    "they made me hold drugs for them",
    "they say i owe them money",
    "i'm going to run away from home",
    "i want to run away",
    "my mum is always drunk",
    "my mums always drunk",
    "nobody looks after me",
    "im sofa surfing",
    "they are making me marry someone",
]

NOT_RISK = [
    "",
    "   ",
    "Every week",
    "yes",
    "no",
    "2",
    "SKIP",
    "STOP",
    "13-15",
    "the park is dead boring",
    "I'd die for better buses",
    "that cake was to die for",
    "killing it at football",
    "i'm killing it at school",
    "I'm dying to go to the new skate park",
    "i nearly died laughing",
    "I could kill for a pizza",
    "my dad helps me",
    "My mum helps me with homework",
    "I hit the ball really far",
    "i feel safe at home",
    "safe at home",
    "home is safe",
    "I feel safe in the park in the day but not at night",
    "I don't feel safe in the park at night",
    "more lights in the park please",
    "I hurt myself playing football",
    "i fell over and hurt myself at the skate park",
    "hit me up on snap",
    "a car nearly hit me on the crossing",
    "it beats me why they closed the youth club",
    "my brother always beats me at fifa",
    "my back hurts me after PE",
    "it really hurts me that nobody listens to young people",
    "it touched me that you asked",
    "i don't want to live here when i'm older",
    "i dont want to live in this town forever",
    "I don't want to wake up early on Saturdays",
    "the security guard kicked me out of the shop",
    "i got kicked out of class",
    "I could kill myself laughing at that video",
    "the skill of my coach",
    "therapist",
    "I want to be a doctor",
    "the buses are late and dirty",
    "my dad works at night so my nan picks me up",
    "We want more youth clubs, there is nothing to do",
    "i love my mum and dad",
    "i'd like to see more sport",
    "cutting down trees in the park is bad",
    "I think they should cut the bus fares",
    "I'm 14 and I live with my mum",
    "the youth worker is really nice",
    "😀👍",
    "Ça va très bien, merci",
]


@pytest.mark.parametrize("text", SELF_HARM)
def test_self_harm_disclosures_are_detected(text: str) -> None:
    match = detect_risk(text)
    assert match is not None, text
    assert match.category == "self_harm", (text, match)


@pytest.mark.parametrize("text", ABUSE)
def test_abuse_disclosures_are_detected(text: str) -> None:
    match = detect_risk(text)
    assert match is not None, text
    assert match.category == "abuse", (text, match)


@pytest.mark.parametrize("text", UNSAFE_AT_HOME)
def test_unsafe_at_home_disclosures_are_detected(text: str) -> None:
    match = detect_risk(text)
    assert match is not None, text
    assert match.category == "unsafe_at_home", (text, match)


@pytest.mark.parametrize("text", NOT_RISK)
def test_ordinary_answers_are_not_flagged(text: str) -> None:
    assert detect_risk(text) is None


@given(st.text())
def test_any_text_is_checked_without_error(text: str) -> None:
    match = detect_risk(text)
    assert match is None or match.category in RiskPhrases.default().categories


@given(st.sampled_from(SELF_HARM + ABUSE + UNSAFE_AT_HOME), st.text(max_size=20))
def test_a_disclosure_is_caught_after_any_other_words(disclosure: str, before: str) -> None:
    assert detect_risk(f"{before}\n{disclosure}") is not None


def test_match_names_the_phrase_from_the_list() -> None:
    assert detect_risk("I want to kill myself") == RiskMatch("self_harm", "kill myself")


def test_harmless_expression_does_not_hide_a_real_disclosure_in_the_same_message() -> None:
    match = detect_risk("I'm killing it at football but I want to kill myself")
    assert match == RiskMatch("self_harm", "kill myself")
    match = detect_risk("it really hurts me to say this but my dad hits me")
    assert match == RiskMatch("abuse", "hits me")


def test_the_earliest_phrase_in_the_message_wins() -> None:
    match = detect_risk("i want to die because my dad hits me")
    assert match is not None
    assert match.category == "self_harm"


def test_the_longest_phrase_at_the_same_place_wins() -> None:
    # "kicked me" (abuse) and "kicked me out" (unsafe at home) both start at "kicked".
    assert detect_risk("he kicked me out") == RiskMatch("unsafe_at_home", "kicked me out")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I’m SO sad", "i'm so sad"),
        ("  lots   of\tspace\n", "lots of space"),
        ("diiiiie", "die"),
        ("nooooo", "no"),
        ("café naïve", "cafe naive"),
        ("ｗａｎｔ", "want"),
        ("u r sad", "you are sad"),
        ("ur mum", "your mum"),
        ("im ok", "i'm ok"),
        ("dont wanna", "don't want to"),
        ("gonna", "going to"),
        ("kms", "kill myself"),
        ("'quoted' words", "quoted words"),
        ("self-harm!!!", "self harm"),
        ("my dad's car", "my dad's car"),
        ("hurt my self", "hurt myself"),
        ("a_b", "a b"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


CUSTOM = """\
# A council's own list
[bullying]
my * hits me   # one to three words in the middle
bullied
!my little brother hits me

[online]
sent me * videos
"""


def test_custom_phrase_file_with_wildcards_and_exclusions(tmp_path: Path) -> None:
    path = tmp_path / "phrases.txt"
    path.write_text(CUSTOM, encoding="utf-8")
    phrases = RiskPhrases.from_file(path)
    assert phrases.categories == ("bullying", "online")
    assert phrases.exclusions == ("my little brother hits me",)
    assert phrases.entries == (
        ("bullying", "my * hits me"),
        ("bullying", "bullied"),
        ("online", "sent me * videos"),
    )

    hits = RiskMatch("bullying", "my * hits me")
    assert detect_risk("my dad hits me", phrases) == hits
    assert detect_risk("My mum’s boyfriend hits me", phrases) == hits
    assert detect_risk("my mum's new boyfriend hits me", phrases) == hits
    # A * stands for one to three words, never none and never four.
    assert detect_risk("my hits me", phrases) is None
    assert detect_risk("my mum's new tall boyfriend hits me", phrases) is None
    # The exclusion covers the whole phrase; it does not cover other wording.
    assert detect_risk("my little brother hits me", phrases) is None
    assert detect_risk("my big brother hits me", phrases) == hits
    assert detect_risk("I get BULLIED", phrases) == RiskMatch("bullying", "bullied")
    assert detect_risk("he sent me some weird videos", phrases) == RiskMatch(
        "online", "sent me * videos"
    )
    # Whole words only.
    assert detect_risk("bulliedx", phrases) is None
    # A custom list replaces the shipped one.
    assert detect_risk("i want to die", phrases) is None


def test_parse_keeps_order_and_drops_duplicates() -> None:
    phrases = RiskPhrases.parse("[a]\none\ntwo\none\n[B]\nthree\n")
    assert phrases.entries == (("a", "one"), ("a", "two"), ("b", "three"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kill myself\n", "<phrases>:1: phrase before any [category]"),
        ("[self harm]\nx\n", "<phrases>:1: a category header"),
        ("[ok\nx\n", "<phrases>:1: a category header"),
        ("[a]\n* hits me\n", "<phrases>:2: a phrase cannot start with '*'"),
        ("[a]\nmy dad *\n", "<phrases>:2: a phrase cannot end with '*'"),
        ("[a]\nself*\n", "<phrases>:2: '*' must be a word on its own"),
        ("[a]\n!!!\n", "<phrases>:2: phrase has no words"),
        ("# only comments\n[a]\n", "<phrases>: the phrase list has no risk phrases"),
        ("", "<phrases>: the phrase list has no risk phrases"),
    ],
)
def test_bad_phrase_files_are_refused_with_the_line(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        RiskPhrases.parse(text)
    assert str(error.value).startswith(message)


def test_from_file_names_the_file_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("[a]\nok\n* bad\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.txt:3: "):
        RiskPhrases.from_file(path)


def test_default_list_is_cached_and_has_the_three_categories() -> None:
    phrases = RiskPhrases.default()
    assert phrases is RiskPhrases.default()
    assert set(phrases.categories) == {"self_harm", "abuse", "unsafe_at_home"}
    assert len(phrases.entries) > 300
    assert detect_risk("i want to die", phrases) == detect_risk("i want to die")


def test_every_shipped_phrase_detects_itself() -> None:
    phrases = RiskPhrases.default()
    for category, phrase in phrases.entries:
        if "*" in phrase:
            continue
        # Guards against a phrase that its own list's exclusions silently cancel.
        assert detect_risk(f"well {phrase} ok", phrases) is not None, (category, phrase)


# Characters in the GSM 03.38 default alphabet that cost one unit each.
GSM_7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


@pytest.mark.parametrize("text", [HELP_NOW, HELP_NOW_UNDER_13])
def test_help_text(text: str) -> None:
    for needed in ("0800 1111", "SHOUT", "85258", "999"):
        assert needed in text
    assert text.isascii()
    assert set(text) <= GSM_7
    assert len(text) <= 306  # two concatenated SMS segments
    lowered = text.lower()
    for promise in ("secret", "won't tell", "will not tell", "between us", "confidential"):
        assert promise not in lowered


def test_help_for_under_13s_is_shorter() -> None:
    assert len(HELP_NOW_UNDER_13) < len(HELP_NOW)
    assert "deserve" not in HELP_NOW_UNDER_13
