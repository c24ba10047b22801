"""``ecoprocure cases``: Procura+-style case studies: list, show, compare, check, export."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ecoprocure.cli.claims_commands import STRICT_EXIT_CODE, print_checks, summary_line
from ecoprocure.cli.context import (
    console,
    fail,
    handles_errors,
    locale_option,
    print_csv,
    print_json,
    settings,
)
from ecoprocure.domain.case_checks import check_cases
from ecoprocure.domain.case_files import find_case, load_cases
from ecoprocure.domain.case_model import KINDS, CaseStudy, pick
from ecoprocure.domain.case_studies import Aggregate, Normalised, aggregate, normalise_all
from ecoprocure.domain.case_views import (
    aggregate_dict,
    case_detail,
    case_summary,
    normalised_dict,
)
from ecoprocure.domain.claim_quantities import format_number
from ecoprocure.domain.claims import summary
from ecoprocure.domain.money import ExchangeRates, normalise_currency

cases_app = typer.Typer(
    help="Procura+-style case studies with normalised outcomes (docs/case-studies.md).", no_args_is_help=True
)

CaseDir = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="A folder of your case-study files, read beside the shipped ones "
        "(default: $ECOPROCURE_HOME/case_studies when it exists).",
    ),
]
Lang = Annotated[str, typer.Option("--lang", help="Language of the texts: en, zh (or any the files give).")]


def _cases(folder: Path | None) -> list[CaseStudy]:
    if folder is None:
        home = settings().home / "case_studies"
        folder = home if home.is_dir() else None
    return load_cases(folder)


def _currency(currency: str) -> str:
    code = normalise_currency(currency)
    known = ExchangeRates.shipped().currencies()
    if code not in known:
        fail(f"--currency {currency!r}: no exchange rates for it (known: {', '.join(known)})")
    return code


def _check_format(output: str, allowed: tuple[str, ...]) -> None:
    if output not in allowed:
        fail(f"--format {output!r}: use {', '.join(allowed[:-1])} or {allowed[-1]}")


@cases_app.command("list")
@handles_errors
def cases_list(
    folder: CaseDir = None,
    lang: Lang = "en",
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """The case studies: authority, place, year, category, what was bought, outcomes."""
    _check_format(output, ("table", "json"))
    rows = [case_summary(case, lang) for case in _cases(folder)]
    if output == "json":
        print_json(rows)
        return
    table = Table(title="Case studies")
    for column in ("id", "authority", "place", "year", "category", "outcomes"):
        table.add_column(column, overflow="fold")
    for row in rows:
        place = f"{row['city']} ({row['country']})"
        year = str(row["year"]) if row["year"] else "—"
        table.add_row(
            row["id"], row["authority"], place, year, row["category"] or "—", ", ".join(row["outcomes"])
        )
    console.print(table)


@cases_app.command("show")
@handles_errors
def cases_show(
    case_id: Annotated[str, typer.Argument(metavar="ID", help="The case id (see `ecoprocure cases list`).")],
    folder: CaseDir = None,
    lang: Lang = "en",
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """One case: every field, every outcome with its sources, normalised per year and per unit."""
    _check_format(output, ("table", "json"))
    case = find_case(_cases(folder), case_id)
    detail = case_detail(case, lang)
    rows = normalise_all([case], lang=lang)
    detail["normalised"] = [normalised_dict(r) for r in rows]
    if output == "json":
        print_json(detail)
        return
    table = Table(title=f"{detail['title']} — {detail['authority']}", show_header=False, show_lines=True)
    table.add_column("field")
    table.add_column("value", ratio=1)
    year = str(case.year) if case.year else "—"
    fields = [
        ("id", case.id),
        ("place", ", ".join(p for p in (detail["city"], detail["region"], case.country) if p)),
        ("year", year + (f" ({case.year_note})" if case.year_note else "")),
        ("category", (case.category or "—") + (f" ({case.category_note})" if case.category_note else "")),
        ("bought", detail["bought"]["what"] + _quantity(case, lang)),
        ("baseline", detail["baseline"]),
        ("criteria", detail["criteria"] + (f" [{'; '.join(case.labels)}]" if case.labels else "")),
        ("languages", ", ".join(case.languages)),
    ]
    if detail["note"]:
        fields.append(("note", detail["note"]))
    for name, value in fields:
        table.add_row(name, Text(value))
    for outcome, row in zip(case.outcomes, rows, strict=True):
        table.add_row(f"outcome {outcome.id}", _outcome_cell(case, outcome.id, row, lang))
    console.print(table)


def _quantity(case: CaseStudy, lang: str) -> str:
    quantity = case.bought.quantity
    if quantity is None:
        return ""
    return f" — {quantity.adopted.shown()} ({pick(case.bought.item, lang)})"


def _outcome_cell(case: CaseStudy, outcome_id: str, row: Normalised, lang: str) -> Text:
    outcome = case.outcome(outcome_id)
    gas = f", {outcome.gas} only" if outcome.gas else ""
    cell = Text(
        f"{pick(outcome.what, lang)} ({outcome.kind}{gas}): {row.stated}; confidence {row.confidence}"
    )
    for step in row.arithmetic:
        cell.append(f"\n  {step}", style="cyan")
    if row.problem:
        cell.append(f"\n  cannot normalise: {row.problem}", style="yellow")
    if outcome.note:
        cell.append(f"\n  note: {outcome.note}", style="dim")
    adopted = outcome.figure.adopted
    for reading in outcome.figure.readings:
        mark = "*" if reading is adopted else "-"
        where = f", {reading.location}" if reading.location else ""
        cell.append(
            f"\n  {mark} {reading.shown()} — {reading.document}{where}: “{reading.quote}”", style="dim"
        )
    return cell


@cases_app.command("compare")
@handles_errors
def cases_compare(
    folder: CaseDir = None,
    kind: Annotated[str | None, typer.Option("--kind", help=f"Only this kind: {', '.join(KINDS)}.")] = None,
    currency: Annotated[str, typer.Option("--currency", help="Money in this currency.")] = "EUR",
    lang: Lang = "en",
    output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Normalised outcomes side by side (per year, one-off, per unit) and the totals per kind."""
    _check_format(output, ("table", "csv", "json"))
    if kind is not None and kind not in KINDS:
        fail(f"--kind {kind!r}: use one of {', '.join(KINDS)}")
    code = _currency(currency)
    rows = normalise_all(_cases(folder), kind=kind, currency=code, lang=lang)
    totals = aggregate(rows)
    if output == "json":
        print_json(
            {"kind": kind, "currency": code, "outcomes": [normalised_dict(r) for r in rows]}
            | aggregate_dict(totals)
        )
    elif output == "csv":
        print_csv([_csv_row(normalised_dict(r)) for r in rows])
    else:
        _compare_tables(rows, totals)


