"""Docs that cannot rot: a template column, setting or command missing from the docs fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from ecoprocure.cli.main import app
from ecoprocure.ingest.procurement_files import ingest_procurement_file
from ecoprocure.ingest.procurement_template import ALIASES
from ecoprocure.ingest.procurement_template import TEMPLATE as PROCUREMENT
from ecoprocure.ingest.registry_rows import TEMPLATES
from ecoprocure.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
TEMPLATES_DOC = (ROOT / "docs" / "import-templates.md").read_text(encoding="utf-8")
PROCUREMENT_DOC = TEMPLATES_DOC.split("\n## Procurement template\n", 1)[-1].split("\n## ", 1)[0]
PROCUREMENT_EXAMPLE = ROOT / "docs" / "examples" / "procurement-template.csv"


@pytest.mark.parametrize(
    "column", sorted({c for t in TEMPLATES.values() for c in (*t.required, *t.optional)})
)
def test_every_template_column_is_documented(column: str) -> None:
    assert f"`{column}`" in TEMPLATES_DOC


@pytest.mark.parametrize("column", [*PROCUREMENT.required, *PROCUREMENT.optional])
def test_every_procurement_column_is_documented_with_its_aliases(column: str) -> None:
    rows = [line for line in PROCUREMENT_DOC.splitlines() if line.startswith(f"| `{column}` |")]
    assert len(rows) == 1, f"`{column}` has no row in the procurement template table"
    aliases = {alias.strip() for alias in rows[0].split("|")[3].split(",") if alias.strip()}
    assert aliases == set(ALIASES.get(column, ()))


def _procurement_examples(tmp_path: Path) -> list[Path]:
    """The shipped example file and every CSV block of the procurement template section."""
    blocks = re.findall(r"```csv\n(.*?)```", PROCUREMENT_DOC, flags=re.DOTALL)
    assert blocks, "the procurement template section shows no CSV example"
    paths = [PROCUREMENT_EXAMPLE]
    for number, block in enumerate(blocks):
        paths.append(tmp_path / f"block-{number}.csv")
        paths[-1].write_text(block, encoding="utf-8")
    return paths


def test_the_procurement_examples_follow_the_template(tmp_path: Path) -> None:
    header = PROCUREMENT_EXAMPLE.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert set(header) <= {*PROCUREMENT.required, *PROCUREMENT.optional}
    for path in _procurement_examples(tmp_path):
        report = ingest_procurement_file(path, home=tmp_path / "home", uploads_dir=tmp_path / "uploads")
        assert (report.status, report.problems, report.issues) == ("ok", [], {}), path
        assert report.items == len(path.read_text(encoding="utf-8").splitlines()) - 1


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
