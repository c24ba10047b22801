"""Green-share indicators and environmental benefits of the ingested procurement data.

The same functions as ``ecoprocure indicators`` and ``ecoprocure impact`` (``pipeline.run``), on
DuckDB; results are kept per registry fingerprint and item files (``web.analyses``, shared with the
dashboard page), so asking again gets the answer at once and a new ingest is seen at the next
request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from ecoprocure.domain.factors import DEFAULT_FACTOR_SET
from ecoprocure.domain.money import UnknownCurrency
from ecoprocure.pipeline.indicators import DIMENSIONS
from ecoprocure.pipeline.run import BENEFIT_DIMENSIONS, REPORTING_CURRENCY
from ecoprocure.web import analyses
from ecoprocure.web.errors import ERROR_RESPONSES, ApiError
from ecoprocure.web.responses import ANALYSIS, NOT_MODIFIED, cached_json
from ecoprocure.web.schemas import BenefitsOut, IndicatorsOut
from ecoprocure.web.services import ServicesDep

router = APIRouter(
    prefix="/api/v1/procurement", tags=["procurement"], responses={**ERROR_RESPONSES, **NOT_MODIFIED}
)

BY_PATTERN = r"^([a-z]+(,[a-z]+)*)?$"


def _answer(ask: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return ask()
    except analyses.NoData as exc:
        raise ApiError(404, "no_data", str(exc)) from exc


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
    try:
        result = _answer(lambda: analyses.indicators(services, dims, currency, rate_years))
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
    result = _answer(lambda: analyses.benefits(services, dims, factors, period))
    return cached_json(request, result, ANALYSIS)
