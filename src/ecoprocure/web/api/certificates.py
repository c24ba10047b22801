"""Certificates, read-only: the list, one certificate, its product models and its history.

Lifecycle actions (suspend, revoke …) are in ``certificate_actions`` (API token, officer role); the
history shown here is the public part of the audit log (who acted is not public).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from ecoprocure.errors import NotFound
from ecoprocure.store.certificates import history
from ecoprocure.store.db import as_utc
from ecoprocure.store.registry_listing import (
    CERTIFICATE_SORTS,
    PRODUCT_SORTS,
    list_certificates,
    list_products,
)
from ecoprocure.web.errors import ERROR_RESPONSES
from ecoprocure.web.params import (
    NO_CONTROL,
    CategoryFilter,
    Limit,
    Offset,
    SchemeFilter,
    page,
    sort_keys,
    text_query,
)
from ecoprocure.web.responses import FRESH, NOT_MODIFIED, cached_json
from ecoprocure.web.schemas import CertificateOut, CertificatePage, HistoryOut, ProductPage, StatusName
from ecoprocure.web.services import ServicesDep
from ecoprocure.web.verifiers import by_number

router = APIRouter(prefix="/api/v1", tags=["certificates"], responses={**ERROR_RESPONSES, **NOT_MODIFIED})

CertificateSort = sort_keys(CERTIFICATE_SORTS)
ProductSort = sort_keys(PRODUCT_SORTS)
Number = Annotated[str, Path(description="Certificate number.", max_length=80, pattern=NO_CONTROL)]
PRODUCTS_SHOWN = 100


@router.get("/certificates", response_model=CertificatePage, summary="Certificates")
def certificates(
    request: Request,
    services: ServicesDep,
    scheme: SchemeFilter = None,
    status: Annotated[StatusName | None, Query(description="Status today (calendar applied).")] = None,
    licensee: Annotated[str | None, text_query("The licensee's registration id.", 80)] = None,
    criterion: Annotated[str | None, text_query("The criterion's code, e.g. HJ 2536-2014.", 80)] = None,
    category: CategoryFilter = None,
    sort: Annotated[CertificateSort, Query(description="Sort key; prefix - for descending.")] = "number",  # type: ignore[valid-type]
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    with services.db.engine.connect() as conn:
        listing = list_certificates(
            conn,
            scheme=scheme,
            status=status,
            licensee=licensee,
            criterion=criterion,
            category=category,
            sort=sort,
            limit=limit,
            offset=offset,
        )
    return cached_json(request, page(request, listing, limit, offset), FRESH)


@router.get("/certificates/{number}", response_model=CertificateOut, summary="One certificate")
def certificate(request: Request, services: ServicesDep, number: Number) -> Response:
    answer = services.verifiers.run(by_number(number, None))
    if answer.certificate is None:
        raise NotFound(f"no certificate numbered {number!r} in the registry")
    with services.db.engine.connect() as conn:
        products = list_products(conn, number, limit=PRODUCTS_SHOWN)
    body = {**answer.to_dict(), "products": products.rows, "product_count": products.total}
    return cached_json(request, body, FRESH)


@router.get("/certificates/{number}/products", response_model=ProductPage, summary="A certificate's products")
def certificate_products(
    request: Request,
    services: ServicesDep,
    number: Number,
    sort: Annotated[ProductSort, Query(description="Sort key; prefix - for descending.")] = "id",  # type: ignore[valid-type]
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    with services.db.engine.connect() as conn:
        listing = list_products(conn, number, sort=sort, limit=limit, offset=offset)
    if listing.total == 0 and services.verifiers.run(by_number(number, None)).certificate is None:
        raise NotFound(f"no certificate numbered {number!r} in the registry")
    return cached_json(request, page(request, listing, limit, offset, certificate=number), FRESH)


@router.get("/certificates/{number}/history", response_model=HistoryOut, summary="A certificate's history")
def certificate_history(request: Request, services: ServicesDep, number: Number) -> Response:
    with services.db.sessions() as session:
        events = history(session, number)
        body = {
            "certificate": number,
            "events": [
                {
                    "action": e.action,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "effective_on": e.effective_on,
                    "recorded_at": as_utc(e.recorded_at),
                    "reason": e.reason,
                    "details": e.details,
                }
                for e in events
            ],
        }
    return cached_json(request, body, FRESH)
