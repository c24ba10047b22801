"""The procurement analyses the web serves (indicators, benefits), one place for the API routes and
the dashboard page: what a result depends on (the ingested item files, the registry's fingerprint,
the question), the cache key made of it, and the pipeline run behind it (``pipeline.run``).

The keys are the same whoever asks, so the dashboard and ``GET /api/v1/procurement/indicators``
share cached results. :func:`many` answers several questions about the default currency and rates
from one preparation of the items (dedupe, classify, match, convert), which is what a run costs:
the dashboard's cold request asks five questions for the price of about one.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ecoprocure.domain.factor_model import FactorSet
from ecoprocure.domain.factors import DEFAULT_FACTOR_SET, available_factor_sets, find_factor_set
from ecoprocure.errors import NotFound
from ecoprocure.ingest.procurement_files import items_dir
from ecoprocure.pipeline.registry_snapshot import Snapshot, export, fingerprint
from ecoprocure.pipeline.run import (
    REPORTING_CURRENCY,
    Prepared,
    _records,
    benefits_of,
    indicator_rows,
    indicators_of,
    prepare,
    run_benefits,
    run_indicators,
)
from ecoprocure.web.analysis_cache import files_signature
from ecoprocure.web.services import Services

RatePolicy = Literal["nearest", "exact"]
Period = Literal["lifetime", "annual"]


class NoData(Exception):
    """Nothing ingested yet (the API answers 404 ``no_data``; the dashboard says how to ingest)."""

    def __init__(self) -> None:
        super().__init__("no procurement data ingested yet: run `ecoprocure ingest FILE…` first")


@dataclass(frozen=True)
class Inputs:
    """The ingested item files and the registry's fingerprint: what a cached result depends on."""

    files: list[Path]
    registry: str

    @property
    def signature(self) -> tuple[Any, ...]:
        return (self.registry, files_signature(self.files))


def inputs(services: Services) -> Inputs:
    files = sorted(items_dir(services.settings.home).glob("*.parquet"))
    if not files:
        raise NoData()
    with services.db.engine.connect() as conn:
        return Inputs(files, fingerprint(conn))


def snapshot(services: Services) -> Snapshot:
    with services.db.engine.connect() as conn:
        return export(conn, services.settings.home / "pipeline")


def indicator_key(
    dims: Sequence[str], found: Inputs, currency: str = REPORTING_CURRENCY, rate_years: str = "nearest"
) -> Hashable:
    return ("indicators", tuple(dims), currency.upper(), rate_years, *found.signature)


@dataclass(frozen=True)
class FactorChoice:
    name: str
    files: tuple[Any, ...]  # name, size and mtime of every file of the set


def factor_choice(services: Services, name: str = DEFAULT_FACTOR_SET) -> FactorChoice:
    """A factor set by its name only (a web client never names a folder on the server)."""
    entries = [
        e for e in available_factor_sets(services.settings.home) if e.info is not None and e.info.name == name
    ]
    if not entries:
        raise NotFound(f"no factor set named {name!r}: `ecoprocure factors list` shows them")
    return FactorChoice(name, files_signature(sorted(p for p in entries[0].folder.rglob("*") if p.is_file())))


def benefit_key(
    dims: Sequence[str], found: Inputs, factors: FactorChoice, period: str = "lifetime"
) -> Hashable:
    return ("benefits", tuple(dims), factors.name, factors.files, period, *found.signature)


def indicators(
    services: Services,
    dims: list[str],
    currency: str = REPORTING_CURRENCY,
    rate_years: RatePolicy = "nearest",
) -> dict[str, Any]:
    """``run_indicators(…).to_dict()`` for these inputs, cached."""
    found = inputs(services)
    result: dict[str, Any] = services.analyses.get_or_compute(
        indicator_key(dims, found, currency, rate_years),
        lambda: run_indicators(
            found.files,
            snapshot(services),
            by=dims,
            reporting_currency=currency.upper(),
            rate_policy=rate_years,
        ).to_dict(),
    )
    return result


