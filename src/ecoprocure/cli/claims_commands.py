"""``ecoprocure claims check``: recompute published figures and flag contradictions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ecoprocure.cli.context import console, fail, handles_errors, print_json
from ecoprocure.domain.claims import CheckResult, summary
from ecoprocure.domain.claims_file import SEEDS_FILE, load_claims

claims_app = typer.Typer(help="Published figures and the arithmetic between them.", no_args_is_help=True)

STRICT_EXIT_CODE = 3
_WITH_SOURCES = ("contradiction", "cannot_check")  # the table quotes the sources of these (JSON: all)
_STYLES = {"contradiction": "bold red", "cannot_check": "yellow", "consistent": "green", "derived": "cyan"}


@claims_app.command("check")
@handles_errors
def check(
    file: Annotated[
        Path | None,
        typer.Argument(help="A claims file (TOML, see docs/claims.md); default: the shipped seeds file."),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help=f"Exit {STRICT_EXIT_CODE} when a check finds a contradiction or cannot be checked.",
        ),
    ] = False,
) -> None:
    """Recompute every check of a claims file; show the arithmetic and flag contradictions."""
    if output not in ("table", "json"):
        fail(f"--format {output!r}: use table or json")
    claim_set = load_claims(file if file is not None else SEEDS_FILE)
    results = claim_set.check()
    counts = summary(results)
    if output == "json":
        print_json(
            {
                "file": claim_set.origin,
                "title": claim_set.title or None,
                "summary": {"checks": len(results), **counts},
                "checks": [r.to_dict() for r in results],
            }
        )
    else:
        print_checks(claim_set.title or claim_set.origin, results)
        console.print(Text(summary_line(len(results), counts)))
    failed = counts["contradiction"] + counts["cannot_check"]
    if strict and failed:
        fail(
            f"{claim_set.origin}: {counts['contradiction']} contradiction(s), "
            f"{counts['cannot_check']} check(s) that cannot be checked (--strict)",
            code=STRICT_EXIT_CODE,
        )


def summary_line(total: int, counts: dict[str, int]) -> str:
    parts = ", ".join(f"{n} {verdict.replace('_', ' ')}" for verdict, n in counts.items())
    return f"{total} checks: {parts}"


def print_checks(title: str, results: list[CheckResult]) -> None:
    table = Table(title=title, show_lines=True)
    table.add_column("verdict")
    table.add_column("check", overflow="fold")
    table.add_column("arithmetic", ratio=1)
    for result in results:
        cell = Text(result.arithmetic)
        if result.hint:
            cell.append(f"\nhint: {result.hint}", style="italic")
        if result.reason and result.reason not in result.arithmetic:
            cell.append(f"\nreason: {result.reason}")
        if result.relation.note:
            cell.append(f"\nnote: {result.relation.note}", style="dim")
        for claim_id, source in result.sources if result.verdict in _WITH_SOURCES else ():
            where = f", {source.location}" if source.location else ""
            cell.append(f"\n{claim_id}: {source.document}{where}: “{source.quote}”", style="dim")
        verdict = Text(result.verdict.replace("_", " "), style=_STYLES[result.verdict])
        table.add_row(verdict, Text(f"{result.relation.id}\n({result.relation.kind})"), cell)
    console.print(table)
