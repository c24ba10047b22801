"""Schemes, categories and criteria: paged, filtered, sorted; cached for five minutes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from ecoprocure.errors import NotFound
from ecoprocure.store.registry_listing import (
    CATEGORY_SORTS,
    CRITERION_SORTS,
    SCHEME_SORTS,
    list_categories,
    list_criteria,
    list_schemes,
)
from ecoprocure.web.errors import ERROR_RESPONSES
from ecoprocure.web.params import (
    CODE,
    CategoryFilter,
    Limit,
    Offset,
    SchemeFilter,
    code_query,
    page,
    sort_keys,
    text_query,
)
from ecoprocure.web.responses import NOT_MODIFIED, REFERENCE, cached_json
from ecoprocure.web.schemas import CategoryOut, CategoryPage, CriterionPage, SchemeOut, SchemePage
from ecoprocure.web.services import ServicesDep

router = APIRouter(prefix="/api/v1", tags=["reference"], responses={**ERROR_RESPONSES, **NOT_MODIFIED})

SchemeSort = sort_keys(SCHEME_SORTS)
CategorySort = sort_keys(CATEGORY_SORTS)
CriterionSort = sort_keys(CRITERION_SORTS)
CodePath = Annotated[str, Path(max_length=120, pattern=CODE)]


@router.get("/schemes", response_model=SchemePage, summary="Ecolabel schemes")
def schemes(
    request: Request,
    services: ServicesDep,
    country: Annotated[str | None, text_query("Only schemes of this country (e.g. CN, JP).", 60)] = None,
    sort: Annotated[SchemeSort, Query(description="Sort key; prefix - for descending.")] = "code",  # type: ignore[valid-type]
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    with services.db.engine.connect() as conn:
        listing = list_schemes(conn, country=country, sort=sort, limit=limit, offset=offset)
    return cached_json(request, page(request, listing, limit, offset), REFERENCE)


@router.get("/schemes/{code}", response_model=SchemeOut, summary="One ecolabel scheme")
def scheme(request: Request, services: ServicesDep, code: CodePath) -> Response:
    with services.db.engine.connect() as conn:
        listing = list_schemes(conn, code=code, limit=1)
    if not listing.rows:
        raise NotFound(f"no scheme with code {code!r}: see /api/v1/schemes")
    return cached_json(request, listing.rows[0], REFERENCE)


@router.get("/categories", response_model=CategoryPage, summary="Product categories")
def categories(
    request: Request,
    services: ServicesDep,
    parent: Annotated[str | None, code_query("Only the direct sub-categories of this one.")] = None,
    under: CategoryFilter = None,
    sort: Annotated[CategorySort, Query(description="Sort key; prefix - for descending.")] = "code",  # type: ignore[valid-type]
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    with services.db.engine.connect() as conn:
        listing = list_categories(conn, parent=parent, under=under, sort=sort, limit=limit, offset=offset)
    return cached_json(request, page(request, listing, limit, offset), REFERENCE)


@router.get("/categories/{code}", response_model=CategoryOut, summary="One product category")
def category(request: Request, services: ServicesDep, code: CodePath) -> Response:
    with services.db.engine.connect() as conn:
        listing = list_categories(conn, code=code, limit=1)
    if not listing.rows:
        raise NotFound(f"no category with code {code!r}: see /api/v1/categories")
    return cached_json(request, listing.rows[0], REFERENCE)


@router.get("/criteria", response_model=CriterionPage, summary="Criteria and their requirements")
def criteria(
    request: Request,
    services: ServicesDep,
    scheme: SchemeFilter = None,
    code: Annotated[str | None, text_query("The standard's code, e.g. HJ 2536-2014.", 80)] = None,
    category: Annotated[str | None, code_query("Only criteria covering this category (code).")] = None,
    in_force_on: Annotated[dt.date | None, Query(description="Only criteria in force on this day.")] = None,
    sort: Annotated[CriterionSort, Query(description="Sort key; prefix - for descending.")] = "code",  # type: ignore[valid-type]
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    with services.db.engine.connect() as conn:
        listing = list_criteria(
            conn,
            scheme=scheme,
            code=code,
            category=category,
            in_force_on=in_force_on,
            sort=sort,
            limit=limit,
            offset=offset,
        )
    return cached_json(request, page(request, listing, limit, offset), REFERENCE)
