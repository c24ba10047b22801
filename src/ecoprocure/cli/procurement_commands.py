"""``ecoprocure ingest`` and ``ecoprocure indicators``: procurement data and green share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ecoprocure.cli.context import (
    AcceptScheme,
    console,
    database,
    fail,
    handles_errors,
    print_csv,
    print_json,
    settings,
)
from ecoprocure.ingest.procurement_files import IngestReport, ingest_procurement_file, items_dir
from ecoprocure.pipeline.compliance import DEFAULT_LIST, load_list
from ecoprocure.pipeline.conversion import RATE_POLICIES
from ecoprocure.pipeline.engine import ENGINES
from ecoprocure.pipeline.registry_snapshot import export
from ecoprocure.pipeline.run import REPORTING_CURRENCY, IndicatorResult, run_indicators


def _print_report(report: IngestReport) -> None:
    console.print(f"[bold]{report.file}[/] ({report.shape or '?'}): {report.status}")
    if report.error:
        console.print(f"  [red]{report.error}[/]")
    if report.already_ingested:
        console.print("  already ingested (same content): nothing added")
    console.print(
        f"  releases: {report.releases:,}; items: {report.items:,}; "
        f"items with a problem: {report.items_with_issue:,}; kept original: {report.kept_path}"
    )
    for reason, n in sorted(report.issues.items(), key=lambda kv: -kv[1]):
        console.print(f"    {n:,} × {reason}")
    for problem in report.problems[:10]:
        where = (problem[key] for key in ("file", "location", "field"))
        console.print(
            "    " + ": ".join([*(part for part in where if part), problem["reason"]]), markup=False
        )
    if len(report.problems) > 10:
        console.print(f"    … {len(report.problems) - 10} more problems")
    if report.rejects_file:
        console.print(f"  every problem is listed in {report.rejects_file}")


@handles_errors
def ingest(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="OCDS files in any shape (packages, records, JSON Lines, gzip), or CSV/XLSX files "
            "of the procurement template (docs/import-templates.md)."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable report.")] = False,
) -> None:
    """Ingest procurement data: keep the originals, normalise awarded items, report every problem."""
    conf = settings()
    reports = []
    with console.status("ingesting…", spinner="dots") if not as_json else _nothing():
        for path in files:
            report = ingest_procurement_file(path, home=conf.home, uploads_dir=conf.resolved_uploads_dir)
            reports.append(report)
            if not as_json:
                _print_report(report)
    if as_json:
        print_json([r.to_dict() for r in reports] if len(reports) > 1 else reports[0].to_dict())
    failed = [r for r in reports if r.status == "failed"]
    if failed:
        fail("; ".join(r.error if r.file in (r.error or "") else f"{r.file}: {r.error}" for r in failed))


class _nothing:  # noqa: N801 - a do-nothing context manager
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


@handles_errors
def indicators(
    by: Annotated[
        str, typer.Option("--by", help="Comma list of year, buyer, level, region, category.")
    ] = "year",
    accept_scheme: AcceptScheme = None,
    output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    engine: Annotated[str, typer.Option(help=f"One of {', '.join(ENGINES)}.")] = "duckdb",
    currency: Annotated[str, typer.Option(help="Reporting currency.")] = REPORTING_CURRENCY,
    rates: Annotated[
        Path | None, typer.Option(help="Your own exchange-rate CSV (currency,year,per_usd,source).")
    ] = None,
    rate_years: Annotated[
        str,
        typer.Option(
            help="nearest: a year the rate table lacks uses the closest covered year (counted in the "
            "coverage); exact: such items stay unconverted."
        ),
    ] = "nearest",
    compliance_file: Annotated[
        Path | None,
        typer.Option(
            "--compliance",
            help="Your own list of mandatory/priority categories (CSV, columns as compliance_lists.csv).",
        ),
    ] = None,
    compliance_list: Annotated[
        str | None, typer.Option(help=f"Which list of the file to use (shipped: {DEFAULT_LIST}).")
    ] = None,
    table: Annotated[
        str, typer.Option("--table", help="What --format csv writes: indicators or compliance.")
    ] = "indicators",
) -> None:
    """Green share by spend and by count within eligible categories, with coverage figures and
    the compliance of mandatory/priority categories."""
    if output not in ("table", "csv", "json"):
        fail(f"--format {output!r}: use table, csv or json")
    if rate_years not in RATE_POLICIES:
        fail(f"--rate-years {rate_years!r}: use {' or '.join(RATE_POLICIES)}")
    if table not in ("indicators", "compliance"):
        fail(f"--table {table!r}: use indicators or compliance")
    requirements = load_list(compliance_file, compliance_list)
    dims = [d.strip() for d in by.split(",") if d.strip()]
    conf = settings()
    files = sorted(items_dir(conf.home).glob("*.parquet"))
    with database() as db, db.engine.connect() as conn:
        snapshot = export(conn, conf.home / "pipeline")
    result = run_indicators(
        files,
        snapshot,
        by=dims,
        engine=engine,
        reporting_currency=currency,
        rates_file=rates,
        rate_policy=rate_years,
        requirements=requirements,
        accept_scheme=accept_scheme,
    )
    if output == "json":
        print_json(result.to_dict())
    elif output == "csv":
        print_csv(result.rows if table == "indicators" else result.compliance)
    else:
        _table(result)
        _compliance_table(result)


_COLUMNS = (
    "items",
    "eligible_items",
    "green_items",
    "eligible_spend",
    "green_spend",
    "green_share",
    "green_share_by_count",
    "declared_green_share",
)


def _fmt(value: Any, name: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if "share" in name:
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _table(result: IndicatorResult) -> None:
    dims = [
        c
        for c in (result.rows[0] if result.rows else {})
        if c not in _COLUMNS and c not in ("spend", "declared_green_spend")
    ]
    table = Table(*dims, *_COLUMNS, title=f"Green share (spend in {result.reporting_currency})")
    for row in result.rows:
        table.add_row(
            *(str(row[c]) if row[c] is not None else "–" for c in dims), *(_fmt(row[c], c) for c in _COLUMNS)
        )
    console.print(table)
    cover = result.coverage
    share = {k: _fmt(v, "share") for k, v in cover.items() if k.startswith("share")}
    console.print(
        f"coverage: {cover['item_rows_read']:,} item rows read, {cover['items']:,} distinct items; "
        f"usable {share['share_items_usable']}, converted {share['share_items_converted']}; "
        f"spend classified {share['share_spend_classified']}, eligible {share['share_spend_eligible']}, "
        f"matched to certificates {share['share_spend_matched']}"
    )
    for issue in result.issues[:8]:
        what = "left out" if issue["left_out"] else "used"
        console.print(f"  {issue['items']:,} items {what}: {issue['reason']}")


_COMPLIANCE = (
    "items",
    "spend",
    "green_spend",
    "green_share",
    "target_share",
    "meets_target",
    "shortfall_spend",
)


def _compliance_table(result: IndicatorResult) -> None:
    if not result.compliance:
        console.print(f"compliance list {result.compliance_list}: no purchases in its categories")
        return
    dims = [c for c in result.compliance[0] if c not in _COMPLIANCE and c != "green_items"]
    table = Table(
        *dims,
        *_COMPLIANCE,
        title=(
            f"Mandatory and priority categories ({result.compliance_list}; "
            f"spend in {result.reporting_currency})"
        ),
    )
    for row in result.compliance:
        table.add_row(
            *(str(row[c]) if row[c] is not None else "–" for c in dims),
            *(_fmt(row[c], c) for c in _COMPLIANCE),
        )
    console.print(table)