def benefits(
    services: Services, dims: list[str], factors: str = DEFAULT_FACTOR_SET, period: Period = "lifetime"
) -> dict[str, Any]:
    """``run_benefits(…).to_dict()`` for these inputs, cached."""
    choice = factor_choice(services, factors)
    found = inputs(services)
    result: dict[str, Any] = services.analyses.get_or_compute(
        benefit_key(dims, found, choice, period),
        lambda: run_benefits(
            found.files,
            snapshot(services),
            find_factor_set(factors, services.settings.home),
            by=dims,
            period=period,
        ).to_dict(),
    )
    return result


@dataclass(frozen=True)
class Answers:
    indicators: dict[tuple[str, ...], dict[str, Any]]
    benefits: dict[tuple[str, ...], dict[str, Any]]


def many(
    services: Services,
    indicator_dims: Sequence[Sequence[str]],
    benefit_dims: Sequence[Sequence[str]] = (),
    factors: str = DEFAULT_FACTOR_SET,
) -> Answers:
    """Indicators and (lifetime) benefits for several dimension lists at the default currency and
    rates: the same results and cache entries as :func:`indicators` and :func:`benefits`, the
    missing ones computed from one preparation of the items."""
    found = inputs(services)
    choice = factor_choice(services, factors) if benefit_dims else None
    asked: dict[Hashable, tuple[str, tuple[str, ...]]] = {}
    for dims in indicator_dims:
        asked[indicator_key(dims, found)] = ("indicators", tuple(dims))
    for dims in benefit_dims:
        assert choice is not None
        asked[benefit_key(dims, found, choice)] = ("benefits", tuple(dims))

    def compute(missing: list[Hashable]) -> dict[Hashable, Any]:
        prepared = prepare(found.files, snapshot(services))
        factor_set = find_factor_set(factors, services.settings.home) if choice is not None else None
        answers: dict[Hashable, Any] = {}
        for key in missing:
            kind, dims = asked[key]
            if kind == "indicators":
                answers[key] = indicators_of(prepared, by=list(dims)).to_dict()
            else:
                assert factor_set is not None
                answers[key] = benefits_of(prepared, factor_set, by=list(dims)).to_dict()
        return answers

    results = services.analyses.get_or_compute_many(list(asked), compute)
    out = Answers({}, {})
    for key, (kind, dims) in asked.items():
        (out.indicators if kind == "indicators" else out.benefits)[dims] = results[key]
    return out


# --- the dashboard's roll-up ----------------------------------------------------------------------

FINE = ("year", "region", "category", "level")  # the dashboard's dimensions, all at once
BUYERS = ("year", "region", "level", "buyer")  # a buyer's rows with its region and level
TOP_BUYERS = 10  # the dashboard's top buyers table
# The API questions the unfiltered dashboard used to ask, answered in the same run as the roll-up
# (their cache entries stay shared: the page and the API then run nothing).
SHARED_INDICATORS = (
    ("year",),
    ("year", "region"),
    ("year", "category"),
    ("year", "level"),
    ("year", "buyer"),
)
SHARED_BENEFITS = (("year",),)


@dataclass(frozen=True)
class Rollup:
    """Rows of one fine-grained run that every dashboard view is summed from (``domain.rollup``).

    ``indicators``: by year × region × category × level; ``buyers``: by year × region × level ×
    buyer; ``buyer_categories``: by year × region × level × category × buyer, only the rows
    ranked within the top buyers (ties included) of their year, region, level and category when
    every buyer has one region and level a year (then the top buyers of any filter are among
    them), else every row; ``benefits``: by year × region × category × level × impact. The
    coverage blocks are the global ones."""

    indicators: list[dict[str, Any]]
    buyers: list[dict[str, Any]]
    buyer_categories: list[dict[str, Any]]
    buyer_categories_pruned: bool
    benefits: list[dict[str, Any]]
    coverage: dict[str, Any]
    issues: list[dict[str, Any]]
    reporting_currency: str
    benefit_coverage: dict[str, Any]
    factor_set: str
    factor_set_version: str


