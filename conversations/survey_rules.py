"""The rules a survey file must follow, checked on plain data as read from YAML.

Kept in one tolerant checker (`survey_problems`) so the loader can report every problem in a
file at once; the models in survey.py run the same checker, so a survey built in code is
refused for the same reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal, TypeGuard, get_args

from conversations.survey_formats import (
    answer_value,
    id_problem,
    keyword_problem,
    language_problem,
    slug_problem,
)

LocalText = dict[str, str]
QuestionType = Literal["choice", "multi", "scale", "yes_no", "text"]

QUESTION_TYPES: tuple[str, ...] = get_args(QuestionType)
TEXT_FIELDS = frozenset(
    {"title", "purpose", "audience", "text", "text_under_13", "label", "min_label", "max_label"}
)
MAX_QUESTIONS = 60
MAX_SCALE_POINTS = 11
MAX_TEXT_LENGTH = 4000

_TYPE_DEFAULTS: dict[str, dict[str, int]] = {
    "scale": {"min": 1, "max": 5},
    "text": {"max_length": 1000},
}
_SCALE_ONLY = ("min", "max", "min_label", "max_label")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _join(prefix: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{prefix}[{name}]"
    return f"{prefix}.{name}" if prefix else name


def _words(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


class _Check:
    """Walks plain data (as read from YAML, or a model dump) and notes every problem.

    It tolerates anything: fields of the wrong type are left for pydantic to report, so
    one mistake never hides the others.
    """

    def __init__(self, languages: tuple[str, ...] | None = None) -> None:
        self.languages = languages
        self.found: list[tuple[str, str]] = []

    def report(self, path: str, message: str) -> None:
        self.found.append((path or "(top)", message))

    def survey(self, data: Mapping[str, Any]) -> None:
        self.languages = self.language_list(data.get("languages", ["en"]))
        kind = data.get("kind", "consultation")
        for field in ("slug", "keyword"):
            value = data.get(field)
            if isinstance(value, str):
                problem = slug_problem(value) if field == "slug" else keyword_problem(value)
                if problem:
                    self.report(field, problem)
        if isinstance(data.get("ages"), Mapping):
            self.ages(data["ages"], "ages")
        self.text(data, "title", "", required=True)
        self.text(data, "purpose", "", required=True)
        if kind == "review" and not _has_text(data.get("audience")):
            self.report(
                "audience",
                "a review must say who will see the answers, e.g. 'Your Independent "
                "Reviewing Officer (IRO) will read what you choose to send.'",
            )
        else:
            self.text(data, "audience", "", required=True)
        if kind == "review":
            self.review_rules(data)
        feedback_by, closes = _as_date(data.get("feedback_by")), _as_date(data.get("closes"))
        if feedback_by and closes and feedback_by < closes:
            self.report(
                "feedback_by",
                f"{feedback_by} is before the survey closes ({closes}); you can't tell "
                "people what changed before it has closed",
            )
        questions = data.get("questions")
        if isinstance(questions, Sequence) and not isinstance(questions, str):
            self.questions(questions)

    def language_list(self, languages: object) -> tuple[str, ...] | None:
        if not isinstance(languages, Sequence) or isinstance(languages, str):
            return None
        if not languages:
            self.report("languages", "list at least one language, like [en]")
            return None
        valid: list[str] = []
        for i, code in enumerate(languages):
            if not isinstance(code, str):
                continue
            problem = language_problem(code)
            if problem:
                self.report(_join("languages", i), problem)
            elif code in valid:
                self.report(_join("languages", i), f"'{code}' is listed twice")
            else:
                valid.append(code)
        return tuple(valid) or None

    def review_rules(self, data: Mapping[str, Any]) -> None:
        if data.get("keyword") is not None:
            self.report(
                "keyword",
                "a review has no keyword: each child starts theirs with a one-time code "
                "from `youthvoice review invite`",
            )
        if data.get("closes") is not None:
            self.report(
                "closes",
                "a review has no closing date: each child's review has its own due date",
            )
        if data.get("remind_after") is not None:
            self.report(
                "remind_after",
                "a review has no remind_after: the child is reminded before their due date",
            )
        if data.get("feedback_by") is not None:
            self.report(
                "feedback_by",
                "a review has no feedback_by date: the reviewing officer replies to each "
                "child after their review",
            )

    def ages(self, ages: Mapping[str, Any], prefix: str) -> None:
        low, high = ages.get("min", 8), ages.get("max", 25)
        for field, value in (("min", low), ("max", high)):
            if _is_int(value) and not 8 <= value <= 25:
                self.report(
                    _join(prefix, field), f"{value} is outside 8 to 25, the ages we work with"
                )
        if _is_int(low) and _is_int(high) and low > high:
            self.report(_join(prefix, "max"), f"{high} is lower than the youngest age ({low})")

    def text(self, parent: Mapping[str, Any], field: str, prefix: str, *, required: bool) -> None:
        if field not in parent:
            return
        path, value = _join(prefix, field), parent[field]
        if value is None:
            if required:
                self.report(path, "is empty")
            return
        if isinstance(value, str):
            # A plain string is the same words in every language (a name, a place, an
            # emoji); a translation is missing only when a language map leaves one out.
            if not value.strip():
                self.report(path, "is empty")
            return
        if not isinstance(value, Mapping):
            return
        for language, words in value.items():
            if self.languages and language not in self.languages:
                self.report(
                    _join(path, language),
                    f"'{language}' is not one of this survey's languages "
                    f"({_words(self.languages)})",
                )
            if words is None or (isinstance(words, str) and not words.strip()):
                self.report(_join(path, language), "is empty")
        if self.languages:
            missing = [code for code in self.languages if code not in value]
            if missing:
                self.report(path, f"missing translation for {_words(missing)}")

    def questions(self, questions: Sequence[Any]) -> None:
        if not questions:
            self.report("questions", "a survey needs at least one question")
            return
        if len(questions) > MAX_QUESTIONS:
            self.report(
                "questions",
                f"has {len(questions)} questions; a survey can have at most {MAX_QUESTIONS}",
            )
        first_index: dict[str, int] = {}
        for i, question in enumerate(questions):
            if not isinstance(question, Mapping):
                continue
            prefix = _join("questions", i)
            question_id = question.get("id")
            if isinstance(question_id, str) and not id_problem(question_id):
                if question_id in first_index:
                    self.report(
                        _join(prefix, "id"),
                        f"'{question_id}' is already the id of questions"
                        f"[{first_index[question_id]}]; each question needs its own id",
                    )
                else:
                    first_index[question_id] = i
            self.question(question, prefix)
        for i, question in enumerate(questions):
            if isinstance(question, Mapping) and isinstance(question.get("show_if"), Mapping):
                self.show_if(question, i, questions, first_index)

    def question(self, question: Mapping[str, Any], prefix: str) -> None:
        question_id = question.get("id")
        if isinstance(question_id, str) and (problem := id_problem(question_id)):
            self.report(_join(prefix, "id"), problem)
        kind = question.get("type")
        known = kind if kind in QUESTION_TYPES else None
        self.text(question, "text", prefix, required=True)
        self.text(question, "text_under_13", prefix, required=False)
        options = question.get("options")
        if known in ("choice", "multi"):
            self.options(options, _join(prefix, "options"), known)
        elif known and options:
            self.report(
                _join(prefix, "options"),
                f"only choice and multi questions have options; this is a {known} question",
            )
        for field in _SCALE_ONLY:
            if known and known != "scale" and question.get(field) is not None:
                self.report(
                    _join(prefix, field),
                    f"only scale questions have {field}; this is a {known} question",
                )
        if known == "scale":
            self.scale(question, prefix)
        max_length = question.get("max_length")
        if known and known != "text" and max_length is not None:
            self.report(
                _join(prefix, "max_length"),
                f"only text questions have max_length; this is a {known} question",
            )
        elif known == "text" and _is_int(max_length) and not 1 <= max_length <= MAX_TEXT_LENGTH:
            self.report(
                _join(prefix, "max_length"),
                f"{max_length} is not between 1 and {MAX_TEXT_LENGTH} characters",
            )

    def options(self, options: object, path: str, kind: str) -> None:
        if options is None:
            self.report(path, f"a {kind} question needs 2 to 10 options")
            return
        if not isinstance(options, Sequence) or isinstance(options, str):
            return
        if not 2 <= len(options) <= 10:
            count = f"{len(options)} option" + ("" if len(options) == 1 else "s")
            self.report(path, f"has {count}; a {kind} question needs 2 to 10")
        first_index: dict[str, int] = {}
        for j, option in enumerate(options):
            if isinstance(option, Mapping):
                self.option(option, _join(path, j))
                option_id = option.get("id")
                if isinstance(option_id, str) and not id_problem(option_id):
                    if option_id in first_index:
                        self.report(
                            _join(_join(path, j), "id"),
                            f"'{option_id}' is already the id of "
                            f"options[{first_index[option_id]}]; each option needs its own id",
                        )
                    else:
                        first_index[option_id] = j

    def option(self, option: Mapping[str, Any], prefix: str) -> None:
        option_id = option.get("id")
        if isinstance(option_id, str) and (problem := id_problem(option_id)):
            self.report(_join(prefix, "id"), problem)
        self.text(option, "label", prefix, required=True)

    def scale(self, question: Mapping[str, Any], prefix: str) -> None:
        low, high = _scale_bounds(question)
        if _is_int(low) and _is_int(high):
            at = _join(prefix, "max" if "max" in question else "min")
            if low >= high:
                self.report(at, f"the scale goes from {low} to {high}; max must be more than min")
            elif high - low + 1 > MAX_SCALE_POINTS:
                self.report(
                    at,
                    f"a scale from {low} to {high} has {high - low + 1} points; "
                    f"the most is {MAX_SCALE_POINTS} (like 0 to 10)",
                )
        self.text(question, "min_label", prefix, required=False)
        self.text(question, "max_label", prefix, required=False)

    def show_if(
        self,
        question: Mapping[str, Any],
        index: int,
        questions: Sequence[Any],
        first_index: dict[str, int],
    ) -> None:
        show_if: Mapping[str, Any] = question["show_if"]
        path = _join(_join("questions", index), "show_if")
        target_id = show_if.get("question")
        target: Mapping[str, Any] | None = None
        if isinstance(target_id, str):
            at = _join(path, "question")
            if target_id == question.get("id"):
                self.report(at, "a question can't depend on its own answer")
            elif target_id not in first_index:
                self.report(at, f"there is no question '{target_id}' in this survey")
            elif first_index[target_id] > index:
                self.report(
                    at,
                    f"'{target_id}' is asked after this question; "
                    "show_if can only refer to an earlier question",
                )
            else:
                target = questions[first_index[target_id]]
            if target is not None and target.get("type") == "text":
                self.report(
                    at,
                    f"'{target_id}' is a text question; show_if can only depend on a "
                    "choice, multi, scale or yes_no question",
                )
                target = None
        if "in" not in show_if:
            return
        values = show_if["in"]
        if values is None or (
            isinstance(values, Sequence) and not isinstance(values, str) and not values
        ):
            self.report(
                _join(path, "in"), "is empty; list the answers that make this question appear"
            )
            return
        possible = _possible_values(target) if target is not None else None
        if possible is None or target is None:
            return
        many = isinstance(values, Sequence) and not isinstance(values, str)
        for k, value in enumerate(values if many else [values]):
            if isinstance(value, Mapping | list):
                continue
            answer = answer_value(target.get("type"), value)
            if answer not in possible:
                self.report(
                    _join(_join(path, "in"), k) if many else _join(path, "in"),
                    f"'{answer}' is not an answer '{target_id}' can have; "
                    f"{_describe_answers(target, possible)}",
                )


def _has_text(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, Mapping):
        return any(isinstance(words, str) and words.strip() for words in value.values())
    return value is not None


def _scale_bounds(question: Mapping[str, Any]) -> tuple[object, object]:
    low, high = question.get("min"), question.get("max")
    return (1 if low is None else low), (5 if high is None else high)


def _possible_values(question: Mapping[str, Any]) -> tuple[str, ...] | None:
    kind = question.get("type")
    if kind == "yes_no":
        return ("yes", "no")
    if kind == "scale":
        low, high = _scale_bounds(question)
        if _is_int(low) and _is_int(high) and low < high:
            return tuple(str(point) for point in range(low, high + 1))
        return None
    if kind in ("choice", "multi"):
        options = question.get("options")
        if isinstance(options, Sequence) and not isinstance(options, str):
            return tuple(
                option["id"]
                for option in options
                if isinstance(option, Mapping) and isinstance(option.get("id"), str)
            )
    return None


def _describe_answers(question: Mapping[str, Any], possible: tuple[str, ...]) -> str:
    kind = question.get("type")
    if kind == "yes_no":
        return "it can be yes or no"
    if kind == "scale":
        return f"it can be a number from {possible[0]} to {possible[-1]}"
    return f"its options are {_words(possible)}" if possible else "it has no options"


def survey_problems(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every rule-breaking thing in a survey given as plain data, as (path, message)."""
    check = _Check()
    check.survey(data)
    return check.found


def refuse(found: list[tuple[str, str]]) -> None:
    if found:
        raise ValueError("; ".join(f"{path}: {message}" for path, message in found))


def checked_by(run: Callable[[_Check], None]) -> None:
    check = _Check()
    run(check)
    refuse(check.found)


def type_defaults() -> dict[str, dict[str, int]]:
    """Values a question of each type takes when the file leaves them out."""
    return {kind: dict(values) for kind, values in _TYPE_DEFAULTS.items()}
