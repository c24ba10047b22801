"""``ecoprocure sdg``: SDG indicator 12.7.1 — the questionnaire, the score and its exports (docs/sdg.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ecoprocure.cli.context import (
    AcceptScheme,
    console,
    database,
    fail,
    handles_errors,
    locale_option,
    print_json,
    settings,
)
from ecoprocure.domain.sdg_answers import AnswerSheet, load_answers
from ecoprocure.domain.sdg_methodology import DEFAULT_VERSION, Methodology, find_methodology, shipped_versions
from ecoprocure.domain.sdg_score import FDerivation, SdgScore, f_from_green_share, fmt, score_answers
from ecoprocure.ingest.procurement_files import items_dir
from ecoprocure.pipeline.compliance import load_list
from ecoprocure.pipeline.registry_snapshot import export as export_snapshot
from ecoprocure.pipeline.run import REPORTING_CURRENCY, run_indicators
from ecoprocure.reports.sdg_report import FORMATS as EXPORT_FORMATS
from ecoprocure.reports.sdg_report import export as export_report

sdg_app = typer.Typer(
    help="SDG indicator 12.7.1: sustainable public procurement score (UNEP SPP Index, docs/sdg.md).",
    no_args_is_help=True,
)

AnswersFile = Annotated[Path, typer.Argument(help="An answers file (TOML, see docs/sdg.md).")]
MethodologyOption = Annotated[
    str | None,
    typer.Option(
        "--methodology",
        help=f"A shipped version ({', '.join(shipped_versions())}) or the path of your methodology "
        "file; default: the version the answers file names.",
    ),
]
FFromData = Annotated[
    bool,
    typer.Option(
        "--f-from-data",
        help="Compute F from the workspace's ingested procurement data (green spend ÷ spend in the "
        "priority categories of the answers file, default the shipped cn-2019 list).",
    ),
]
YearOption = Annotated[
    int | None, typer.Option(help="The purchase year F from data covers (default: the answers file's year).")
]
CurrencyOption = Annotated[str, typer.Option(help="Reporting currency of F from data.")]


def _f_from_data(sheet: AnswerSheet, year: int, currency: str, accept_scheme: str | None) -> FDerivation:
    conf = settings()
    files = sorted(items_dir(conf.home).glob("*.parquet"))
    if not files:
        fail(f"--f-from-data: no procurement data in {conf.home}; ingest some first (ecoprocure ingest)")
    with database() as db, db.engine.connect() as conn:
        snapshot = export_snapshot(conn, conf.home / "pipeline")
    result = run_indicators(
        files,
        snapshot,
        by=["year", "category"],
        reporting_currency=currency,
        accept_scheme=accept_scheme,
    )
    categories = sheet.priority_categories or tuple(
        r.category for r in load_list(None, sheet.priority_list or None)
    )
    return f_from_green_share(result.rows, categories, year=year, currency=result.reporting_currency)


def _score(
    answers: Path,
    methodology: str | None,
    f_from_data: bool,
    year: int | None,
    currency: str,
    accept_scheme: str | None,
) -> SdgScore:
    chosen = find_methodology(methodology) if methodology else None
    sheet, used = load_answers(answers, chosen)
    derivation = None
    if f_from_data:
        derivation = _f_from_data(sheet, year or sheet.government.year, currency, accept_scheme)
    elif year is not None:
        fail("--year applies to --f-from-data only")
    return score_answers(sheet, used, derivation)


@sdg_app.command("score")
@handles_errors
def score(
    answers: AnswersFile,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    methodology: MethodologyOption = None,
    f_from_data: FFromData = False,
    year: YearOption = None,
    currency: CurrencyOption = REPORTING_CURRENCY,
    accept_scheme: AcceptScheme = None,
) -> None:
    """Score an answers file: A × (B + C + D + E + F), the level and each component's arithmetic."""
    if output not in ("table", "json"):
        fail(f"--format {output!r}: use table or json")
    result = _score(answers, methodology, f_from_data, year, currency, accept_scheme)
    if output == "json":
        print_json(result.to_dict())
    else:
        _print_score(result)


@sdg_app.command("export")
@handles_errors
def export(
    answers: AnswersFile,
    output_format: Annotated[str, typer.Option("--format", help=", ".join(EXPORT_FORMATS) + ".")],
    output: Annotated[Path, typer.Option("--output", help="The file to write.")],
    methodology: MethodologyOption = None,
    f_from_data: FFromData = False,
    year: YearOption = None,
    currency: CurrencyOption = REPORTING_CURRENCY,
    accept_scheme: AcceptScheme = None,
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="en or zh (zh-Hans …): the report's language; the data files' question column "
            "(column names stay English).",
        ),
    ] = "en",
) -> None:
    """Export the answers, evidence, arithmetic, level, methodology version and caveats: an HTML
    or PDF report, or a CSV / XLSX / JSON data file."""
    if output_format not in EXPORT_FORMATS:
        fail(f"--format {output_format!r}: use {', '.join(EXPORT_FORMATS)}")
    locale = locale_option(lang)
    result = _score(answers, methodology, f_from_data, year, currency, accept_scheme)
    path = export_report(result, output_format, output, locale)
    console.print(
        f"wrote {path} (score {fmt(result.score, 2)}, level {result.level.level}, "
        f"methodology {result.methodology.id})",
        highlight=False,
        markup=False,
    )


