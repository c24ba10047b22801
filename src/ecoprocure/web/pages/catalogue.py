"""The public green-product catalogue page: ``/catalogue?q=…&scheme=&category=&status=``.

It calls what ``GET /api/v1/catalogue/search`` calls (``store.catalogue_search.search``) with the
same limits, and fills its filters from the registry's listings of schemes and categories
(``store.registry_listing``). Paged by limit/offset with previous/next links; like the API it asks
for one row more than it shows to know whether a next page exists (there is no total).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection

from ecoprocure.i18n import N_, gettext
from ecoprocure.store.catalogue_search import STATUSES, BadQuery, SearchFilters, search
from ecoprocure.store.registry_listing import MAX_LIMIT, list_categories, list_schemes
from ecoprocure.web.api.catalogue import MAX_SEARCH_OFFSET
from ecoprocure.web.pages.templating import render, request_locale, url_with
from ecoprocure.web.params import CODE, MAX_PAGE, NO_CONTROL
from ecoprocure.web.services import Services

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20

FIELD_NAMES = {
    "q": N_("Search"),
    "scheme": N_("Ecolabel scheme"),
    "category": N_("Product category"),
    "status": N_("Status"),
    "limit": N_("Rows per page"),
    "offset": N_("Page"),
}


class CatalogueQuery(BaseModel):
    """The page's query string, with the API's limits."""

    model_config = ConfigDict(extra="ignore")
    q: Annotated[str | None, Field(max_length=200, pattern=NO_CONTROL)] = None
    scheme: Annotated[str | None, Field(max_length=120, pattern=CODE)] = None
    category: Annotated[str | None, Field(max_length=120, pattern=CODE)] = None
    status: Literal["valid", "suspended", "revoked", "expired", "withdrawn"] | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = PAGE_SIZE
    offset: Annotated[int, Field(ge=0, le=MAX_SEARCH_OFFSET)] = 0


def parse_query(params: dict[str, str]) -> tuple[CatalogueQuery, str | None]:
    """The query (empty fields mean "any"), or the default one and a problem naming the field."""
    given = {key: value.strip() for key, value in params.items() if value.strip()}
    try:
        return CatalogueQuery.model_validate(given), None
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        name = gettext(FIELD_NAMES.get(field, field))
        return CatalogueQuery(q=None), gettext(
            "The value of “%(field)s” cannot be used: change it and search again.", field=name
        )


def filter_options(conn: Connection, chinese: bool) -> dict[str, list[tuple[str, str]]]:
    """(code, label) of every scheme and category of the registry, for the filters (the API's
    listings); labels in Chinese where the registry has them, categories indented by level.
    Built here rather than by template macros: 300 options through macros cost more than the
    search itself on a page."""

    def label(row: dict[str, Any]) -> str:
        return str((row["name_zh"] if chinese and row["name_zh"] else row["name_en"]) or row["code"])

    schemes = list_schemes(conn, limit=MAX_LIMIT).rows
    categories: list[dict[str, Any]] = []
    while True:
        listing = list_categories(conn, limit=MAX_LIMIT, offset=len(categories))
        categories += listing.rows
        if not listing.rows or len(categories) >= listing.total:
            break
    return {
        "schemes": [(s["code"], f"{label(s)} ({s['code']})") for s in schemes],
        "categories": [(c["code"], "\u00a0\u00a0" * c["code"].count(".") + label(c)) for c in categories],
    }


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue(request: Request) -> HTMLResponse:
    query, problem = parse_query(dict(request.query_params))
    services: Services = request.app.state.services
    hits: list[dict[str, Any]] = []
    more = False
    with services.db.engine.connect() as conn:
        options = filter_options(conn, request_locale(request) == "zh_Hans")
        if query.q and problem is None:
            filters = SearchFilters(query.scheme, query.category, query.status)
            try:
                found = search(conn, query.q, filters, limit=query.limit + 1, offset=query.offset)
            except BadQuery:
                problem = gettext(
                    "Nothing to search for: type a brand, model, company or category (letters or digits)."
                )
                found = []
            more = len(found) > query.limit
            hits = [hit.to_dict() for hit in found[: query.limit]]
    pages = {
        "next": url_with(request, offset=query.offset + query.limit) if more else None,
        "prev": url_with(request, offset=max(0, query.offset - query.limit) or None)
        if query.offset > 0
        else None,
    }
    return render(
        request,
        "catalogue.html",
        status_code=400 if problem else 200,
        query=query,
        problem=problem,
        hits=hits,
        more=more,
        pages=pages,
        statuses=STATUSES,
        scheme_names=dict(options["schemes"]),
        **options,
    )
