"""``GET /api/v1/catalogue/search``: the green product catalogue, ranked, with filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ecoprocure.store.catalogue_search import BadQuery, SearchFilters, search
from ecoprocure.web.errors import ERROR_RESPONSES, ApiError
from ecoprocure.web.params import CategoryFilter, Limit, SchemeFilter, page_links, text_query
from ecoprocure.web.responses import FRESH, NOT_MODIFIED, cached_json
from ecoprocure.web.schemas import SearchPage, StatusName
from ecoprocure.web.services import ServicesDep

router = APIRouter(prefix="/api/v1", tags=["catalogue"])

MAX_SEARCH_OFFSET = 1000  # ranked results are computed up to offset + limit: deep pages cost more


@router.get(
    "/catalogue/search",
    response_model=SearchPage,
    responses={**ERROR_RESPONSES, **NOT_MODIFIED},
    summary="Search certified products in Chinese or English",
    description="Ranked by relevance (products whose brand and model hold every term first, then "
    "matches on the licensee's or the category's name). `total` is null: the next link is there "
    "while more results may follow.",
)
def search_catalogue(
    request: Request,
    services: ServicesDep,
    q: Annotated[str, text_query("Brand, model, company or category; the last word is a prefix.")],
    scheme: SchemeFilter = None,
    category: CategoryFilter = None,
    status: Annotated[StatusName | None, Query(description="The certificate's status today.")] = None,
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_SEARCH_OFFSET, description="Rows to skip.")] = 0,
) -> Response:
    with services.db.engine.connect() as conn:
        try:
            hits = search(conn, q, SearchFilters(scheme, category, status), limit=limit + 1, offset=offset)
        except BadQuery as exc:
            raise ApiError(422, "validation_error", str(exc), field="q") from exc
    more = len(hits) > limit
    body = {
        "query": q,
        "total": None,
        "limit": limit,
        "offset": offset,
        "links": page_links(request, limit, offset, more),
        "items": [hit.to_dict() for hit in hits[:limit]],
    }
    return cached_json(request, body, FRESH)
