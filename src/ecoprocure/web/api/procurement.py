"""Green-share indicators and environmental benefits of the ingested procurement data.

The same functions as ``ecoprocure indicators`` and ``ecoprocure impact`` (``pipeline.run``), on
DuckDB; results are kept per registry fingerprint and item files (``web.analysis_cache``), so a
dashboard asking again gets the answer at once and a new ingest is seen at the next request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from ecoprocure.domain.factors import DEFAULT_FACTOR_SET, available_factor_sets, find_factor_set
from ecoprocure.domain.money import UnknownCurrency
from ecoprocure.errors import NotFound
from ecoprocure.ingest.procurement_files import items_dir
from ecoprocure.pipeline.indicators import DIMENSIONS
from ecoprocure.pipeline.registry_snapshot import Snapshot, export, fingerprint
from ecoprocure.pipeline.run import BENEFIT_DIMENSIONS, REPORTING_CURRENCY, run_benefits, run_indicators
from ecoprocure.web.analysis_cache import files_signature
from ecoprocure.web.errors import ERROR_RESPONSES, ApiError
from ecoprocure.web.responses import ANALYSIS, NOT_MODIFIED, cached_json
from ecoprocure.web.schemas import BenefitsOut, IndicatorsOut
from ecoprocure.web.services import Services, ServicesDep

router = APIRouter(
    prefix="/api/v1/procurement", tags=["procurement"], responses={**ERROR_RESPONSES, **NOT_MODIFIED}
)

BY_PATTERN = r"^([a-z]+(,[a-z]+)*)?$"


def _dimensions(by: str, allowed: Any) -> list[str]:
    dims = list(dict.fromkeys(d for d in by.split(",") if d))
    unknown = [d for d in dims if d not in allowed]
    if unknown:
        raise ApiError(
            422,
            "validation_error",
            f"by: unknown dimension(s) {', '.join(unknown)}; use a comma list of {', '.join(allowed)}",
            field="by",
        )
    return dims


def _inputs(services: Services) -> tuple[list[Path], str]:
    """The ingested item files and the registry's fingerprint (what a cached result depends on)."""
    files = sorted(items_dir(services.settings.home).glob("*.parquet"))
    if not files:
        raise ApiError(
            404, "no_data", "no procurement data ingested yet: run `ecoprocure ingest FILE…` first"
        )
    with services.db.engine.connect() as conn:
        return files, fingerprint(conn)


def _snapshot(services: Services) -> Snapshot:
    with services.db.engine.connect() as conn:
        return export(conn, services.settings.home / "pipeline")


@router.get(
    "/indicators",
    response_model=IndicatorsOut,
    summary="Green share by spend and count (as `ecoprocure indicators`)",
)
def indicators(
    request: Request,
    services: ServicesDep,
    by: Annotated[
        str,
        Query(max_length=100, pattern=BY_PATTERN, description=f"Comma list of {', '.join(DIMENSIONS)}."),
    ] = "year",
    currency: Annotated[
        str, Query(pattern=r"^[A-Za-z]{3}$", description="Reporting currency (ISO 4217).")
    ] = REPORTING_CURRENCY,
    rate_years: Annotated[
        Literal["nearest", "exact"],
        Query(description="nearest: a year without rates uses the closest year's; exact: left unconverted."),
    ] = "nearest",
) -> Response:
    dims = _dimensions(by, DIMENSIONS)
    files, registry = _inputs(services)
    key = ("indicators", tuple(dims), currency.upper(), rate_years, registry, files_signature(files))
    try:
        result = services.analyses.get_or_compute(
            key,
            lambda: run_indicators(
                files,
                _snapshot(services),
                by=dims,
                reporting_currency=currency.upper(),
                rate_policy=rate_years,
            ).to_dict(),
        )
    except UnknownCurrency as exc:
        raise ApiError(422, "validation_error", str(exc), field="currency") from exc
    return cached_json(request, result, ANALYSIS)


@router.get(
    "/benefits",
    response_model=BenefitsOut,
    summary="Environmental benefits of certified purchases (as `ecoprocure impact`)",
)
def benefits(
    request: Request,
    services: ServicesDep,
    by: Annotated[
        str,
        Query(
            max_length=100, pattern=BY_PATTERN, description=f"Comma list of {', '.join(BENEFIT_DIMENSIONS)}."
        ),
    ] = "year",
    factors: Annotated[
        str,
        Query(max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Factor set name."),
    ] = DEFAULT_FACTOR_SET,
    period: Annotated[
        Literal["lifetime", "annual"],
        Query(description="lifetime: over the product's life; annual: one year of use."),
    ] = "lifetime",
) -> Response:
    dims = _dimensions(by, BENEFIT_DIMENSIONS)
    home = services.settings.home
    entries = [e for e in available_factor_sets(home) if e.info is not None and e.info.name == factors]
    if not entries:  # only named sets: a web client never names a folder on the server
        raise NotFound(f"no factor set named {factors!r}: `ecoprocure factors list` shows them")
    factor_files = files_signature(sorted(p for p in entries[0].folder.rglob("*") if p.is_file()))
    files, registry = _inputs(services)
    key = ("benefits", tuple(dims), factors, factor_files, period, registry, files_signature(files))
    result = services.analyses.get_or_compute(
        key,
        lambda: run_benefits(
            files, _snapshot(services), find_factor_set(factors, home), by=dims, period=period
        ).to_dict(),
    )
    return cached_json(request, result, ANALYSIS)
