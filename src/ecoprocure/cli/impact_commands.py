"""``ecoprocure impact``: environmental benefits of the ingested purchases, with their factors,
equivalents, money and the year-over-year table."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from ecoprocure.cli.benefit_options import CarbonPrice, Equivalences, ShadowPrices, ids
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
from ecoprocure.domain.benefit_summary import compare_years, summary
from ecoprocure.domain.benefits import PERIODS
from ecoprocure.domain.equivalences import unit_text
from ecoprocure.domain.factors import DEFAULT_FACTOR_SET, find_factor_set
from ecoprocure.ingest.procurement_files import items_dir
from ecoprocure.pipeline.engine import ENGINES
from ecoprocure.pipeline.registry_snapshot import export
from ecoprocure.pipeline.run import BENEFIT_DIMENSIONS, BenefitResult, run_benefits

_VALUES = ("items", "items_without_amount", "low", "central", "high", "mc_p05", "mc_p50", "mc_p95")


@handles_errors
def impact(
    by: Annotated[str, typer.Option("--by", help=f"Comma list of {', '.join(BENEFIT_DIMENSIONS)}.")] = "year",
    factors: Annotated[
        str, typer.Option("--factors", help="Factor set name (ecoprocure factors list) or folder.")
    ] = DEFAULT_FACTOR_SET,
    period: Annotated[
        str,
        typer.Option(help="lifetime: use-phase benefits over the product's life; annual: one year of use."),
    ] = "lifetime",
    monte_carlo: Annotated[
        int, typer.Option("--monte-carlo", help="Draws of the factors from their distributions (0: off).")
    ] = 0,
    equivalences: Equivalences = None,
    carbon_price: CarbonPrice = None,
    shadow_prices: ShadowPrices = None,
    currency: Annotated[
        str | None, typer.Option(help="Currency for the money (default: the price's own).")
    ] = None,
    compare: Annotated[
        str | None, typer.Option(help="Two years, YEAR_A,YEAR_B: the year-over-year table of reductions.")
    ] = None,
    accept_scheme: AcceptScheme = None,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Show each total as quantity × factor = result, with its source."),
    ] = False,
    output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    engine: Annotated[str, typer.Option(help=f"One of {', '.join(ENGINES)}.")] = "duckdb",
) -> None:
    """Benefits of certified purchases (reductions against conventional products) and the
    footprint of all purchases, by impact, with low/central/high and every factor's source."""
    if output not in ("table", "csv", "json"):
        fail(f"--format {output!r}: use table, csv or json")
    if period not in PERIODS:
        fail(f"--period {period!r}: use {' or '.join(PERIODS)}")
    if monte_carlo < 0:
        fail(f"--monte-carlo {monte_carlo}: give a number of draws ≥ 0")
    years = _years(compare) if compare else None
    conf = settings()
    factor_set = find_factor_set(factors, conf.home)
    with database() as db, db.engine.connect() as conn:
        snapshot = export(conn, conf.home / "pipeline")
    result = run_benefits(
        sorted(items_dir(conf.home).glob("*.parquet")),
        snapshot,
        factor_set,
        by=[d.strip() for d in by.split(",") if d.strip()],
        period=period,  # type: ignore[arg-type]  # checked above
        engine=engine,
        monte_carlo_draws=monte_carlo,
        accept_scheme=accept_scheme,
        explain=explain,
    )
    told = summary(
        result.rows,
        equivalence_ids=None if equivalences is None else ids(equivalences),
        carbon_price_id=carbon_price,
        shadow_price_ids=ids(shadow_prices or ""),
        currency=currency,
    )
    table = compare_years(result.by_year, *years) if years else []
    if output == "json":
        print_json({**result.to_dict(), **told, "year_over_year": table})
    elif output == "csv" and years:
        print_csv(table)
    elif output == "csv":
        print_csv(result.rows, also=_VALUES)
    else:
        _table(result)
        _summary(told, table)
        for line in result.explain:
            console.print(
                f"  {line['category']} · {line['impact']} ({line['measure']}): {line['formula']}",
                markup=False,
            )
            console.print(f"      {line['trace']}", markup=False)


def _years(text: str) -> tuple[int, int]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts):
        fail(f"--compare {text!r}: give two years, e.g. --compare 2019,2020")
    return int(parts[0]), int(parts[1])


def _summary(told: dict[str, Any], table: list[dict[str, Any]]) -> None:
    for row in told["equivalents"]:
        console.print(f"  ≈ {row['arithmetic']}  [{row['constant']}]", markup=False)
    for row in told["money"]:
        console.print(f"  {row['arithmetic']}  [{row['price']}]", markup=False)
    for warning in told["money_warnings"]:
        console.print(f"  note: {warning}", markup=False)
    if table:
        keys = list(table[0])
        year_a, year_b = keys[5], keys[8]  # type, impact, name_en, name_zh, unit, A, A_low, A_high, B …
        yoy = Table("type", "impact", "unit", year_a, year_b, "change %", title="Reductions, year over year")
        for row in table:
            yoy.add_row(
                row["type"],
                row["impact"],
                unit_text(row["unit"]),
                *(_number(None if row[k] is None else float(row[k])) for k in (year_a, year_b)),
                row["change_pct"] or "–",
            )
        console.print(yoy)


def _number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


_SHOWN = {
    "items": "items",
    "low": "low",
    "central": "central",
    "high": "high",
    "mc_p05": "p5",
    "mc_p95": "p95",
}


def _table(result: BenefitResult) -> None:
    shown = [k for k in _SHOWN if any(k in row for row in result.rows)]
    dims = [c for c in (result.rows[0] if result.rows else {}) if c not in _VALUES and c != "mc_mean"]
    table = Table(
        *dims,
        *(_SHOWN[k] for k in shown),
        title=f"Benefits and footprints ({result.factor_set} {result.factor_set_version}, {result.period})",
    )
    for row in result.rows:
        table.add_row(
            *("–" if row[c] is None else str(row[c]) for c in dims), *(_number(row.get(c)) for c in shown)
        )
    console.print(table)
    cover = result.coverage
    console.print(
        f"certified purchases: {cover['certified_items']:,}; with a reduction factor for their category "
        f"{cover['certified_items_with_factor']:,}; earning a benefit {cover['items_with_benefit']:,}"
    )
    for reason in cover["reasons"]:
        console.print(f"  {reason['items']:,} certified items without a benefit: {reason['reason']}")
    console.print("factors used (ecoprocure impact --format json lists each with its source): ", end="")
    console.print(f"{len(result.factors)} category × impact rows")
