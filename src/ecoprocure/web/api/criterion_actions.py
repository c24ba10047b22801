"""Criterion withdrawal over the API: ``POST /api/v1/criteria/{scheme}/{code}/withdraw``.

For certification officers and admins (API token). The route calls
``store.certificates.withdraw_criterion`` — the function behind ``ecoprocure criterion withdraw``
— with the caller as actor: the criterion's withdrawal date, the end of every valid or suspended
certificate under it (each with its certificate event) and the audit entry commit together; a
refused request writes nothing.

Criterion codes hold spaces and slashes (``HJ 2536-2014``, ``(EU) 2016/1371``): send them
percent-encoded; a slash may also stay as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from ecoprocure.domain.accounts import Role
from ecoprocure.errors import LifecycleError
from ecoprocure.store.accounts import Principal
from ecoprocure.store.certificates import withdraw_criterion
from ecoprocure.web.auth import AUTH_RESPONSES, require_role
from ecoprocure.web.errors import ERROR_RESPONSES, ApiError, ErrorBody
from ecoprocure.web.params import CODE, NO_CONTROL
from ecoprocure.web.responses import NO_STORE, dumps
from ecoprocure.web.services import ServicesDep

router = APIRouter(
    prefix="/api/v1",
    tags=["reference"],
    responses={
        **ERROR_RESPONSES,
        **AUTH_RESPONSES,
        409: {"model": ErrorBody, "description": "The criterion was already withdrawn"},
    },
)

Officer = Annotated[Principal, Depends(require_role(Role.CERTIFICATION_OFFICER, Role.ADMIN))]
SchemeCode = Annotated[str, Path(description="The scheme's code, e.g. CEL.", max_length=120, pattern=CODE)]
CriterionCode = Annotated[
    str,
    Path(
        description="The criterion's standard code, e.g. `HJ 2536-2014` (percent-encoded).",
        min_length=1,
        max_length=80,
        pattern=NO_CONTROL,
    ),
]


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effective_on: dt.date | None = Field(
        default=None, description="The day the criterion is withdrawn (default today)."
    )
    reason: str = Field(
        min_length=1,
        max_length=2000,
        pattern=NO_CONTROL,
        description="Why; public in the history of every certificate it ends.",
    )


class WithdrawalOut(BaseModel):
    scheme: str
    criterion: str
    withdrawn_on: dt.date
    certificates_ended: list[str] = Field(
        description="Certificates that were valid or suspended under it and end that day."
    )
    actor: str


@router.post(
    "/criteria/{scheme}/{code:path}/withdraw",
    response_model=WithdrawalOut,
    summary="Withdraw a criterion and end its certificates (as `ecoprocure criterion withdraw`)",
)
def withdraw(
    services: ServicesDep, officer: Officer, scheme: SchemeCode, code: CriterionCode, body: WithdrawalIn
) -> Response:
    day = body.effective_on or dt.date.today()
    try:
        with services.db.transaction() as session:
            ended = withdraw_criterion(
                session,
                scheme,
                code,
                day,
                actor=officer.username,
                reason=body.reason,
                details={"token": officer.token_id},
            )
    except LifecycleError as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    answer = {
        "scheme": scheme,
        "criterion": code,
        "withdrawn_on": day,
        "certificates_ended": list(ended),
        "actor": officer.username,
    }
    return Response(dumps(answer), media_type="application/json", headers={"Cache-Control": NO_STORE})
