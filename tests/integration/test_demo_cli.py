"""The `youthvoice` command end to end, run as a real process on a real database.

A conversation is typed into `youthvoice demo` on standard input, as a coordinator trying
the bot would; then results, export and the survey commands are checked against it.
"""

from __future__ import annotations

import asyncio
import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from bot import survey_admin
from bot.keys import KeyRing
from storage.sqlite import SqliteStorage
from tests.integration.helpers import (
    CONSENT_PROMPT,
    DB_NAME,
    LISTENED_PROMPT,
    SLUG,
    THANKS,
    Turn,
    better_services,
    clean_env,
    ok,
    one_error_line,
    rows,
    run,
    typed,
)

PROBLEM_LINE = re.compile(r"^\S+:\d+: \S+: .+$")
NAMES = ("Annabel Zakowski", "Benedikt Quarry", "Catriona Vexley")
TYPED_PHONE = "07911 123456"
# Three young people; with --min-count 1 the counts below are exactly what they said.
ANSWERS: dict[str, list[Turn]] = {
    NAMES[0]: better_services(
        area=1,
        listened=2,
        not_listened=f"Call me on {TYPED_PHONE}",
        know="yes",
        safe=4,
        matters="2 3",
        mental_health="yes",
        change="More youth clubs",
    ),
    NAMES[1]: better_services(
        area=1, listened=4, know="no", safe=5, matters="1", change="Buses at night"
    ),
    NAMES[2]: better_services(
        area=2, listened=4, know="yes", safe=4, matters="2", mental_health="no", change="SKIP"
    ),
}


def demo(folder: Path, turns: list[Turn], *args: str) -> str:
    out = ok(run(folder, "demo", *args, stdin=typed(turns)))
    for turn in turns:
        assert turn.expect in out, f"no {turn.expect!r} after {turn.send!r}:\n{out}"
    return out


def results_json(folder: Path, *args: str) -> dict[str, Any]:
    return json.loads(ok(run(folder, "results", SLUG, "--format", "json", *args)))