def _csv_row(row: dict[str, Any]) -> dict[str, Any]:
    rate = row.pop("rate") or {}
    row["arithmetic"] = " | ".join(row["arithmetic"])
    return row | {"rate": rate.get("rate"), "rate_year": rate.get("year"), "rate_source": rate.get("source")}


def _n(value: Decimal | None) -> str:
    return "—" if value is None else format_number(value, digits=6)


def _compare_tables(rows: list[Normalised], totals: Aggregate) -> None:
    table = Table(title="Case-study outcomes, normalised", show_lines=True)
    for column in ("outcome", "stated", "per year", "one-off / total", "per unit", "arithmetic"):
        table.add_column(column, overflow="fold")
    for row in rows:
        unit = f" {row.unit}"
        per_unit = f"{_n(row.per_unit)}{unit} per {row.per_unit_label}" if row.per_unit is not None else "—"
        name = f"{row.case}\n{row.outcome} ({row.kind}{', ' + row.gas + ' only' if row.gas else ''})"
        note = "\n".join(row.arithmetic) + (f"\ncannot normalise: {row.problem}" if row.problem else "")
        table.add_row(
            name,
            row.stated,
            f"{_n(row.annual)}{unit}/yr" if row.annual is not None else "—",
            f"{_n(row.total)}{unit}" if row.total is not None else "—",
            per_unit,
            Text(note, style="yellow" if row.problem else "cyan"),
        )
    console.print(table)
    summary_table = Table(title="Totals")
    for column in ("kind", "basis", "total", "arithmetic"):
        summary_table.add_column(column, overflow="fold")
    for total in totals.totals:
        basis = "per year" if total.basis == "per_year" else "one-off"
        summary_table.add_row(total.kind, basis, f"{_n(total.value)} {total.unit}", total.arithmetic)
    console.print(summary_table)
    for key, reason in totals.left_out:
        console.print(Text(f"not added: {key}: {reason}", style="dim"))


@cases_app.command("check")
@handles_errors
def cases_check(
    folder: CaseDir = None,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    strict: Annotated[
        bool, typer.Option("--strict", help=f"Exit {STRICT_EXIT_CODE} when a figure's sources contradict.")
    ] = False,
) -> None:
    """Every figure read in two or more sources, judged by the claims checker."""
    _check_format(output, ("table", "json"))
    results = check_cases(_cases(folder))
    counts = summary(results)
    if output == "json":
        print_json({"summary": {"checks": len(results), **counts}, "checks": [r.to_dict() for r in results]})
    else:
        print_checks("Case studies: the same figure in every source", results)
        console.print(Text(summary_line(len(results), counts)))
    if strict and counts["contradiction"] + counts["cannot_check"]:
        fail(f"case studies: {counts['contradiction']} contradiction(s) (--strict)", code=STRICT_EXIT_CODE)


@cases_app.command("export")
@handles_errors
def cases_export(
    output_file: Annotated[Path, typer.Option("--output", help="The file to write (.html, .pdf or .xlsx).")],
    output: Annotated[str, typer.Option("--format", help="html, pdf or xlsx.")] = "html",
    folder: CaseDir = None,
    currency: Annotated[str, typer.Option("--currency", help="Money in this currency.")] = "EUR",
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: en or zh (zh-Hans …).")] = "en",
) -> None:
    """The case studies as a report: every case, its normalised outcomes, totals and the checks."""
    from ecoprocure.reports.case_report import build_report, write_html, write_pdf, write_xlsx

    _check_format(output, ("html", "pdf", "xlsx"))
    locale = locale_option(lang)
    report = build_report(_cases(folder), currency=_currency(currency), lang=locale)
    {"html": write_html, "pdf": write_pdf, "xlsx": write_xlsx}[output](report, output_file)
    console.print(f"wrote {output_file} ({len(report.cases)} cases, {output})")
