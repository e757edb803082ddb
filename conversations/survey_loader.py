"""Reads survey files and reports every problem in them at its line.

`youthvoice survey validate` prints these problems for coordinators, so each one names
the file, the line, the field and what to change, in plain words.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from conversations import reading_age
from conversations.survey import (
    QUESTION_TYPES,
    TEXT_FIELDS,
    Ages,
    Option,
    Question,
    ShowIf,
    Survey,
    survey_problems,
)

# Values under these keys are words, never numbers or booleans: `id: no` is the option
# "no" and `in: [yes]` the answer "yes", whatever YAML 1.1 thinks.
_WORD_KEYS = TEXT_FIELDS | {"id", "slug", "keyword", "question", "languages", "in"}
_RETYPED_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "timestamp")
)
_DATE_HINT = "should be a date written like 2027-03-31"
_SHAPES = {
    "ages": "should be written like {min: 11, max: 25}",
    "show_if": "should be written like {question: safe, in: [1, 2]}",
    "option": "should be written like {id: weekly, label: Every week}",
}


@dataclass(frozen=True)
class SurveyProblem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: {self.message}"


class SurveyInvalid(ValueError):
    """A survey file that cannot be used, with every problem found in it."""

    def __init__(self, problems: Iterable[SurveyProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __reduce__(self) -> tuple[type[SurveyInvalid], tuple[tuple[SurveyProblem, ...]]]:
        # Rebuild from the problems, not the joined message, when pickled.
        return (SurveyInvalid, (self.problems,))


def parse_survey(text: str, file: str = "<survey>") -> Survey:
    """The survey in `text`, or SurveyInvalid listing every problem in it."""
    reader = _YamlReader(text)
    try:
        data = reader.read()
    except yaml.YAMLError as error:
        raise SurveyInvalid([_syntax_problem(error, text, file)]) from None
    except _TooBig:
        message = f"the file's aliases (*name) make it bigger than {reader.MAX_NODES} values"
        raise SurveyInvalid([SurveyProblem(file, 1, "yaml", message)]) from None
    lines, found = reader.lines, reader.found
    if not isinstance(data, dict):
        raise SurveyInvalid([SurveyProblem(file, 1, "(top)", _not_a_mapping(data))])
    found.extend(survey_problems(data))
    try:
        survey = Survey.model_validate(data)
    except ValidationError as error:
        found.extend(_pydantic_problems(error, found))
    else:
        if not found:
            return survey
    problems = [
        SurveyProblem(file, _line_of(path, lines), path, message) for path, message in found
    ]
    # Python's sort is stable, so problems on one line keep the order they were found in.
    raise SurveyInvalid(sorted(problems, key=lambda problem: problem.line))


def load_survey(path: str | os.PathLike[str]) -> Survey:
    """The survey in the file at `path`, or SurveyInvalid listing every problem in it."""
    file = os.fspath(path)
    try:
        raw = Path(file).read_bytes()
    except FileNotFoundError:
        raise SurveyInvalid([SurveyProblem(file, 1, "(file)", "there is no such file")]) from None
    except OSError as error:
        message = f"the file can't be read: {error.strerror or error}"
        raise SurveyInvalid([SurveyProblem(file, 1, "(file)", message)]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad_line = raw[: error.start].count(b"\n") + 1
        message = f"the file is not UTF-8 text (see line {bad_line}); save it as UTF-8"
        raise SurveyInvalid([SurveyProblem(file, 1, "(file)", message)]) from None
    return parse_survey(text, file)


def wording_warnings(text: str, survey: Survey, file: str = "<survey>") -> list[SurveyProblem]:
    """Warnings, at their lines, about wording in `text` (the source of `survey`) that may be
    hard for under-13s to read. They never make a survey invalid."""
    reader = _YamlReader(text)
    # The survey was read from this text, so it reads again; if not, lines fall back to 1.
    with contextlib.suppress(yaml.YAMLError, _TooBig):
        reader.read()
    warnings = []
    for warning in reading_age.survey_warnings(survey):
        # A language map names the language; a plain string is the same in every language.
        path = f"{warning.path}.{warning.language}"
        if path not in reader.lines:
            path = warning.path
        line = _line_of(path, reader.lines)
        warnings.append(SurveyProblem(file, line, path, f"warning: {warning.message}"))
    return sorted(warnings, key=lambda warning: warning.line)


def sample_survey_paths() -> list[Path]:
    """The sample surveys shipped with youthvoice, sorted by name."""
    folder = resources.files("conversations.surveys")
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".yaml"))


class _YamlReader:
    """Plain data from YAML text, noting the line of every field path on the way."""

    # Aliases can make a short file expand enormously; no real survey comes close.
    MAX_NODES = 100_000

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [at for at, character in enumerate(text) if character == "\n"]
        self.loader: yaml.SafeLoader
        self.lines: dict[str, int] = {"": 1}
        self.found: list[tuple[str, str]] = []
        self.nodes = 0

    def read(self) -> Any:
        # Made here, inside the callers' `except yaml.YAMLError`: the loader checks the
        # whole text for control characters as soon as it is made.
        self.loader = yaml.SafeLoader(self.text)
        try:
            node = self.loader.get_single_node()
            if node is None:
                return None
            return self.convert(node, "", words=False)
        finally:
            self.loader.dispose()

    def line_of(self, mark: yaml.Mark) -> int:
        """The line a mark is on, counting only newlines as an editor does (YAML also counts
        U+2028, U+2029, U+0085 and a lone carriage return, which a pasted text can hold)."""
        return bisect.bisect_left(self.newlines, mark.index) + 1

    def convert(self, node: yaml.Node, path: str, *, words: bool) -> Any:
        self.nodes += 1
        if self.nodes > self.MAX_NODES:
            raise _TooBig
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, words=words)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item_node in enumerate(node.value):
                child = f"{path}[{i}]"
                self.lines[child] = self.line_of(item_node.start_mark)
                items.append(self.convert(item_node, child, words=words))
            return items
        if (
            words
            and isinstance(node, yaml.ScalarNode)
            and node.style is None
            and node.tag in _RETYPED_TAGS
        ):
            return str(node.value)
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError):
            # Such as 2027-02-30, which looks like a date but isn't one: keep the words
            # so the problem is reported as a bad date, at its line.
            return str(node.value)

    def mapping(self, node: yaml.MappingNode, path: str, *, words: bool) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.found.append((path or "(top)", "field names must be plain words"))
                continue
            # The key's own spelling, so `on:` or `no:` stay words rather than booleans.
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in result:
                self.found.append((child, f"'{key}' is given more than once here"))
            self.lines[child] = self.line_of(key_node.start_mark)
            result[key] = self.convert(value_node, child, words=words or key in _WORD_KEYS)
        return result


class _TooBig(Exception):
    pass


def _syntax_problem(error: yaml.YAMLError, text: str, file: str) -> SurveyProblem:
    line = 1
    message = " ".join(str(error).split())
    if isinstance(error, yaml.reader.ReaderError):
        line = text.count("\n", 0, error.position) + 1
        message = "it has a control character, which a survey file can't contain"
    elif isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        if mark is not None:
            line = text.count("\n", 0, mark.index) + 1  # as _YamlReader.line_of
        problem = error.problem or message
        if "another document" in problem:
            problem, hint = "there is more than one document", "remove the second '---'"
        elif "'\\t'" in problem:
            hint = "indent with spaces, not tabs"
        elif "got '?'" in problem:
            hint = "text with a '?' inside { } must be in quotes"
        else:
            hint = "check the indentation, and put text that has ': ' in quotes"
        message = f"{problem} ({hint})"
    return SurveyProblem(file, line, "yaml", f"this is not valid YAML: {message}")


def _not_a_mapping(data: object) -> str:
    if data is None:
        return "the file is empty; a survey starts with 'spec_version: 1'"
    shape = "a list" if isinstance(data, list) else "a single value"
    return f"a survey should be a set of fields like 'slug: parks-2027', not {shape}"


def _line_of(path: str, lines: dict[str, int]) -> int:
    """The line of `path`, or of its nearest parent when the field itself is missing."""
    path = "" if path == "(top)" else path
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return lines.get("", 1)


def _pydantic_problems(
    error: ValidationError, found: list[tuple[str, str]]
) -> Iterator[tuple[str, str]]:
    """Pydantic's errors in coordinators' words, leaving out what the rules already said."""
    said = {path for path, _ in found}
    for detail in error.errors():
        path = _path(detail["loc"])
        # Our own validators repeat the rules survey_problems already reported, with a
        # less precise place; they only matter if the rules found nothing.
        if (detail["type"] == "value_error" and found) or path in said:
            continue
        said.add(path)
        yield path, _message(detail)


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else part
    return path or "(top)"


def _message(detail: ErrorDetails) -> str:
    kind, value, loc = detail["type"], detail["input"], detail["loc"]
    field = str(loc[-1]) if loc else ""
    ctx = detail.get("ctx") or {}
    if kind == "missing":
        if field == "spec_version":
            return "is missing; a survey file starts with 'spec_version: 1'"
        return "is missing"
    if kind == "extra_forbidden":
        return _unknown_field(loc)
    if kind == "literal_error":
        if field == "type":
            allowed = ", ".join(QUESTION_TYPES)
            return f"{_shown(value)} is not a question type; use one of: {allowed}"
        if field == "kind":
            return f"{_shown(value)} is not a kind of survey; use consultation or review"
        if field == "spec_version":
            return f"{_shown(value)} is not a version this youthvoice reads; use spec_version: 1"
        return f"{_shown(value)} is not allowed; use {ctx.get('expected', 'another value')}"
    if kind == "string_type":
        return "is empty" if value is None else "should be text"
    if kind.startswith("int_"):
        return "should be a whole number"
    if kind.startswith("bool_"):
        return "should be true or false"
    if kind.startswith("date_"):
        return _DATE_HINT
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        if field in TEXT_FIELDS or (len(loc) > 1 and str(loc[-2]) in TEXT_FIELDS):
            return "should be text, or a map from language code to text"
        if len(loc) > 1 and loc[-2] == "options":
            field = "option"
        return _SHAPES.get(field, "should be a set of fields (name: value)")
    if kind in ("list_type", "tuple_type"):
        return "should be a list, like [en, cy]" if field == "languages" else "should be a list"
    if kind == "value_error":
        return str(ctx.get("error", detail["msg"]))
    return str(detail["msg"])


def _shown(value: object) -> str:
    return "an empty value" if value is None else f"'{value}'"


def _unknown_field(loc: tuple[int | str, ...]) -> str:
    name = str(loc[-1])
    message = f"unknown field '{name}'"
    known = _fields_at(tuple(part for part in loc[:-1] if isinstance(part, str)))
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"{message}; did you mean '{close[0]}'?"
    if " " in name:
        # Usually a comma inside {id: ..., label: ...} cutting a label in two.
        return f"{message}; if this is part of some text, put the whole text in quotes"
    return message


def _fields_at(keys: tuple[str, ...]) -> list[str]:
    models: dict[tuple[str, ...], type[BaseModel]] = {
        (): Survey,
        ("ages",): Ages,
        ("questions",): Question,
        ("questions", "options"): Option,
        ("questions", "show_if"): ShowIf,
    }
    model = models.get(keys)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]