def rollup_key(found: Inputs, factors: FactorChoice) -> Hashable:
    return ("dashboard-rollup", factors.name, factors.files, *found.signature)


def _one_place_per_buyer(buyers: list[dict[str, Any]]) -> bool:
    places: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for row in buyers:
        key = (row["year"], row["buyer_id"], row["buyer_name"])
        place = (row["buyer_region"], row["buyer_level"])
        if places.setdefault(key, place) != place:
            return False
    return True


def _buyer_categories(prepared: Prepared, pruned: bool) -> list[dict[str, Any]]:
    import ibis

    from ecoprocure.pipeline.indicators import indicators as indicator_table

    rows = indicator_table(prepared.enriched, ["year", "region", "level", "category", "buyer"])
    if pruned:
        window = ibis.window(
            group_by=["year", "buyer_region", "buyer_level", "category"],
            # the dashboard's order (``str(buyer_id)`` last: a null identifier sorts as "None")
            order_by=[ibis.desc("green_spend"), ibis.desc("eligible_spend"), rows.buyer_id.fill_null("None")],
        )
        ranked = rows.mutate(buyer_rank=ibis.rank().over(window))  # full ties share a rank (0-based)
        rows = ranked.filter(ranked.buyer_rank < TOP_BUYERS).drop("buyer_rank")
    return _records(rows)


def _rollup_of(prepared: Prepared, factor_set: FactorSet) -> Rollup:
    fine = indicators_of(prepared, by=list(FINE), requirements=[])
    buyers = indicator_rows(prepared, list(BUYERS))
    pruned = _one_place_per_buyer(buyers)
    benefit = benefits_of(prepared, factor_set, by=list(FINE))
    return Rollup(
        indicators=fine.rows,
        buyers=buyers,
        buyer_categories=_buyer_categories(prepared, pruned),
        buyer_categories_pruned=pruned,
        benefits=benefit.rows,
        coverage=fine.coverage,
        issues=fine.issues,
        reporting_currency=fine.reporting_currency,
        benefit_coverage=benefit.coverage,
        factor_set=benefit.factor_set,
        factor_set_version=benefit.factor_set_version,
    )


def dashboard_rollup(services: Services, factors: str = DEFAULT_FACTOR_SET) -> Rollup:
    """The dashboard's roll-up for these inputs, cached; computed (with the shared API answers)
    from one preparation of the items the first time."""
    found = inputs(services)
    choice = factor_choice(services, factors)
    asked: dict[Hashable, tuple[str, tuple[str, ...]]] = {rollup_key(found, choice): ("rollup", ())}
    for dims in SHARED_INDICATORS:
        asked[indicator_key(dims, found)] = ("indicators", dims)
    for dims in SHARED_BENEFITS:
        asked[benefit_key(dims, found, choice)] = ("benefits", dims)

    def compute(missing: list[Hashable]) -> dict[Hashable, Any]:
        prepared = prepare(found.files, snapshot(services))
        factor_set = find_factor_set(factors, services.settings.home)
        answers: dict[Hashable, Any] = {}
        for key in missing:
            kind, dims = asked[key]
            if kind == "rollup":
                answers[key] = _rollup_of(prepared, factor_set)
            elif kind == "indicators":
                answers[key] = indicators_of(prepared, by=list(dims)).to_dict()
            else:
                answers[key] = benefits_of(prepared, factor_set, by=list(dims)).to_dict()
        return answers

    key = rollup_key(found, choice)
    hit, value = services.analyses.lookup(key)
    if not hit:  # (an evicted shared answer alone is not worth a run: the page does not read it)
        value = services.analyses.get_or_compute_many(list(asked), compute)[key]
    result: Rollup = value
    return result
