"""Run the pipeline over the ingested items: classify → match → enrich → indicators or benefits.

Used by ``ecoprocure indicators`` and ``ecoprocure impact`` (and later the web dashboard); the same
functions run on DuckDB or Spark because every step is an Ibis expression.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from ecoprocure.domain.benefits import AppliedFactor, Period, applied_factors, monte_carlo
from ecoprocure.domain.factor_model import FactorSet
from ecoprocure.domain.money import ExchangeRates
from ecoprocure.domain.rollup import trends
from ecoprocure.errors import DataError
from ecoprocure.pipeline import engine as engines
from ecoprocure.pipeline.acceptance import accept, agreement_terms, recognition_rows
from ecoprocure.pipeline.benefits import (
    amounts_by_factor,
    benefit_rows,
    factor_table,
    gaps,
    totals,
    unit_table,
)
from ecoprocure.pipeline.classify import classify
from ecoprocure.pipeline.compliance import Requirement, compliance, load_list
from ecoprocure.pipeline.conversion import conversion_table, load_rates
from ecoprocure.pipeline.indicators import (
    DIMENSIONS,
    ENRICHED_ITEM_COLUMNS,
    coverage,
    enrich,
    indicators,
    issues,
)
from ecoprocure.pipeline.match import ITEM_COLUMNS as MATCH_COLUMNS
from ecoprocure.pipeline.match import match
from ecoprocure.pipeline.normalise import ITEM_IDENTITY, latest_per_item
from ecoprocure.pipeline.registry_snapshot import Snapshot
from ecoprocure.pipeline.units import place_units

REPORTING_CURRENCY = "CNY"


@dataclass
class IndicatorResult:
    by: list[str]
    reporting_currency: str
    rows: list[dict[str, Any]]
    coverage: dict[str, Any]
    issues: list[dict[str, Any]] = field(default_factory=list)
    compliance_list: str | None = None
    compliance: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "reporting_currency": self.reporting_currency,
            "rows": self.rows,
            "coverage": self.coverage,
            "issues": self.issues,
            "compliance_list": self.compliance_list,
            "compliance": self.compliance,
        }


def _records(expr: Any) -> list[dict[str, Any]]:
    """Rows as plain Python values through Arrow (pandas would turn whole numbers with a null
    among them into floats: years as 2022.0)."""
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in expr.to_pyarrow().to_pylist()
    ]


def _with_shares(cover: dict[str, Any]) -> dict[str, Any]:
    """Shares of items and spend that could be converted, classified, judged eligible, matched."""
    items, spend = cover["items"] or 0, cover["spend"] or 0
    cover["share_items_usable"] = (items - cover["items_with_issue"]) / items if items else None
    cover["share_items_converted"] = cover["items_converted"] / items if items else None
    for name in ("classified", "eligible", "matched"):
        cover[f"share_spend_{name}"] = cover[f"spend_{name}"] / spend if spend else None
    return cover


@dataclass
class Prepared:
    """The items of every ingested file, classified, matched and converted (one engine session)."""

    con: Any
    rows_read: ir.IntegerScalar
    enriched: ir.Table
    rates: ExchangeRates


def prepare(
    item_files: list[Path],
    snapshot: Snapshot,
    *,
    engine: str = "duckdb",
    reporting_currency: str = REPORTING_CURRENCY,
    rates_file: Path | None = None,
    rate_policy: str = "nearest",
    accept_scheme: str | None = None,
    match_items: bool = True,
    where: Callable[[ir.Table], ir.BooleanValue] | None = None,
) -> Prepared:
    """Dedupe → units → classify → match → convert, shared by the indicators and the benefits.
    ``match_items=False`` skips certificate matching (only the benchmark uses it, to measure what
    matching adds to a run). ``where``: keep only the deduplicated items it accepts (years, a
    region, a buyer …) before the costly steps."""
    if not item_files:
        raise DataError("no procurement data ingested yet: run `ecoprocure ingest FILE…` first")
    con = engines.connect(engine)
    everything = engines.read_parquet(con, item_files)
    if where is None:
        items = latest_per_item(everything)
    else:
        items = latest_per_item(_copies_of_kept_items(everything, where))
        items = items.filter(where(items))
    snap = {
        name: engines.read_parquet(con, [snapshot.path(name)])
        for name in ("cpv_categories", "code_prefixes", "eligible", "certificates", "products")
    }
    keywords = [(r["category"], r["pattern"]) for r in pq.read_table(snapshot.path("keywords")).to_pylist()]
    rates = load_rates(rates_file)
    factors = engines.from_arrow(conversion_table(rates, reporting_currency, policy=rate_policy))
    classified = classify(place_units(items), snap["cpv_categories"], snap["code_prefixes"], keywords)
    if engine == "duckdb" and match_items:
        # Matching reads the items a second time. A copy of only the columns read from here on
        # costs a fraction of the every-column CTE DuckDB would otherwise keep, and spill under
        # its memory limit, for that second read (1 M releases: matching +50 % CPU → +23 %).
        read = dict.fromkeys((*ENRICHED_ITEM_COLUMNS, "value", *MATCH_COLUMNS))
        classified = classified.select(*read).cache()
    matched = match(classified, snap["certificates"], snap["products"])
    if not match_items:
        matched = matched.limit(0)
    accepting = accept_scheme.strip().upper() if accept_scheme else None
    matched = accept(matched, classified, accepting, _recognised(snapshot, accepting))
    enriched = enrich(classified, matched, snap["eligible"], factors)
    if engine == "duckdb":
        enriched = enriched.cache()  # several aggregations read it
    return Prepared(con, everything.count(), enriched, rates)


def _copies_of_kept_items(everything: ir.Table, where: Callable[[ir.Table], ir.BooleanValue]) -> ir.Table:
    """Every copy of the items with at least one copy ``where`` keeps. An item none of whose
    copies is kept cannot be kept after the dedupe, so ranking the copies of the others only is
    exact and much cheaper (a hash semi-join instead of sorting every copy: 10 M items, two of
    five years kept, 38 s → 16 s for the dedupe). Keys compare null-safely, as the dedupe groups."""
    keys = everything.filter(where(everything)).select(*ITEM_IDENTITY).distinct()
    return everything.semi_join(keys, [everything[c].identical_to(keys[c]) for c in ITEM_IDENTITY])


def for_year(prepared: Prepared, year: int) -> Prepared:
    """The same prepared items restricted to one purchase year (no second preparation)."""
    return replace(prepared, enriched=prepared.enriched.filter(prepared.enriched.year == year))


def with_trends(rows: list[dict[str, Any]], by: list[str]) -> list[dict[str, Any]]:
    """With ``year`` among the dimensions: each row's change against the previous year of the
    same group (same buyer, region … ): ``green_share_change`` in share points and
    ``green_spend_growth`` as a ratio − 1. None for a group's first year or a gap in the years
    (``domain.rollup.trends``, which the dashboard's roll-ups use too)."""
    if "year" not in by:
        return rows
    return trends(rows, [c for name in by if name != "year" for c in DIMENSIONS[name]])


def _recognised(snapshot: Snapshot, accepting: str | None) -> ir.Table | None:
    if accepting is None:
        return None
    terms = agreement_terms(pq.read_table(snapshot.path("agreements")))
    return engines.from_arrow(recognition_rows(terms, accepting))


def _check_dimensions(by: list[str], allowed: Iterable[str]) -> list[str]:
    by = list(dict.fromkeys(by))  # a dimension asked twice is one dimension
    allowed = list(allowed)
    unknown = [d for d in by if d not in allowed]
    if unknown:
        raise DataError(f"unknown dimension(s) {', '.join(unknown)}; use {', '.join(allowed)}")
    return by


def run_indicators(
    item_files: list[Path],
    snapshot: Snapshot,
    *,
    by: list[str],
    engine: str = "duckdb",
    reporting_currency: str = REPORTING_CURRENCY,
    rates_file: Path | None = None,
    rate_policy: str = "nearest",
    requirements: list[Requirement] | None = None,
    accept_scheme: str | None = None,
    match_items: bool = True,
) -> IndicatorResult:
    """Indicators over ``item_files``. ``rate_policy`` ``nearest`` converts a purchase year the
    rate table does not cover at the closest covered year's rates (counted in the coverage);
    ``exact`` leaves such items unconverted. ``requirements``: the compliance list (mandatory /
    priority categories); the shipped default when None."""
    by = _check_dimensions(by, DIMENSIONS)  # before the costly preparation
    requirements = load_list() if requirements is None else requirements
    prepared = prepare(
        item_files,
        snapshot,
        engine=engine,
        reporting_currency=reporting_currency,
        rates_file=rates_file,
        rate_policy=rate_policy,
        accept_scheme=accept_scheme,
        match_items=match_items,
    )
    return indicators_of(prepared, by=by, reporting_currency=reporting_currency, requirements=requirements)


def indicators_of(
    prepared: Prepared,
    *,
    by: list[str],
    reporting_currency: str = REPORTING_CURRENCY,
    requirements: list[Requirement] | None = None,
) -> IndicatorResult:
    """The indicator result of items already prepared (``prepare``)."""
    by = _check_dimensions(by, DIMENSIONS)
    requirements = load_list() if requirements is None else requirements
    enriched = prepared.enriched
    cover, found = coverage_of(prepared)
    return IndicatorResult(
        by=by,
        reporting_currency=reporting_currency.upper(),
        rows=indicator_rows(prepared, by),
        coverage=cover,
        issues=found,
        compliance_list=requirements[0].list if requirements else None,
        compliance=_records(compliance(enriched, requirements, by)) if requirements else [],
    )


def indicator_rows(prepared: Prepared, by: list[str]) -> list[dict[str, Any]]:
    """Green-share rows by ``by`` (with the trend columns when ``year`` is among them)."""
    by = _check_dimensions(by, DIMENSIONS)
    return with_trends(_records(indicators(prepared.enriched, by)), by)


def coverage_of(prepared: Prepared) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The coverage block (with its shares) and the counted problems of the prepared items."""
    enriched = prepared.enriched
    cover = _with_shares(
        {**_records(coverage(enriched))[0], "item_rows_read": int(prepared.rows_read.execute())}
    )
    return cover, _records(issues(enriched))


@dataclass
class BenefitResult:
    by: list[str]
    factor_set: str
    factor_set_version: str
    period: str
    rows: list[dict[str, Any]]
    coverage: dict[str, Any]
    factors: list[dict[str, Any]]
    monte_carlo_draws: int = 0
    by_year: list[dict[str, Any]] = field(default_factory=list)  # for year-over-year tables
    explain: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "factor_set": self.factor_set,
            "factor_set_version": self.factor_set_version,
            "period": self.period,
            "rows": self.rows,
            "coverage": self.coverage,
            "factors": self.factors,
            "monte_carlo_draws": self.monte_carlo_draws,
            **({"explain": self.explain} if self.explain else {}),
        }


BENEFIT_DIMENSIONS = (*DIMENSIONS, "item")


def run_benefits(
    item_files: list[Path],
    snapshot: Snapshot,
    factor_set: FactorSet,
    *,
    by: list[str],
    period: Period = "lifetime",
    engine: str = "duckdb",
    rates_file: Path | None = None,
    monte_carlo_draws: int = 0,
    accept_scheme: str | None = None,
    explain: bool = False,
) -> BenefitResult:
    """Benefits (reductions of certified purchases) and footprints by ``by`` and impact, with the
    factors used; ``monte_carlo_draws`` > 0 adds percentiles from factors drawn from their
    distributions."""
    by = _check_dimensions(by, BENEFIT_DIMENSIONS)  # before the costly preparation
    prepared = prepare(
        item_files, snapshot, engine=engine, rates_file=rates_file, accept_scheme=accept_scheme
    )
    return benefits_of(
        prepared,
        factor_set,
        by=by,
        period=period,
        engine=engine,
        monte_carlo_draws=monte_carlo_draws,
        explain=explain,
    )


def benefits_of(
    prepared: Prepared,
    factor_set: FactorSet,
    *,
    by: list[str],
    period: Period = "lifetime",
    engine: str = "duckdb",
    monte_carlo_draws: int = 0,
    explain: bool = False,
) -> BenefitResult:
    """The benefit result of items already prepared (``prepare``)."""
    by = _check_dimensions(by, BENEFIT_DIMENSIONS)
    enriched = prepared.enriched
    applied = applied_factors(factor_set, factor_set.categories, period=period)
    spend_currencies = sorted({f.per for f in applied if f.per_kind == "spend"})
    exchange = engines.from_arrow(_exchange_table(prepared.rates, spend_currencies))
    years = (factor_set.info.valid_from, factor_set.info.valid_to)
    rows = benefit_rows(
        enriched, factor_table(applied), unit_table(enriched, factor_set.categories), exchange, years
    )
    if engine == "duckdb":
        rows = rows.cache()
    result_rows = _records(totals(rows, by))
    if monte_carlo_draws > 0:
        _add_monte_carlo(result_rows, _records(amounts_by_factor(rows, by)), applied, by, monte_carlo_draws)
    return BenefitResult(
        by=by,
        factor_set=factor_set.name,
        factor_set_version=factor_set.version,
        period=period,
        rows=result_rows,
        coverage=_benefit_coverage(rows, enriched),
        factors=[_factor_record(f) for f in applied],
        monte_carlo_draws=monte_carlo_draws,
        by_year=result_rows if by == ["year"] else _records(totals(rows, ["year"])),
        explain=_explain(_records(amounts_by_factor(rows, [])), applied) if explain else [],
    )


def _exchange_table(rates: ExchangeRates, currencies: list[str]) -> pa.Table:
    """Conversion factors from every currency into each spend-based factor's currency."""
    tables = [
        (table := conversion_table(rates, currency)).append_column(
            "to_currency", pa.array([currency] * table.num_rows, pa.string())
        )
        for currency in currencies
    ]
    if tables:
        return pa.concat_tables(tables)
    empty = conversion_table(rates, "USD").slice(0, 0)
    return empty.append_column("to_currency", pa.array([], pa.string()))


def _dimension_key(row: dict[str, Any], by: list[str]) -> tuple[Any, ...]:
    columns = [c for name in by for c in (("item_key",) if name == "item" else DIMENSIONS[name])]
    return tuple(row[c] for c in columns)


def _add_monte_carlo(
    rows: list[dict[str, Any]],
    amounts: list[dict[str, Any]],
    applied: list[AppliedFactor],
    by: list[str],
    draws: int,
) -> None:
    """Percentiles per output row, from the factors drawn ``draws`` times (one value per factor
    and draw, shared by every purchase it applies to)."""
    groups: dict[tuple[Any, ...], dict[tuple[str, str, str], float]] = {}
    for row in amounts:
        key = (row["category"], row["impact"], row["measure"])
        groups.setdefault(_dimension_key(row, by), {})[key] = row["amount"]
    drawn = {
        group: monte_carlo(group_amounts, applied, draws=draws) for group, group_amounts in groups.items()
    }
    for row in rows:
        found = drawn.get(_dimension_key(row, by), {}).get(f"{row['impact']}:{row['measure']}")
        if found is not None:
            row.update(mc_p05=found.p05, mc_p50=found.p50, mc_p95=found.p95, mc_mean=found.mean)


def _benefit_coverage(rows: Any, enriched: Any) -> dict[str, Any]:
    parts = gaps(rows, enriched)
    cover: dict[str, Any] = {}
    for name in ("certified", "earning", "with_factor"):
        cover.update(_records(parts[name])[0])
    cover["certified_items_without_factor"] = cover["certified_items"] - cover["certified_items_with_factor"]
    cover["reasons"] = _records(parts["reasons"])
    return cover


def _explain(amounts: list[dict[str, Any]], applied: list[AppliedFactor]) -> list[dict[str, Any]]:
    """Each total as its formula: the quantity a factor multiplies × the factor = the result."""
    by_key = {(f.category, f.impact, f.measure): f for f in applied}
    lines = []
    for row in sorted(amounts, key=lambda r: (r["measure"], r["category"], r["impact"])):
        factor = by_key[(row["category"], row["impact"], row["measure"])]
        per = factor.per if factor.per_kind == "functional_unit" else f"{factor.per} spent"
        central = row["amount"] * factor.central
        lines.append(
            {
                "category": row["category"],
                "impact": row["impact"],
                "measure": row["measure"],
                "amount": row["amount"],
                "per": per,
                "factor_central": factor.central,
                "unit": factor.unit,
                "central": central,
                "formula": f"{row['amount']:,.6g} {per} × {factor.central:.6g} {factor.unit}/{factor.per} "
                f"= {central:,.6g} {factor.unit}",
                "trace": factor.trace,
            }
        )
    return lines


def _factor_record(factor: AppliedFactor) -> dict[str, Any]:
    """A factor as it was applied, with where it comes from."""
    per = f"per {factor.per}" + (f" ({factor.price_year} prices)" if factor.price_year else "")
    return {
        "category": factor.category,
        "impact": factor.impact,
        "measure": factor.measure,
        "low": factor.low,
        "central": factor.central,
        "high": factor.high,
        "unit": f"{factor.unit} {per}",
        "distribution": factor.distribution,
        "trace": factor.trace,
    }
