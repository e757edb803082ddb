"""Docs that are cheap to test: every command has help and is in the README; every setting
of the interface is in .env.example; .ci/run runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def _commands() -> list[list[str]]:
    root = get_command(app)
    found = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            found += [[name, sub] for sub in subcommands]
        else:
            found.append([name])
    return found


@pytest.mark.parametrize("words", _commands(), ids=" ".join)
def test_every_command_has_help_and_is_documented(words: list[str]) -> None:
    result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert f"youthvoice {' '.join(words)}" in README


def test_every_setting_is_in_env_example() -> None:
    example = (ROOT / ".env.example").read_text("utf-8")
    for field in Settings.model_fields.values():
        assert field.alias is not None
        assert re.search(rf"^#? ?{field.alias}=", example, re.MULTILINE), field.alias


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.DOTALL)
    test_command = next(b for b in blocks if "pytest" in b)
    assert test_command in (ROOT / ".ci" / "run").read_text("utf-8")
    run_command = next(b for b in blocks if "youthvoice demo" in b)
    assert run_command.count("&&") >= 1
