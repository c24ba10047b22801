"""Lifecycle actions over the API: ``POST /api/v1/certificates/{number}/actions``.

For certification officers and admins (API token). The route calls ``store.certificates.apply_action``
— the function behind ``ecoprocure certificate suspend|reinstate|revoke|expire|renew`` — and
appends the audit entry with the caller as actor in the same transaction: the change and its
record commit together, and a refused request writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from ecoprocure.domain.accounts import Role
from ecoprocure.domain.lifecycle import Action
from ecoprocure.errors import LifecycleError
from ecoprocure.store.accounts import Principal, record
from ecoprocure.store.certificates import apply_action, get_certificate
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
    action = Action(body.action)
    day = body.effective_on or dt.date.today()
    try:
        with services.db.transaction() as session:
            before = get_certificate(session, number).status
            cert = apply_action(
                session,
                number,
                action,
                actor=officer.username,
                reason=body.reason,
                effective_on=day,
                new_expires_on=body.expires_on,
            )
            entry = record(
                session,
                actor=officer.username,
                action=f"certificate.{action.value}",
                target=f"certificate:{cert.number}",
                details={
                    "from_status": before,
                    "to_status": cert.status,
                    "effective_on": day.isoformat(),
                    "reason": body.reason,
                    "expires_on": cert.expires_on.isoformat() if cert.expires_on else None,
                    "token": officer.token_id,
                },
            )
            answer = {
                "certificate": cert.number,
                "action": action.value,
                "from_status": before,
                "to_status": cert.status,
                "effective_on": day,
                "expires_on": cert.expires_on,
                "actor": officer.username,
                "recorded_at": entry.recorded_at,
            }
    except LifecycleError as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    return Response(dumps(answer), media_type="application/json", headers={"Cache-Control": NO_STORE})
