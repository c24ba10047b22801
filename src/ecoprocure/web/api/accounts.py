"""Who am I: ``GET /api/v1/auth/whoami`` answers the caller behind the API token."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from ecoprocure.web.auth import AUTH_RESPONSES, PrincipalDep
from ecoprocure.web.errors import ERROR_RESPONSES
from ecoprocure.web.responses import NO_STORE, dumps

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses={**ERROR_RESPONSES, **AUTH_RESPONSES})


class WhoAmI(BaseModel):
    username: str
    role: str
    token_id: str


@router.get("/auth/whoami", response_model=WhoAmI, summary="The caller behind the API token")
def whoami(principal: PrincipalDep) -> Response:
    body = {"username": principal.username, "role": principal.role.value, "token_id": principal.token_id}
    return Response(dumps(body), media_type="application/json", headers={"Cache-Control": NO_STORE})
