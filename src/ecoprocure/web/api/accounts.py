"""Accounts: ``GET /api/v1/auth/whoami`` (the caller behind the API token) and, for admins,
``GET /api/v1/audit`` (the audit log of every write, newest first)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from ecoprocure.domain.accounts import Role
from ecoprocure.store.accounts import Principal, list_audit
from ecoprocure.web.auth import AUTH_RESPONSES, PrincipalDep, require_role
from ecoprocure.web.errors import ERROR_RESPONSES
from ecoprocure.web.params import Limit, Offset, page, text_query
from ecoprocure.web.responses import NO_STORE, dumps
from ecoprocure.web.schemas import PageInfo
from ecoprocure.web.services import ServicesDep

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses={**ERROR_RESPONSES, **AUTH_RESPONSES})

Admin = Annotated[Principal, Depends(require_role(Role.ADMIN))]


class WhoAmI(BaseModel):
    username: str
    role: str
    token_id: str


class AuditEntryOut(BaseModel):
    id: int
    recorded_at: dt.datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any] | None


class AuditPage(PageInfo):
    items: list[AuditEntryOut]


def _private(body: Any) -> Response:
    return Response(dumps(body), media_type="application/json", headers={"Cache-Control": NO_STORE})


@router.get("/auth/whoami", response_model=WhoAmI, summary="The caller behind the API token")
def whoami(principal: PrincipalDep) -> Response:
    return _private(
        {"username": principal.username, "role": principal.role.value, "token_id": principal.token_id}
    )


@router.get("/audit", response_model=AuditPage, summary="The audit log (admins)")
def audit(
    request: Request,
    services: ServicesDep,
    _admin: Admin,
    actor: Annotated[str | None, text_query("Who acted (username, or cli).", 120)] = None,
    action: Annotated[
        str | None, text_query("Action or its prefix, e.g. certificate. or token.revoke.", 60)
    ] = None,
    target: Annotated[
        str | None, text_query("What was changed, e.g. certificate:CEC-2021-0001.", 200)
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    with services.db.sessions() as session:
        listing = list_audit(session, actor=actor, action=action, target=target, limit=limit, offset=offset)
    return _private(page(request, listing, limit, offset))
