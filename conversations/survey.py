"""The survey model: what a coordinator's survey file means once it has been read.

The rules themselves live in survey_rules.py; these models run them, so they refuse the same
things when built in code as the loader reports in a file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    field_validator,
    model_validator,
)

from conversations.survey_formats import RESERVED_KEYWORDS
from conversations.survey_rules import (
    QUESTION_TYPES,
    TEXT_FIELDS,
    LocalText,
    QuestionType,
    answer_value,
    checked_by,
    refuse,
    survey_problems,
    type_defaults,
)

__all__ = [
    "QUESTION_TYPES",
    "RESERVED_KEYWORDS",
    "Ages",
    "LocalText",
    "Option",
    "Question",
    "QuestionType",
    "ShowIf",
    "Survey",
    "answer_value",
    "prepare_survey_data",
    "survey_problems",
]


def _strip_text(text: LocalText) -> LocalText:
    return {language: value.strip() for language, value in text.items()}


_Text = Annotated[LocalText, AfterValidator(_strip_text)]


class Option(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    label: _Text

    @model_validator(mode="after")
    def _follows_rules(self) -> Option:
        checked_by(lambda check: check.option(self.model_dump(), ""))
        return self


class ShowIf(BaseModel):
    """Ask a question only when an earlier answer is one of `values` (YAML key `in`)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True
    )

    question: str
    values: tuple[str, ...] = Field(alias="in")

    @field_validator("values", mode="before")
    @classmethod
    def _as_answers(cls, value: Any) -> Any:
        if value is None or isinstance(value, Mapping):
            return value
        if isinstance(value, str) or not isinstance(value, Sequence):
            value = [value]
        return [
            answer_value(None, item) if isinstance(item, bool | int | float) else item
            for item in value
        ]


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    type: QuestionType
    text: _Text
    text_under_13: _Text | None = None
    options: tuple[Option, ...] = ()
    min: StrictInt | None = None
    max: StrictInt | None = None
    min_label: _Text | None = None
    max_label: _Text | None = None
    show_if: ShowIf | None = None
    max_length: StrictInt | None = None
    required: bool = False

    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, data: Any) -> Any:
        kind = data.get("type") if isinstance(data, Mapping) else None
        if isinstance(kind, str) and kind in type_defaults():
            data = dict(data)
            for field, default in type_defaults()[kind].items():
                if data.get(field) is None:
                    data[field] = default
        return data

    @model_validator(mode="after")
    def _follows_rules(self) -> Question:
        checked_by(lambda check: check.question(self.model_dump(by_alias=True), ""))
        return self

    def possible_values(self) -> tuple[str, ...]:
        """The answers this question can record: option ids, scale points, yes/no."""
        if self.type in ("choice", "multi"):
            return tuple(option.id for option in self.options)
        if self.type == "scale" and self.min is not None and self.max is not None:
            return tuple(str(point) for point in range(self.min, self.max + 1))
        if self.type == "yes_no":
            return ("yes", "no")
        return ()

    def wording(self, language: str, under_13: bool) -> str:
        source = self.text_under_13 if under_13 and self.text_under_13 else self.text
        # Maps are kept in the survey's language order, so the first is the default.
        return source.get(language) or next(iter(source.values()), "")


class Ages(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    min: StrictInt = 8
    max: StrictInt = 25

    @model_validator(mode="after")
    def _follows_rules(self) -> Ages:
        checked_by(lambda check: check.ages(self.model_dump(), ""))
        return self


class Survey(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    spec_version: Literal[1]
    slug: str
    title: _Text
    kind: Literal["consultation", "review"] = "consultation"
    keyword: str | None = None
    ages: Ages = Ages()
    languages: tuple[str, ...] = ("en",)
    purpose: _Text
    audience: _Text
    feedback_by: date | None = None
    closes: date | None = None
    # Days after which one reminder goes to those who started and did not finish (off: None).
    remind_after: int | None = Field(None, ge=1, le=30)
    questions: tuple[Question, ...]

    @model_validator(mode="before")
    @classmethod
    def _prepare(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return prepare_survey_data(data)
        return data

    @field_validator("keyword")
    @classmethod
    def _upper_keyword(cls, value: str | None) -> str | None:
        return value.upper() if value is not None else None

    @model_validator(mode="after")
    def _follows_rules(self) -> Survey:
        refuse(survey_problems(self.model_dump(by_alias=True)))
        return self

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def anonymous(self) -> bool:
        return self.kind == "consultation"

    def question(self, id: str) -> Question:
        for question in self.questions:
            if question.id == id:
                return question
        raise KeyError(id)

    def local(self, text: LocalText, language: str) -> str:
        """`text` in `language`, or in the survey's default language when it has none."""
        return (
            text.get(language) or text.get(self.default_language) or next(iter(text.values()), "")
        )


def prepare_survey_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """Survey data with plain texts as language maps and show_if values as answer strings.

    A plain string stands for every language; maps are put in the survey's language
    order so the default language always comes first.
    """
    languages = data.get("languages", ("en",))
    if isinstance(languages, str) or not isinstance(languages, Sequence) or not languages:
        languages = ("en",)
    order = [code for code in languages if isinstance(code, str)] or ["en"]
    prepared = {
        key: _as_map(value, order) if key in TEXT_FIELDS else value for key, value in data.items()
    }
    questions = prepared.get("questions")
    if not isinstance(questions, Sequence) or isinstance(questions, str):
        return prepared
    types: dict[str, Any] = {}
    for question in questions:
        if isinstance(question, Mapping) and isinstance(question.get("id"), str):
            types.setdefault(question["id"], question.get("type"))
    prepared["questions"] = [_prepare_question(question, order, types) for question in questions]
    return prepared


def _prepare_question(question: Any, order: list[str], types: dict[str, Any]) -> Any:
    if not isinstance(question, Mapping):
        return question
    prepared = {
        key: _as_map(value, order) if key in TEXT_FIELDS else value
        for key, value in question.items()
    }
    options = prepared.get("options")
    if isinstance(options, Sequence) and not isinstance(options, str):
        prepared["options"] = [
            {
                key: _as_map(value, order) if key in TEXT_FIELDS else value
                for key, value in option.items()
            }
            if isinstance(option, Mapping)
            else option
            for option in options
        ]
    show_if = prepared.get("show_if")
    if isinstance(show_if, Mapping) and "in" in show_if:
        values = show_if["in"]
        target = show_if.get("question")
        target_type = types.get(target) if isinstance(target, str) else None
        if values is not None and not isinstance(values, Mapping):
            if isinstance(values, str) or not isinstance(values, Sequence):
                values = [values]
            answers: list[Any] = []
            for value in values:
                if not isinstance(value, Mapping | list):
                    value = answer_value(target_type, value)
                if value not in answers:
                    answers.append(value)
            prepared["show_if"] = {**show_if, "in": answers}
    return prepared


def _as_map(value: Any, order: list[str]) -> Any:
    if isinstance(value, str):
        return dict.fromkeys(order, value)
    if isinstance(value, Mapping):
        ranked = {code: i for i, code in enumerate(order)}
        return dict(sorted(value.items(), key=lambda item: ranked.get(item[0], len(order))))
    return value
