"""The conversation engine, fed random sequences of words, taps, keywords, links, review
codes, photos and gaps, keeps its promises:

- it never raises;
- no answer is recorded (AnswerRecorded) in a conversation before consent (ConsentGiven);
- after STOP it says nothing, except to START (or a link or review code, as deliberate),
  HELP (or opening the chat), DELETE (and the yes/no that confirms it), MYDATA, and the
  help-now message when someone discloses a risk (engine.py `_while_stopped` and
  `_look_for_risk`);
- everywhere else it always offers a way forward: every step replies, the last reply has
  words, inside a survey the last reply is a question waiting for an answer (a prompt),
  and outside one it is a menu or, after an ending (consent declined, not eligible, data
  deleted, a review code refused), the next message they send gets a menu.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from conversations import keywords
from conversations.engine import step
from conversations.events import AnswerRecorded, ConsentGiven, ConversationStarted
from conversations.messages import Inbound
from conversations.safeguarding import HELP_NOW, HELP_NOW_UNDER_13
from tests.conversations.engine_driver import Chat
from tests.conversations.engine_surveys import ALL, SAMPLES, VIEWS, ticket
from tests.fuzz.profiles import scaled

SURVEYS = (*ALL, VIEWS, *SAMPLES.values())
REVIEWS = [survey.slug for survey in SURVEYS if survey.kind == "review"]
SLUGS = [survey.slug for survey in SURVEYS]
SURVEY_KEYWORDS = [survey.keyword for survey in SURVEYS if survey.keyword]
# Sorted: sets iterate in a different order in each run, and quick runs must repeat.
COMMANDS = sorted(
    keywords.COMMANDS
    | keywords.SMS_STOP_WORDS
    | keywords.SMS_START_WORDS
    | keywords.SMS_HELP_WORDS
    | {"my data"}
)


@st.composite
def keyword_typed(draw: st.DrawFn) -> str:
    """A keyword as people type it: any case, with a slash, a bot name or punctuation."""
    word = draw(st.sampled_from(COMMANDS + SURVEY_KEYWORDS))
    word = "".join(draw(st.sampled_from([c.lower(), c.upper()])) for c in word)
    before = draw(st.sampled_from(["", "/", " ", "  /"]))
    after = draw(st.sampled_from(["", "!", ".", " ", "@YouthVoiceBot", "?!"]))
    return before + word + after


ANSWERS = st.sampled_from(
    ["yes", "no", "y", "nope", "1", "2", "3", "4", "5", "11", "0", "1 and 2", "1,3", "two",
     "14", "9", "30", "done", "send", "cy", "en", "c", "Bus", "I don't know", "🙂", "۳"]
)  # fmt: skip
RISKY = st.sampled_from(["I want to kill myself", "my dad hits me", "someone is hurting me"])
TEXT = st.one_of(
    ANSWERS,
    keyword_typed(),
    st.sampled_from(SLUGS),
    RISKY,
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=2000),
    st.sampled_from(["", " ", "\n", "\u200b", "x" * 5000]),
)
TICKETS = st.one_of(
    st.builds(ticket, st.sampled_from(REVIEWS)),
    st.builds(ticket, status=st.sampled_from(["unknown", "expired", "taken", "slow_down", "done"])),
)


class Conversation(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.chat = Chat(list(SURVEYS), channel="console", round_trip=True)
        self.consented = False  # in the conversation in progress

    # --- what the young person does -------------------------------------------------------
    @rule(text=TEXT, channel=st.sampled_from(["console", "sms", "telegram"]))
    def types(self, text: str, channel: str) -> None:
        self.send(text=text, channel=channel)

    @precondition(lambda self: self.chat.last is not None and bool(self.chat.reply_choices()))
    @rule(data=st.data())
    def taps_a_button(self, data: st.DataObject) -> None:
        choice = data.draw(st.sampled_from(self.chat.reply_choices()))
        self.send(button=choice)

    @rule(button=st.text(max_size=30))
    def taps_an_old_or_forged_button(self, button: str) -> None:
        self.send(button=button)

    @rule(start=st.one_of(st.sampled_from(SLUGS), st.text(max_size=20)))
    def follows_a_link(self, start: str) -> None:
        self.send(start=start)

    @rule()
    def opens_the_chat(self) -> None:
        self.send(opened=True)

    @rule(review=TICKETS)
    def gives_a_review_code(self, review: object) -> None:
        self.send(review=review)

    @rule(empty=st.sampled_from([None, ""]))
    def sends_a_photo(self, empty: str | None) -> None:
        self.send(text=empty)

    @rule(seconds=st.sampled_from([1.0, 60.0, 3600.0, 86_400.0, 40 * 86_400.0]))
    def goes_away(self, seconds: float) -> None:
        self.chat.wait(seconds)

    # --- the checks ------------------------------------------------------------------------
    def send(self, **message: object) -> None:
        before = self.chat.state
        channel = message.get("channel") or self.chat.channel
        result = self.chat.step(**message)  # type: ignore[arg-type]
        for event in result.events:
            if isinstance(event, ConversationStarted):
                self.consented = False
            elif isinstance(event, ConsentGiven):
                self.consented = True
            elif isinstance(event, AnswerRecorded):
                assert self.consented, f"an answer recorded before consent: {event}"
        if self.chat.state.conversation is None:
            self.consented = False
        replies = result.replies
        if before.stopped:
            if replies and not self._may_answer_when_stopped(before, message, str(channel)):
                texts = [reply.text for reply in replies]
                allowed = {HELP_NOW, HELP_NOW_UNDER_13}
                paused = before.conversation
                if paused is not None and paused.review_id is not None:
                    # A care review paused by STOP: the alert is linked to it, so the child
                    # is told, truthfully, that their reviewing officer will know (found by
                    # the full run, which had expected the help alone).
                    allowed |= {t for t in texts if "know about this" in t or "We will tell" in t}
                assert set(texts) <= allowed, (message, texts)
            return
        assert replies, f"no reply to {message}"
        last = replies[-1]
        assert last.text.strip(), f"an empty reply to {message}"
        if result.state.stopped:
            return
        conv = result.state.conversation
        if conv is not None:
            assert last.prompt, f"in {conv.phase}, the last reply to {message} asks nothing"
        elif not (last.choices or last.prompt or result.state.confirming_delete):
            # Out of a survey with no menu (consent declined, not eligible, data deleted, a
            # review code refused): the way forward is one message away.
            hello = Inbound(text="hello", channel=str(channel))
            probe = step(self.chat.context(), result.state, hello).replies
            assert probe and (probe[-1].choices or probe[-1].prompt), (last.text, probe)

    @staticmethod
    def _may_answer_when_stopped(before: object, message: dict[str, object], channel: str) -> bool:
        text = message.get("text")
        text = text if isinstance(text, str) else None
        word = keywords.keyword_of(text, channel)
        return bool(
            getattr(before, "confirming_delete", False)
            or keywords.restarts_when_stopped(text, channel)
            or ((message.get("start") or message.get("review")) and not word)
            or word in (keywords.HELP, keywords.DELETE, keywords.MYDATA)
            or (message.get("opened") and not text)
        )

    @invariant()
    def consent_matches_the_state(self) -> None:
        conv = self.chat.state.conversation
        if conv is not None and conv.answers:
            assert conv.consented


def _reply_choices(chat: Chat) -> list[str]:
    if chat.last is None or not chat.last.replies:
        return []
    return [choice.value for reply in chat.last.replies for choice in reply.choices]


Chat.reply_choices = _reply_choices  # type: ignore[attr-defined]

Conversation.TestCase.settings = scaled(quick=100, full=3000)
TestEngineConversations = Conversation.TestCase
