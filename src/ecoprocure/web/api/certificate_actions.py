"""Lifecycle actions over the API: ``POST /api/v1/certificates/{number}/actions``.

For certification officers and admins (API token). The route calls
``store.certificates.perform_action`` — the function behind ``ecoprocure certificate
suspend|reinstate|revoke|expire|renew`` — with the caller as actor: the change, its certificate
event and its audit entry commit together, and a refused request writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from ecoprocure.domain.accounts import Role
from ecoprocure.domain.lifecycle import Action
from ecoprocure.errors import LifecycleError
from ecoprocure.store.accounts import Principal
from ecoprocure.store.certificates import perform_action
from ecoprocure.web.api.certificates import Number
from ecoprocure.web.auth import AUTH_RESPONSES, require_role
from ecoprocure.web.errors import ERROR_RESPONSES, ApiError, ErrorBody
from ecoprocure.web.params import NO_CONTROL
from ecoprocure.web.responses import NO_STORE, dumps
from ecoprocure.web.services import ServicesDep

router = APIRouter(
    prefix="/api/v1",
    tags=["certificates"],
    responses={
        **ERROR_RESPONSES,
        **AUTH_RESPONSES,
        409: {"model": ErrorBody, "description": "The lifecycle rules refuse this action now"},
    },
)

Officer = Annotated[Principal, Depends(require_role(Role.CERTIFICATION_OFFICER, Role.ADMIN))]


class CertificateActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["suspend", "reinstate", "revoke", "expire", "renew"] = Field(
        description="suspend a valid certificate, reinstate a suspended one, revoke (final), "
        "expire early, renew to a later expiry date."
    )
    effective_on: dt.date | None = Field(default=None, description="Effective date (default today).")
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        pattern=NO_CONTROL,
        description="Why; required to suspend or revoke. Public in the certificate's history.",
    )
    expires_on: dt.date | None = Field(default=None, description="The new expiry date; required to renew.")


class CertificateActionOut(BaseModel):
    certificate: str
    action: str
    from_status: str | None
    to_status: str
    effective_on: dt.date
    expires_on: dt.date | None
    actor: str
    recorded_at: dt.datetime


@router.post(
    "/certificates/{number}/actions",
    response_model=CertificateActionOut,
    summary="Suspend, reinstate, revoke, expire or renew a certificate",
)
def certificate_action(
    services: ServicesDep, officer: Officer, number: Number, body: CertificateActionIn
) -> Response:
    if body.action == "renew" and body.expires_on is None:
        raise ApiError(
            422, "validation_error", "expires_on is required to renew", field="expires_on", location="body"
        )
    try:
        with services.db.transaction() as session:
            done = perform_action(
                session,
                number,
                Action(body.action),
                actor=officer.username,
                reason=body.reason,
                effective_on=body.effective_on,
                new_expires_on=body.expires_on,
                details={"token": officer.token_id},
            )
            cert = done.certificate
            answer = {
                "certificate": cert.number,
                "action": body.action,
                "from_status": done.from_status,
                "to_status": cert.status,
                "effective_on": cert.status_since,
                "expires_on": cert.expires_on,
                "actor": officer.username,
                "recorded_at": done.audit.recorded_at,
            }
    except LifecycleError as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    return Response(dumps(answer), media_type="application/json", headers={"Cache-Control": NO_STORE})
