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

from ecoprocure.domain.factors import DEFAULT_FACTOR_SET, available_factor_sets, find_factor_set
from ecoprocure.errors import NotFound
from ecoprocure.ingest.procurement_files import items_dir
from ecoprocure.pipeline.registry_snapshot import Snapshot, export, fingerprint
from ecoprocure.pipeline.run import (
    REPORTING_CURRENCY,
    benefits_of,
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
