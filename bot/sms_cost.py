"""What each question of a survey costs to ask by SMS, for `youthvoice survey validate`.

Each question is rendered exactly as a young person would get it by text message, in every
language of the survey and in each wording they could be given (the simple under-13 one as
well as the standard one), and the dearest is reported. A question over MAX_SEGMENTS is
worth shortening: it costs more to send, and long messages are harder to read on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from bot.channels import sms_render
from bot.channels.sms_text import SegmentCount, count_segments, non_gsm_characters
from conversations.prompts import question_reply
from conversations.survey import Question, Survey

MAX_SEGMENTS = 2
UNDER_13 = 13


@dataclass(frozen=True, slots=True)
class QuestionCost:
    """The dearest way a question is sent: its cost, and the language (None when the
    survey has only one) and wording (`simple`: the under-13 one) that cost it, with the
    message itself."""

    index: int
    question_id: str
    count: SegmentCount
    language: str | None
    simple: bool
    message: str


def sms_message(survey: Survey, question: Question, language: str, *, simple: bool) -> str:
    """The question as an SMS, as it is first asked."""
    reply = question_reply(survey, question, language, simple=simple, channel="sms")
    return sms_render.render(reply)


def wordings(survey: Survey, question: Question) -> tuple[bool, ...]:
    """The registers a question can be asked in: simple (under-13) and standard.

    Simple when the survey is open to under-13s or the question has words for them;
    standard when it is open to anyone 13 or older.
    """
    simple = survey.ages.min < UNDER_13 or question.text_under_13 is not None
    standard = survey.ages.max >= UNDER_13
    return tuple(register for register, used in ((False, standard), (True, simple)) if used)


def question_costs(survey: Survey) -> list[QuestionCost]:
    """The dearest SMS for each question, in the survey's order."""
    costs = []
    for index, question in enumerate(survey.questions):
        found = []
        for language in survey.languages:
            for simple in wordings(survey, question):
                message = sms_message(survey, question, language, simple=simple)
                count = count_segments(message)
                shown = language if len(survey.languages) > 1 else None
                found.append(QuestionCost(index, question.id, count, shown, simple, message))
        costs.append(max(found, key=lambda cost: (cost.count.segments, cost.count.units)))
    return costs


def text_lines(source: str) -> dict[int, int]:
    """The line of each question's `text` field in a survey file, by question index."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    questions = _field(root, "questions")
    if questions is None or not isinstance(questions[1], yaml.SequenceNode):
        return {}
    lines = {}
    for index, item in enumerate(questions[1].value):
        text = _field(item, "text")
        lines[index] = (text[0] if text else item).start_mark.line + 1
    return lines


def _field(node: yaml.Node | None, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    """The key and value nodes of field `name` of a mapping node."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == name:
                return key, value
    return None


def warning_line(file: str, line: int, cost: QuestionCost) -> str:
    """`FILE:LINE: questions[N].text: warning: ...` for a question over MAX_SEGMENTS."""
    count = cost.count
    why: str = count.encoding
    if count.encoding == "UCS-2":
        why += f" because of {' '.join(non_gsm_characters(cost.message))}"
    where = [why, f"{len(cost.message)} characters"]
    if cost.simple:
        where.append("under-13 wording")
    if cost.language is not None:
        where.append(f"in {cost.language}")
    return (
        f"{file}:{line}: questions[{cost.index}].text: warning: costs {count.segments} SMS "
        f"segments ({', '.join(where)}; {MAX_SEGMENTS} or fewer is best)"
    )


def report_line(file: str, cost: QuestionCost) -> str:
    """`FILE: QUESTION_ID: N segment(s), ENCODING` for `survey validate --channel sms`."""
    segments = cost.count.segments
    plural = "s" if segments != 1 else ""
    return f"{file}: {cost.question_id}: {segments} segment{plural}, {cost.count.encoding}"
