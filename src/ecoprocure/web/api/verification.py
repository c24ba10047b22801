"""``GET /api/v1/verify``: is this label genuine and valid? The public hot path.

Lean on purpose: an async route (no thread hop), the rate limit checked first, the query parsed
by one pydantic model (:class:`VerifyQuery`, also what the OpenAPI document shows) instead of
FastAPI's per-parameter machinery (a sixth of the time of an answer), the Verifier reused from a
pool, the answer serialised once with orjson and returned as it is.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from ecoprocure.web.errors import ERROR_RESPONSES, ApiError
from ecoprocure.web.params import NO_CONTROL, parse_query_model, query_model_parameters
from ecoprocure.web.rate_limit import RATE_LIMITED
from ecoprocure.web.responses import FRESH, NOT_MODIFIED, cached_json
from ecoprocure.web.schemas import VerificationOut
from ecoprocure.web.services import Services
from ecoprocure.web.verifiers import by_brand_model, by_number, by_qr

router = APIRouter(prefix="/api/v1", tags=["verification"])

_ONE_OF = "give exactly one of: certificate, brand + model, or qr"


class VerifyQuery(BaseModel):
    """The question: one of certificate, brand + model, or qr; optionally a date."""

    model_config = ConfigDict(extra="ignore")

    certificate: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        pattern=NO_CONTROL,
        description="Certificate number, e.g. CEC-2021-0001 (case, width and spaces ignored).",
    )
    brand: str | None = Field(
        default=None, min_length=1, max_length=200, pattern=NO_CONTROL, description="Brand (with model)."
    )
    model: str | None = Field(
        default=None, min_length=1, max_length=200, pattern=NO_CONTROL, description="Model (with brand)."
    )
    qr: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        pattern=NO_CONTROL,
        description="The text of a certificate's QR code (EP1.…).",
    )
    date: dt.date | None = Field(
        default=None, description="The day to answer for (YYYY-MM-DD); default today."
    )


@router.get(
    "/verify",
    response_model=VerificationOut,
    responses={**ERROR_RESPONSES, **RATE_LIMITED, **NOT_MODIFIED},
    summary="Verify a label by certificate number, brand + model, or QR text",
    description="Answers 200 with `status` for every well-formed question, including `unknown` "
    "for a certificate or product that is not in the registry (a verification answer, not a "
    "missing resource). Rate-limited per client address (429 with Retry-After).",
    openapi_extra={"parameters": query_model_parameters(VerifyQuery)},
)
async def verify(request: Request) -> Response:
    services: Services = request.app.state.services
    services.verify_limit.check(request)
    asked = parse_query_model(VerifyQuery, request)
    by_model = asked.brand is not None or asked.model is not None
    if (asked.certificate is not None) + (asked.qr is not None) + by_model != 1:
        field = "certificate" if asked.certificate is None and asked.qr is None and not by_model else None
        raise ApiError(422, "validation_error", _ONE_OF, field=field)
    if asked.certificate is not None:
        work = by_number(asked.certificate, asked.date)
    elif asked.qr is not None:
        work = by_qr(asked.qr, asked.date)
    elif asked.brand is None or asked.model is None:
        missing = "brand" if asked.brand is None else "model"
        raise ApiError(422, "validation_error", "brand and model go together", field=missing)
    else:
        work = by_brand_model(asked.brand, asked.model, asked.date)
    answer = await services.verifiers.answer(work)
    return cached_json(request, answer.to_dict(), FRESH)
