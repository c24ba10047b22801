"""Docs that cannot rot: a template column, setting or command missing from the docs fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from ecoprocure.cli.main import app
from ecoprocure.ingest.registry_rows import TEMPLATES
from ecoprocure.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
TEMPLATES_DOC = (ROOT / "docs" / "import-templates.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "column", sorted({c for t in TEMPLATES.values() for c in (*t.required, *t.optional)})
)
def test_every_template_column_is_documented(column: str) -> None:
    assert f"`{column}`" in TEMPLATES_DOC


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(name: str) -> None:
    assert f"ECOPROCURE_{name.upper()}" in README


def _commands() -> list[str]:
    group = typer.main.get_command(app)
    names = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        names += [f"{name} {s}" for s in sub] if sub else [name]
    return sorted(names)


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    group, _, sub = command.partition(" ")
    documented = f"ecoprocure {command}" in README or (
        sub and f"ecoprocure {group} " in README and sub in README
    )
    assert documented, f"`ecoprocure {command}` is not documented in README.md"
