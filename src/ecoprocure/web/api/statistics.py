"""``GET /api/v1/statistics``: programme statistics at year end, with growth and its arithmetic."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ecoprocure.store.statistics import programme_statistics
from ecoprocure.web.errors import ERROR_RESPONSES
from ecoprocure.web.params import SchemeFilter
from ecoprocure.web.responses import NOT_MODIFIED, REFERENCE, cached_json
from ecoprocure.web.schemas import StatisticsOut
from ecoprocure.web.services import ServicesDep

router = APIRouter(prefix="/api/v1", tags=["statistics"])


@router.get(
    "/statistics",
    response_model=StatisticsOut,
    responses={**ERROR_RESPONSES, **NOT_MODIFIED},
    summary="Programme statistics per scheme (as `ecoprocure stats`)",
)
def statistics(
    request: Request,
    services: ServicesDep,
    year: Annotated[int, Query(ge=1950, le=2200, description="Counts are taken on 31 December.")],
    scheme: SchemeFilter = None,
) -> Response:
    with services.db.engine.connect() as conn:
        rows = programme_statistics(conn, year, scheme)
    body = {"year": year, "as_of": dt.date(year, 12, 31), "schemes": [r.to_dict() for r in rows]}
    return cached_json(request, body, REFERENCE)