@sdg_app.command("methodology")
@handles_errors
def methodology(
    version: Annotated[
        str, typer.Option("--version", help="A shipped version id or the path of a methodology file.")
    ] = DEFAULT_VERSION,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """A methodology's components, sub-items and weights, each weight's status and source."""
    if output not in ("table", "json"):
        fail(f"--format {output!r}: use table or json")
    chosen = find_methodology(version)
    if output == "json":
        print_json(_methodology_dict(chosen))
    else:
        _print_methodology(chosen)


def _methodology_dict(m: Methodology) -> dict[str, object]:
    return {
        "id": m.id,
        "title": m.title,
        "title_zh": m.title_zh,
        "publisher": m.publisher,
        "year": m.year,
        "scoring": m.scoring,
        "refusal": m.refusal or None,
        "formula": m.formula,
        "implementing_threshold": float(m.implementing_threshold),
        "file": m.origin,
        "versions_shipped": shipped_versions(),
        "levels": [
            {
                "level": level.level,
                "lower": float(level.lower),
                "lower_inclusive": level.lower_inclusive,
                "label": level.label,
                "status": level.status,
                "source": level.source,
            }
            for level in m.levels
        ],
        "components": [
            {
                "id": c.id,
                "role": c.role,
                "name": c.name,
                "name_zh": c.name_zh,
                "max": float(c.max),
                "max_status": c.max_status,
                "source": c.source,
                "items": [
                    {
                        "id": i.id,
                        "text": i.text,
                        "text_zh": i.text_zh,
                        "scoring": i.scoring,
                        "weight": float(i.weight),
                        "weight_status": i.weight_status,
                        "source": i.source,
                    }
                    for i in c.items
                ],
            }
            for c in m.components
        ],
        "caveats": list(m.caveats),
        "sources": [vars(s) for s in m.sources],
    }


def _print_methodology(m: Methodology) -> None:
    console.print(f"{m.title} ({m.id}) · {m.formula}", style="bold", markup=False, highlight=False)
    if m.scoring == "refused":
        console.print(f"scoring refused: {m.refusal}", style="yellow", markup=False, highlight=False)
    table = Table("component", "item", "text", "scoring", "weight", "status", "source")
    for c in m.components:
        table.add_row(c.id, "", f"{c.name} (max {fmt(c.max)}, {c.max_status})", c.role, "", "", c.source)
        for i in c.items:
            table.add_row("", i.id, i.text, i.scoring, fmt(i.weight), i.weight_status, i.source)
    console.print(table)
    for level in m.levels:
        bound = "≥" if level.lower_inclusive else ">"
        console.print(f"level {level.level}: score {bound} {fmt(level.lower)} — {level.label}", markup=False)
    for note in m.caveats:
        console.print(f"caveat: {note}", markup=False, highlight=False)
    for s in m.sources:
        console.print(
            f"  [{s.id}] {s.title}. {s.publisher}, {s.year}. {s.url}", markup=False, highlight=False
        )


def _print_score(result: SdgScore) -> None:
    g = result.sheet.government
    where = f"{g.level}{f', {g.region}' if g.region else ''}, {g.country}"
    console.print(f"{g.name} ({where}), {g.year}", style="bold", markup=False, highlight=False)
    console.print(f"methodology {result.methodology.id}: {result.methodology.title}", markup=False)
    table = Table("component", "value", "max", "arithmetic", title="SDG 12.7.1 components")
    for c in result.components:
        table.add_row(
            f"{c.component.id} {c.component.name}", fmt(c.value), fmt(c.component.max), c.arithmetic
        )
    console.print(table)
    console.print(result.arithmetic, markup=False, highlight=False)
    verdict = "implementing SPP" if result.implementing else "not implementing SPP"
    console.print(
        f"score {fmt(result.score, 2)} · level {result.level.level} ({result.level.label}) · {verdict}",
        style="bold",
        markup=False,
        highlight=False,
    )
    if result.f_derivation:
        console.print(result.f_derivation.arithmetic, markup=False, highlight=False)
    for flag in result.flags:
        console.print(f"flag: {flag['item']}: {flag['problem']}", style="red", markup=False)
    for note in result.caveats():
        console.print(f"caveat: {note}", style="dim", markup=False, highlight=False)
