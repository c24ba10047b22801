"""Run the pipeline over the ingested items: classify → match → enrich → indicators.

Used by ``ecoprocure indicators`` (and later the web dashboard); the same function runs on DuckDB
or Spark because every step is an Ibis expression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from ecoprocure.errors import DataError
from ecoprocure.pipeline import engine as engines
from ecoprocure.pipeline.classify import classify
from ecoprocure.pipeline.compliance import Requirement, compliance, load_list
from ecoprocure.pipeline.conversion import conversion_table, load_rates
from ecoprocure.pipeline.indicators import DIMENSIONS, coverage, enrich, indicators, issues
from ecoprocure.pipeline.match import match
from ecoprocure.pipeline.normalise import latest_per_item
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
    match_items: bool = True,
) -> IndicatorResult:
    """Indicators over ``item_files``. ``rate_policy`` ``nearest`` converts a purchase year the
    rate table does not cover at the closest covered year's rates (counted in the coverage);
    ``exact`` leaves such items unconverted. ``match_items=False`` skips certificate matching
    (only the benchmark uses it, to measure what matching adds to a run). ``requirements``: the
    compliance list (mandatory / priority categories); the shipped default when None."""
    by = list(dict.fromkeys(by))  # a dimension asked twice is one dimension
    requirements = load_list() if requirements is None else requirements
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise DataError(f"unknown dimension(s) {', '.join(unknown)}; use {', '.join(DIMENSIONS)}")
    if not item_files:
        raise DataError("no procurement data ingested yet: run `ecoprocure ingest FILE…` first")
    con = engines.connect(engine)
    everything = engines.read_parquet(con, item_files)
    items = latest_per_item(everything)
    snap = {
        name: engines.read_parquet(con, [snapshot.path(name)])
        for name in ("cpv_categories", "code_prefixes", "eligible", "certificates", "products")
    }
    keywords = [(r["category"], r["pattern"]) for r in pq.read_table(snapshot.path("keywords")).to_pylist()]
    factors = engines.from_arrow(
        conversion_table(load_rates(rates_file), reporting_currency, policy=rate_policy)
    )
    classified = classify(place_units(items), snap["cpv_categories"], snap["code_prefixes"], keywords)
    matched = match(classified, snap["certificates"], snap["products"])
    if not match_items:
        matched = matched.limit(0)
    enriched = enrich(classified, matched, snap["eligible"], factors)
    if engine == "duckdb":
        enriched = enriched.cache()  # four aggregations below read it
    return IndicatorResult(
        by=by,
        reporting_currency=reporting_currency.upper(),
        rows=_records(indicators(enriched, by)),
        coverage=_with_shares(
            {**_records(coverage(enriched))[0], "item_rows_read": int(everything.count().execute())}
        ),
        issues=_records(issues(enriched)),
        compliance_list=requirements[0].list if requirements else None,
        compliance=_records(compliance(enriched, requirements, by)) if requirements else [],
    )
