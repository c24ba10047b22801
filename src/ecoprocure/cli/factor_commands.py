"""``ecoprocure factors``: list, show and check environmental-benefit factor sets (docs/factors.md)."""

from __future__ import annotations

import csv
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ecoprocure.cli.context import console, fail, handles_errors, print_json, settings
from ecoprocure.domain.factors import (
    COLUMNS,
    FactorRow,
    FactorSet,
    FactorSetError,
    available_factor_sets,
    find_factor_set,
    load_factor_set,
    user_factors_dir,
)

factors_app = typer.Typer(
    help="Environmental-benefit factor sets: the shipped default and your own (docs/factors.md).",
    no_args_is_help=True,
)
FORMATS = ("table", "csv", "json")


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _cell(row: FactorRow, column: str) -> str:
    value = getattr(row, column)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ";".join(value)
    if isinstance(value, Decimal):
        return _number(value)
    return "" if value is None else str(value)


def _row_dict(factor_set: FactorSet, row: FactorRow) -> dict[str, Any]:
    values = factor_set.values(row)
    low, central, high = values.magnitudes()
    return {
        "line": row.line,
        **{column: _cell(row, column) for column in COLUMNS},
        "values": {
            "unit": values.unit,
            "per": values.per,
            "per_kind": values.per_kind,
            "per_year": values.per_year,
            "annual": values.annual,
            "lifetime_years": _number(values.lifetime_years) or None,
            "low": _number(low),
            "central": _number(central),
            "high": _number(high),
        },
    }


@factors_app.command("list")
@handles_errors
def factors_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The shipped factor sets and yours (under $ECOPROCURE_HOME/factors/)."""
    home = settings().home
    entries = available_factor_sets(home)
    if as_json:
        print_json(
            [
                {
                    "name": e.name,
                    "version": e.info.version if e.info else None,
                    "region": e.info.region if e.info else None,
                    "valid_from": e.info.valid_from if e.info else None,
                    "valid_to": e.info.valid_to if e.info else None,
                    "origin": e.origin,
                    "folder": str(e.folder),
                    "error": e.error,
                }
                for e in entries
            ]
        )
        return
    table = Table("name", "version", "region", "years", "origin", "folder", title="Factor sets")
    for e in entries:
        if e.info is None:
            table.add_row(e.name, "", "", "", e.origin, f"{e.folder}\n[red]{e.error}[/]")
        else:
            years = f"{e.info.valid_from}–{e.info.valid_to}"
            table.add_row(e.info.name, e.info.version, e.info.region, years, e.origin, str(e.folder))
    console.print(table)
    console.print(f"Add your own as folders under {user_factors_dir(home)} (format: docs/factors.md).")


BASIS_LABELS = {
    "per_functional_unit": "per unit",
    "per_spend": "per spend",
    "baseline_vs_labelled": "baseline − labelled",
}


def _print_table(factor_set: FactorSet, rows: list[FactorRow]) -> None:
    info = factor_set.info
    console.print(
        f"{info.name} {info.version} · region {info.region} · {info.valid_from}–{info.valid_to}",
        markup=False,
        style="bold",
    )
    console.print(info.description, markup=False, highlight=False)
    table = Table("category", "impact", "basis", "phase", "low / central / high", "per", "conf.", "assumed")
    for row in rows:
        values = factor_set.values(row)
        low, central, high = (_number(m) for m in values.magnitudes())
        per = values.per + (f" ({values.per_year})" if values.per_year else "")
        per += f" per year × {_number(values.lifetime_years)} y" if values.annual else ""
        impact = row.impact + (" (footprint)" if row.measure == "footprint" else "")
        span = f"{low} / {central} / {high} {values.unit}"
        assumed = "yes" if row.assumption else ""
        table.add_row(
            row.category, impact, BASIS_LABELS[row.basis], row.phase, span, per, row.confidence, assumed
        )
    console.print(table)
    assumed = sum(r.assumption for r in rows)
    console.print(
        f"{len(rows)} rows, {assumed} resting on assumptions (each row's derivation: --format json)"
    )
    console.print(f"Licence: {info.licence}", markup=False, highlight=False)
    used = {source_id for row in rows for source_id in row.source_ids}
    for source in (s for s in info.sources if s.id in used):
        year = f", {source.year}" if source.year else ""
        where = source.url or source.locator or ""
        console.print(f"  [{source.id}] {source.title}. {source.publisher}{year}. {where}", markup=False)


@factors_app.command("show")
@handles_errors
def factors_show(
    name: Annotated[str, typer.Argument(help="A factor set's name, or the path of its folder.")],
    output_format: Annotated[
        str, typer.Option("--format", help="table, csv (the rows file) or json.")
    ] = "table",
    category: Annotated[str | None, typer.Option(help="Only this category's rows.")] = None,
) -> None:
    """A factor set's metadata, sources and rows, with values in each impact's canonical unit."""
    if output_format not in FORMATS:
        fail(f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}")
    factor_set = find_factor_set(name, settings().home)
    rows = [r for r in factor_set.rows if category in (None, r.category)]
    if output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([_cell(r, c) for c in COLUMNS] for r in rows)
    elif output_format == "json":
        info = factor_set.info
        print_json(
            {
                "name": info.name,
                "version": info.version,
                "region": info.region,
                "valid_from": info.valid_from,
                "valid_to": info.valid_to,
                "description": info.description,
                "licence": info.licence,
                "origin": info.origin,
                "folder": str(info.folder),
                "sources": [vars(s) for s in info.sources],
                "rows": [_row_dict(factor_set, r) for r in rows],
            }
        )
    else:
        _print_table(factor_set, rows)


@factors_app.command("check")
@handles_errors
def factors_check(path: Annotated[Path, typer.Argument(help="The folder of a factor set.")]) -> None:
    """Check a factor set: every problem with file, row and field; exit 1 if there is any."""
    try:
        factor_set = load_factor_set(path)
    except FactorSetError as exc:
        for problem in exc.problems:
            console.print(str(problem), highlight=False, markup=False)
        fail(f"{len(exc.problems)} problem(s) in factor set {path}")
        return
    info = factor_set.info
    assumed = sum(r.assumption for r in factor_set.rows)
    console.print(
        f"ok: {info.name} {info.version} ({info.region}, {info.valid_from}–{info.valid_to}): "
        f"{len(factor_set)} rows ({assumed} resting on assumptions), {len(info.sources)} sources",
        highlight=False,
    )
