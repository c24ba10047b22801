"""``ecoprocure report annual``: the annual green procurement report as HTML, PDF, XLSX or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecoprocure.cli.benefit_options import CarbonPrice, Equivalences, ShadowPrices, ids
from ecoprocure.cli.context import (
    AcceptScheme,
    console,
    database,
    fail,
    handles_errors,
    locale_option,
    settings,
)
from ecoprocure.domain.factors import DEFAULT_FACTOR_SET, find_factor_set
from ecoprocure.domain.report_scope import SCOPE_FORMS, parse_scope
from ecoprocure.ingest.procurement_files import items_dir
from ecoprocure.pipeline.engine import ENGINES
from ecoprocure.pipeline.registry_snapshot import export
from ecoprocure.pipeline.run import REPORTING_CURRENCY

report_app = typer.Typer(
    help="Reports for people: the annual green procurement report.", no_args_is_help=True
)

_FORMATS = ("html", "pdf", "xlsx", "csv")


@report_app.command("annual")
@handles_errors
def annual(
    year: Annotated[int, typer.Option("--year", help="The report year (the year before gives the trends).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write (csv: a ZIP with one CSV per table).")
    ],
    scope: Annotated[str, typer.Option(help=f"What the report covers: {SCOPE_FORMS}.")] = "country",
    lang: Annotated[str, typer.Option("--lang", help="en or zh.")] = "en",
    fmt: Annotated[str, typer.Option("--format", help="html, pdf, xlsx or csv.")] = "html",
    factors: Annotated[
        str, typer.Option("--factors", help="Factor set name (ecoprocure factors list) or folder.")
    ] = DEFAULT_FACTOR_SET,
    currency: Annotated[str, typer.Option(help="Reporting currency (spend and money).")] = REPORTING_CURRENCY,
    equivalences: Equivalences = None,
    carbon_price: CarbonPrice = None,
    shadow_prices: ShadowPrices = None,
    accept_scheme: AcceptScheme = None,
    engine: Annotated[str, typer.Option(help=f"One of {', '.join(ENGINES)}.")] = "duckdb",
) -> None:
    """The annual green procurement report for a year and a scope: green share and its trend,
    benefits by impact with ranges, equivalents and money, programme statistics, the
    year-over-year table, data coverage and every factor's source."""
    from ecoprocure.reports.annual_data import annual_report_data
    from ecoprocure.reports.annual_report import write_report

    if fmt not in _FORMATS:
        fail(f"--format {fmt!r}: use {', '.join(_FORMATS)}")
    locale = locale_option(lang)
    if not 1900 <= year <= 2200:
        fail(f"--year {year}: give a four-digit year, e.g. --year 2024")
    if not output.parent.is_dir():
        fail(f"--output {output}: folder {output.parent} does not exist")
    if output.is_dir():
        fail(f"--output {output}: is a folder; give a file name")
    where = parse_scope(scope)
    conf = settings()
    factor_set = find_factor_set(factors, conf.home)
    files = sorted(items_dir(conf.home).glob("*.parquet"))
    with (
        console.status("computing the report…", spinner="dots"),
        database() as db,
        db.engine.connect() as conn,
    ):
        snapshot = export(conn, conf.home / "pipeline")
        report = annual_report_data(
            conn,
            files,
            snapshot,
            factor_set,
            year=year,
            scope=where,
            reporting_currency=currency,
            engine=engine,
            equivalence_ids=None if equivalences is None else ids(equivalences),
            carbon_price_id=carbon_price,
            shadow_price_ids=ids(shadow_prices or ""),
            accept_scheme=accept_scheme,
        )
    with console.status(f"writing {fmt}…", spinner="dots"):
        write_report(report, output, fmt=fmt, locale=locale)
    share = report.current["green_share"]
    console.print(
        f"wrote {output} ({fmt}, {lang}): {year}, scope {report.scope}, green share "
        f"{'–' if share is None else f'{share:.1%}'} of eligible spend",
        markup=False,
    )