def question(result: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(q for q in result["questions"] if q["id"] == question_id)


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose database holds the three responses in ANSWERS (read-only for tests)."""
    folder = tmp_path_factory.mktemp("three")
    for name, turns in ANSWERS.items():
        out = demo(folder, turns, "--survey", SLUG, "--as", name)
        assert CONSENT_PROMPT in out
    return folder


# --- one conversation, then its results ----------------------------------------------------
def check_shape(result: dict[str, Any]) -> None:
    """Exactly the JSON promised in INTERFACE.md: keys, types, option ids as keys."""
    assert set(result) == {"slug", "responses", "completed", "questions"}
    assert isinstance(result["slug"], str)
    assert type(result["responses"]) is int and type(result["completed"]) is int
    expected_keys = {
        "area": ["north", "south", "east", "west", "city", "not_say"],
        "listened_to": ["1", "2", "3", "4", "5"],
        "not_listened": [],
        "know_difference": ["yes", "no"],
        "feel_safe": ["1", "2", "3", "4", "5"],
        "what_matters": [
            "things_to_do",
            "mental_health",
            "feeling_safe",
            "getting_around",
            "school",
            "jobs",
        ],
        "mental_health_help": ["yes", "no"],
        "one_change": [],
    }
    assert [q["id"] for q in result["questions"]] == list(expected_keys)
    for entry in result["questions"]:
        assert set(entry) == {"id", "type", "answered", "counts"}
        assert entry["type"] in ("choice", "multi", "scale", "yes_no", "text")
        assert entry["answered"] is None or type(entry["answered"]) is int
        assert isinstance(entry["counts"], dict)
        assert list(entry["counts"]) == expected_keys[entry["id"]]
        assert all(v is None or type(v) is int for v in entry["counts"].values())
    types = {q["id"]: q["type"] for q in result["questions"]}
    assert types == {
        "area": "choice",
        "listened_to": "scale",
        "not_listened": "text",
        "know_difference": "yes_no",
        "feel_safe": "scale",
        "what_matters": "multi",
        "mental_health_help": "yes_no",
        "one_change": "text",
    }


def check_one_response(folder: Path) -> None:
    result = results_json(folder, "--min-count", "1")
    check_shape(result)
    assert result["slug"] == SLUG
    assert result["responses"] == 1 and result["completed"] == 1
    area = question(result, "area")
    assert area["counts"] == {"north": 0, "south": 0, "east": 1, "west": 0, "city": 0, "not_say": 0}
    assert area["answered"] == 1
    assert question(result, "listened_to")["counts"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0}
    assert question(result, "not_listened") == {
        "id": "not_listened",
        "type": "text",
        "answered": 1,
        "counts": {},
    }
    assert question(result, "know_difference")["counts"] == {"yes": 0, "no": 1}
    assert question(result, "feel_safe")["counts"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}
    matters = question(result, "what_matters")
    assert matters["answered"] == 1
    assert matters["counts"] == {
        "things_to_do": 1,
        "mental_health": 1,
        "feeling_safe": 0,
        "getting_around": 0,
        "school": 0,
        "jobs": 1,
    }
    assert question(result, "mental_health_help")["counts"] == {"yes": 1, "no": 0}
    assert question(result, "one_change")["answered"] == 1


ONE = better_services(
    area=3,
    listened=2,
    not_listened="Listen to us",
    know="no",
    safe=5,
    matters="1, 2, 6",
    mental_health="yes",
    change="A skate park",
)


def test_a_scripted_conversation_is_stored_and_counted(tmp_path: Path) -> None:
    out = demo(tmp_path, ONE, "--survey", SLUG)
    assert out.index(CONSENT_PROMPT) < out.index("> yes")
    assert out.rstrip().endswith("30 June 2027.")
    check_one_response(tmp_path)


def test_the_demo_offers_the_samples_when_the_database_is_empty(tmp_path: Path) -> None:
    out = demo(tmp_path, [Turn("1", CONSENT_PROMPT), *ONE])
    menu = out[: out.index("> 1")]
    assert "1. Making services better for young people" in menu
    assert "2. My place" in menu
    check_one_response(tmp_path)
    listed = ok(run(tmp_path, "survey", "list"))
    assert {"better-services", "my-place", "my-review"} <= set(re.findall(r"[a-z-]+", listed))


def test_the_same_name_comes_back_to_its_conversation(tmp_path: Path) -> None:
    turns = better_services()
    demo(tmp_path, turns[:5], "--survey", SLUG, "--as", "Kim")
    out = demo(tmp_path, turns[5:], "--as", "Kim")
    assert LISTENED_PROMPT in out.split("> ")[0]  # shown where they were
    result = results_json(tmp_path, "--min-count", "1")
    assert result["responses"] == 1 and result["completed"] == 1


# --- several young people; small numbers ---------------------------------------------------
def test_several_names_make_several_responses(three: Path) -> None:
    result = results_json(three, "--min-count", "1")
    check_shape(result)
    assert result["responses"] == 3 and result["completed"] == 3
    assert question(result, "area")["counts"] == {
        "north": 2,
        "south": 1,
        "east": 0,
        "west": 0,
        "city": 0,
        "not_say": 0,
    }
    assert question(result, "listened_to")["counts"] == {"1": 0, "2": 1, "3": 0, "4": 2, "5": 0}
    assert question(result, "not_listened")["answered"] == 1
    assert question(result, "know_difference")["counts"] == {"yes": 2, "no": 1}
    assert question(result, "feel_safe")["counts"] == {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}
    matters = question(result, "what_matters")
    assert matters["answered"] == 3
    assert matters["counts"] == {
        "things_to_do": 1,
        "mental_health": 2,
        "feeling_safe": 1,
        "getting_around": 0,
        "school": 0,
        "jobs": 0,
    }
    assert question(result, "mental_health_help") == {
        "id": "mental_health_help",
        "type": "yes_no",
        "answered": 2,
        "counts": {"yes": 1, "no": 1},
    }
    assert question(result, "one_change")["answered"] == 2  # one skipped it


def test_with_the_default_min_count_every_small_number_is_hidden(three: Path) -> None:
    result = results_json(three)
    check_shape(result)
    assert result["responses"] == 3
    for entry in result["questions"]:
        assert entry["answered"] is None, entry
        for value in entry["counts"].values():
            assert value in (0, None), entry
    exact = results_json(three, "--min-count", "1")
    for hidden, shown in zip(result["questions"], exact["questions"], strict=True):
        for key, value in shown["counts"].items():
            assert (hidden["counts"][key] is None) == (value != 0)


def test_results_by_a_choice_question(three: Path) -> None:
    result = json.loads(
        ok(run(three, "results", SLUG, "--by", "area", "--format", "json", "--min-count", "1"))
    )
    assert result["by_question"] == "area"
    know = question(result, "know_difference")["by"]
    assert know["counts"]["yes"]["north"] == 1 and know["counts"]["yes"]["south"] == 1
    assert know["counts"]["no"] == {
        "north": 1,
        "south": 0,
        "east": 0,
        "west": 0,
        "city": 0,
        "not_say": 0,
    }
    matters = question(result, "what_matters")["by"]  # a multi question, broken down
    assert matters["counts"]["mental_health"]["north"] == 1
    assert matters["counts"]["mental_health"]["south"] == 1
    assert matters["totals"]["north"] == 2 and matters["totals"]["south"] == 1
    assert "by" not in question(result, "area")
    assert "by" not in question(result, "one_change")
    # Too few responses for the default --min-count: no breakdown at all.
    hidden = json.loads(ok(run(three, "results", SLUG, "--by", "area", "--format", "json")))
    assert all(q.get("by") is None for q in hidden["questions"])
    for output_format in ("table", "csv"):
        assert ok(run(three, "results", SLUG, "--by", "feel_safe", "--format", output_format))
    table = ok(run(three, "results", SLUG, "--by", "area", "--min-count", "1"))
    assert "North" in table and "I'd rather not say" in table
    # In a breakdown, "answered" is per column: 2 in the north, 1 in the south.
    assert re.search(r"answered\s+│\s+2\s+│\s+1\s+│\s+0\s+│", table), table


@pytest.mark.parametrize("by", ["nope", "one_change", "what_matters"])
def test_results_by_a_question_that_cannot_break_down(three: Path, by: str) -> None:
    line = one_error_line(run(three, "results", SLUG, "--by", by))
    assert by in line


def test_results_as_csv_and_table(three: Path) -> None:
    csv_out = ok(run(three, "results", SLUG, "--format", "csv", "--min-count", "1"))
    lines = csv_out.splitlines()
    assert lines[0] == "question_id,question_type,answer,label,count"
    assert "area,choice,north,North,2" in lines
    assert "know_difference,yes_no,yes,Yes,2" in lines
    assert "one_change,text,,(answered),2" in lines
    hidden = ok(run(three, "results", SLUG, "--format", "csv"))
    assert "area,choice,north,North," in hidden.splitlines()
    table = ok(run(three, "results", SLUG))
    assert "Making services better for young people" in table
    assert "Responses: 3" in table
    assert "Help with mental health" in table


def test_results_of_an_unknown_survey(three: Path) -> None:
    assert "nope" in one_error_line(run(three, "results", "nope"), 1)
    assert "--format" in one_error_line(run(three, "results", SLUG, "--format", "xml"))


# --- export ----------------------------------------------------------------------------------
def forbidden_in_export(folder: Path) -> list[bytes]:
    """Everything that would identify a young person or their response."""
    key = (folder / "youthvoice.key").read_text().strip().encode()
    keys = KeyRing(key)
    found: list[bytes] = []
    for name in NAMES:
        pseudonym = keys.pseudonym("console", name)
        found += [name.encode(), pseudonym, pseudonym.hex().encode()]
        found += [part.encode() for part in name.split()]
    for (response_id,) in rows(folder / DB_NAME, "SELECT id FROM responses"):
        found.append(response_id.encode())
    found.append(TYPED_PHONE.encode())
    found.append(TYPED_PHONE.replace(" ", "").encode())
    return found


def exported_cells(path: Path) -> list[list[Any]]:
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path)
        try:
            return [list(row) for row in book.active.iter_rows(values_only=True)]
        finally:
            book.close()
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [list(row) for row in csv.reader(handle)]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
def test_export_one_row_per_response_without_identifiers(
    three: Path, tmp_path: Path, suffix: str
) -> None:
    output = tmp_path / f"answers{suffix}"
    out = ok(run(three, "export", SLUG, "--output", str(output)))
    assert out.startswith("3 responses written to")
    assert [p.name for p in tmp_path.iterdir()] == [output.name]  # nothing else left behind
    if suffix == ".json":
        data = json.loads(output.read_text("utf-8"))
        assert data["slug"] == SLUG
        records = data["responses"]
        assert len(records) == 3
        texts = sorted(r["answers"].get("one_change", "") for r in records)
        assert texts == ["", "Buses at night", "More youth clubs"]
        assert sorted(r["answers"]["area"] for r in records) == ["north", "north", "south"]
        assert all(set(r) >= {"month", "completed", "answers"} for r in records)
        assert all(re.fullmatch(r"\d{4}-\d{2}", r["month"]) for r in records)
        flat = json.dumps(data)
    else:
        table = exported_cells(output)
        header, body = table[0], table[1:]
        assert len(body) == 3
        change = header.index("one_change")
        assert sorted(str(row[change] or "") for row in body) == [
            "",
            "Buses at night",
            "More youth clubs",
        ]
        said = header.index("not_listened")
        assert sorted(str(row[said] or "") for row in body) == ["", "", "Call me on [removed]"]
        flat = json.dumps(table, default=str)
    raw = output.read_bytes()
    for secret in forbidden_in_export(three):
        assert secret not in raw, secret
        assert secret.decode("latin-1") not in flat, secret


def test_export_to_an_unknown_format_writes_nothing(three: Path, tmp_path: Path) -> None:
    line = one_error_line(run(three, "export", SLUG, "--output", str(tmp_path / "answers.txt")))
    assert ".csv" in line
    assert list(tmp_path.iterdir()) == []
    missing = tmp_path / "no-such-folder" / "answers.csv"
    one_error_line(run(three, "export", SLUG, "--output", str(missing)))
    one_error_line(run(three, "export", "nope", "--output", str(tmp_path / "x.csv")), 1)
    assert list(tmp_path.iterdir()) == []


# --- survey files ----------------------------------------------------------------------------
SAMPLES = sorted((Path(__file__).parents[2] / "conversations" / "surveys").glob("*.yaml"))

VALID = """\
spec_version: 1
slug: test-survey
title: Testing the tests
purpose: We want to check the checker.
audience: The people who wrote it.
questions:
  - id: colour
    type: choice
    text: Which colour do you like best?
    options:
      - {id: red, label: Red}
      - {id: blue, label: Blue}
  - id: happy
    type: scale
    text: How happy are you?
    min: 1
    max: 5
  - id: why
    type: text
    text: Why?
"""

TRANSLATION_MISSING = """\
spec_version: 1
slug: test-survey
title:
  en: Testing the tests
  cy: Profi'r profion
languages: [en, cy]
purpose:
  en: We want to check the checker.
  cy: Rydyn ni eisiau gwirio'r gwiriwr.
audience:
  en: The people who wrote it.
  cy: Y bobl a'i ysgrifennodd.
questions:
  - id: happy
    type: yes_no
    text:
      en: Are you happy?
      cy: Ydych chi'n hapus?
  - id: sunny
    type: yes_no
    text:
      en: Is it sunny?
"""

# name: (file text, line, field)
BROKEN: dict[str, tuple[str, int, str]] = {
    "unknown_type": (
        VALID.replace("    type: text", "    type: essay"),
        19,
        "questions[2].type",
    ),
    "duplicate_id": (VALID.replace("  - id: why", "  - id: colour"), 18, "questions[2].id"),
    "show_if_forward": (
        VALID.replace(
            "    text: Which colour do you like best?\n",
            "    text: Which colour do you like best?\n    show_if: {question: happy, in: [1]}\n",
        ),
        10,
        "questions[0].show_if.question",
    ),
    "show_if_impossible": (
        VALID.replace(
            "    text: Why?\n", "    text: Why?\n    show_if: {question: happy, in: [9]}\n"
        ),
        21,
        "questions[2].show_if.in[0]",
    ),
    "missing_translation": (TRANSLATION_MISSING, 21, "questions[1].text"),
    "bad_yaml": (VALID.replace("    type: scale\n", "    type: scale\n  oops: [\n"), 15, "yaml"),
}


def test_the_samples_are_valid(tmp_path: Path) -> None:
    assert len(SAMPLES) >= 3
    out = ok(run(tmp_path, "survey", "validate", *map(str, SAMPLES)))
    assert out == f"{len(SAMPLES)} survey files OK\n"
    (tmp_path / "valid.yaml").write_text(VALID)
    assert ok(run(tmp_path, "survey", "validate", "valid.yaml")) == "1 survey file OK\n"


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_survey_gives_one_line_per_problem(tmp_path: Path, name: str) -> None:
    text, line, field = BROKEN[name]
    (tmp_path / f"{name}.yaml").write_text(text)
    result = run(tmp_path, "survey", "validate", f"{name}.yaml")
    assert result.returncode == 1, result.stdout
    problems = (result.stdout + result.stderr).strip().splitlines()
    assert len(problems) == 1, problems
    assert PROBLEM_LINE.match(problems[0]), problems[0]
    assert problems[0].startswith(f"{name}.yaml:{line}: {field}: "), problems[0]


def test_every_problem_of_every_file_is_listed(tmp_path: Path) -> None:
    for name, (text, _line, _field) in BROKEN.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    (tmp_path / "valid.yaml").write_text(VALID)
    files = ["valid.yaml", *(f"{name}.yaml" for name in sorted(BROKEN))]
    result = run(tmp_path, "survey", "validate", *files)
    assert result.returncode == 1
    problems = (result.stdout + result.stderr).strip().splitlines()
    assert len(problems) == len(BROKEN)
    assert all(PROBLEM_LINE.match(p) for p in problems), problems
    assert {p.split(":")[0] for p in problems} == {f"{name}.yaml" for name in BROKEN}


@pytest.mark.parametrize("words", [["survey", "add"], ["demo", "--survey"]])
def test_adding_a_broken_survey_stores_nothing(tmp_path: Path, words: list[str]) -> None:
    broken = BROKEN["duplicate_id"][0].replace("title: Testing the tests\n", "")
    (tmp_path / "broken.yaml").write_text(broken)
    result = run(tmp_path, *words, "broken.yaml")
    assert result.returncode == 1
    assert result.stdout == ""
    problems = result.stderr.strip().splitlines()
    assert len(problems) == 2 and all(PROBLEM_LINE.match(line) for line in problems), problems
    assert "No surveys yet" in ok(run(tmp_path, "survey", "list"))


# --- survey add, versions, list, open, close -----------------------------------------------
TINY = """\
spec_version: 1
slug: tiny-test
title: A tiny test
purpose: To test versions.
audience: The testers.
questions:
  - id: pet
    type: choice
    text: Which pet do you like?
    options:
      - {id: cat, label: Cats}
      - {id: dog, label: Dogs}
"""
TINY_V2 = TINY + "      - {id: fish, label: Fish}\n"
TINY_V3 = TINY_V2.replace("      - {id: cat, label: Cats}\n", "")


def tiny_turns(pet: str) -> list[Turn]:
    return [
        Turn("yes", "How old are you?"),
        Turn("2", "message you later"),
        Turn("no", "new surveys"),
        Turn("no", "Which pet do you like?"),
        Turn(pet, THANKS),
    ]


def test_survey_versions_keep_their_answers(tmp_path: Path) -> None:
    survey_file = tmp_path / "tiny.yaml"
    survey_file.write_text(TINY)
    added = run(tmp_path, "survey", "add", "tiny.yaml")
    assert ok(added) == "tiny-test\n"
    assert "version 1" in added.stderr
    assert re.search(r"tiny-test\s+A tiny test\s+draft\s+0", ok(run(tmp_path, "survey", "list")))
    refused = one_error_line(run(tmp_path, "demo", "--survey", "tiny-test"), 1)
    assert "draft" in refused and "survey open tiny-test" in refused

    ok(run(tmp_path, "survey", "open", "tiny-test"))
    demo(tmp_path, tiny_turns("1"), "--survey", "tiny-test", "--as", "first")
    survey_file.write_text(TINY_V2)
    changed = run(tmp_path, "survey", "add", "tiny.yaml")
    assert ok(changed) == "tiny-test\n"
    assert "(version 2)" in changed.stderr
    again = run(tmp_path, "survey", "add", str(survey_file))
    assert ok(again) == "tiny-test\n" and "unchanged, version 2" in again.stderr
    demo(tmp_path, tiny_turns("3"), "--survey", "tiny-test", "--as", "second")

    output = tmp_path / "tiny.json"
    ok(run(tmp_path, "export", "tiny-test", "--output", str(output)))
    exported = json.loads(output.read_text())["responses"]
    given = sorted((r["survey_version"], r["answers"]["pet"]) for r in exported)
    assert given == [(1, "cat"), (2, "fish")]
    result = json.loads(
        ok(run(tmp_path, "results", "tiny-test", "--format", "json", "--min-count", "1"))
    )
    assert result["questions"][0]["counts"] == {"cat": 1, "dog": 0, "fish": 1}

    # A version without "cat": answers given to it under version 1 still count.
    survey_file.write_text(TINY_V3)
    assert "(version 3)" in run(tmp_path, "survey", "add", "tiny.yaml").stderr
    result = json.loads(
        ok(run(tmp_path, "results", "tiny-test", "--format", "json", "--min-count", "1"))
    )
    assert result["questions"][0]["counts"] == {"dog": 0, "fish": 1, "cat": 1}
    assert result["questions"][0]["answered"] == 2
    assert ok(run(tmp_path, "results", "tiny-test", "--by", "pet", "--min-count", "1"))
    listed = ok(run(tmp_path, "survey", "list"))
    assert re.search(r"tiny-test\s+A tiny test\s+open\s+2", listed), listed


def test_the_demo_can_try_a_survey_file(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(TINY)
    out = demo(tmp_path, tiny_turns("2"), "--survey", "tiny.yaml")
    assert "A tiny test" in out
    assert re.search(r"tiny-test\s+A tiny test\s+open\s+1", ok(run(tmp_path, "survey", "list")))


@pytest.mark.parametrize("action", ["open", "close"])
def test_opening_or_closing_an_unknown_survey(tmp_path: Path, action: str) -> None:
    line = one_error_line(run(tmp_path, "survey", action, "no-such-survey"), 1)
    assert "no-such-survey" in line


def test_closing_tells_a_young_person_mid_way(tmp_path: Path) -> None:
    turns = better_services()
    demo(tmp_path, turns[:5], "--survey", SLUG, "--as", "kim")  # answered the area
    assert ok(run(tmp_path, "survey", "close", SLUG)) == f"{SLUG} is now closed\n"
    assert re.search(rf"{SLUG}\s+.+\s+closed\s+1", ok(run(tmp_path, "survey", "list")))
    out = ok(run(tmp_path, "demo", "--as", "kim", stdin="4\n"))
    assert "has closed now" in out
    assert out.index("has closed now") < out.index("> 4")
    assert "How much do you feel listened to" not in out.split("> 4")[1]
    refused = one_error_line(run(tmp_path, "demo", "--survey", SLUG, "--as", "new"), 1)
    assert "closed" in refused
    result = results_json(tmp_path, "--min-count", "1")
    assert result["responses"] == 1 and result["completed"] == 0  # what kim said still counts
    assert question(result, "area")["counts"]["north"] == 1
    assert question(result, "listened_to")["answered"] == 0
    ok(run(tmp_path, "survey", "open", SLUG))
    out = demo(tmp_path, [Turn("1", CONSENT_PROMPT)], "--as", "kim")
    assert "Making services better" in out


# --- help, settings, the key file --------------------------------------------------------------
COMMANDS = [
    [],
    ["demo"],
    ["survey"],
    ["survey", "validate"],
    ["survey", "add"],
    ["survey", "list"],
    ["survey", "open"],
    ["survey", "close"],
    ["results"],
    ["export"],
]


@pytest.mark.parametrize("words", COMMANDS, ids=lambda words: " ".join(words) or "youthvoice")
def test_every_command_has_help(tmp_path: Path, words: list[str]) -> None:
    out = ok(run(tmp_path, *words, "--help"))
    assert "Usage:" in out
    assert not (tmp_path / DB_NAME).exists()  # help touches nothing


def test_a_mistyped_command_line_is_one_line(tmp_path: Path) -> None:
    assert "nonsense" in one_error_line(run(tmp_path, "nonsense"), 2)
    assert "--bogus" in one_error_line(run(tmp_path, "survey", "list", "--bogus"), 2)
    assert "slug" in one_error_line(run(tmp_path, "results"), 2).lower()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("YOUTHVOICE_PORT", "abc"),
        ("YOUTHVOICE_TIMEZONE", "Mars/Base"),
        ("YOUTHVOICE_QUIET_HOURS", "late"),
        ("YOUTHVOICE_SECRET_KEY", "short"),
        ("TELEGRAM_API_BASE_URL", "not a url"),
        ("TWILIO_ACCOUNT_SID", "my-account"),
        ("TWILIO_FROM_NUMBER", "07700 900"),
        ("TWILIO_MESSAGING_SERVICE_SID", "MG123"),
    ],
)
def test_a_bad_setting_stops_with_one_line(tmp_path: Path, variable: str, value: str) -> None:
    env = clean_env(tmp_path / DB_NAME, **{variable: value})
    words = ["demo"] if variable == "YOUTHVOICE_PORT" else ["survey", "list"]
    result = run(tmp_path, *words, env=env)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    line = one_error_line(result, 2)
    assert variable in line
    assert value not in line or variable != "YOUTHVOICE_SECRET_KEY"  # never echo a secret
    assert not (tmp_path / DB_NAME).exists()


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"TWILIO_ACCOUNT_SID": "AC" + "0" * 32}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_AUTH_TOKEN": "s3cret-twilio-token"}, "TWILIO_ACCOUNT_SID"),
        (
            {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "s3cret-twilio-token"},
            "TWILIO_FROM_NUMBER",
        ),
    ],
)
def test_half_an_sms_configuration_stops_with_one_line(
    tmp_path: Path, given: dict[str, str], named: str
) -> None:
    result = run(tmp_path, "survey", "list", env=clean_env(tmp_path / DB_NAME, **given))
    line = one_error_line(result, 2)
    assert named in line
    assert "s3cret-twilio-token" not in line


def test_a_bad_setting_in_the_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("YOUTHVOICE_PORT=abc\n")
    assert "YOUTHVOICE_PORT" in one_error_line(run(tmp_path, "survey", "list"), 2)


def test_the_key_file_is_made_once_beside_the_database(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    database = folder / "voices.db"
    env = clean_env(database)
    first = better_services()[:3]
    ok(run(tmp_path, "demo", "--survey", SLUG, "--as", "kim", env=env, stdin=typed(first)))
    key = folder / "youthvoice.key"
    assert key.exists() and not (tmp_path / "youthvoice.key").exists()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = key.read_bytes()
    assert len(secret.strip()) >= 32
    # Reused: the same name is the same young person, so kim carries on where they were.
    out = ok(run(tmp_path, "demo", "--as", "kim", env=env, stdin="no\n"))
    assert key.read_bytes() == secret
    assert "hear about new surveys" in out.split("> no")[0]
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_a_stored_survey_that_no_longer_reads_breaks_nothing_else(tmp_path: Path) -> None:
    """A survey stored under older rules, which this version would reject."""

    async def store_unreadable() -> None:
        storage = await SqliteStorage.open(tmp_path / DB_NAME, "2026-01-01T00:00:00+00:00")
        try:
            await survey_admin.ensure_samples_open(storage, only=SLUG)
            await storage.add_survey("old-one", "spec_version: 1\nslug: [\n", "x" * 64, "now")
            await storage.set_survey_status("old-one", "open", "now")
        finally:
            await storage.close()

    asyncio.run(store_unreadable())
    listed = ok(run(tmp_path, "survey", "list"))
    assert re.search(r"old-one\s+\(cannot be read", listed), listed
    assert "old-one" in one_error_line(run(tmp_path, "results", "old-one"), 1)
    demo(tmp_path, better_services(), "--survey", SLUG)
    assert results_json(tmp_path, "--min-count", "1")["completed"] == 1
