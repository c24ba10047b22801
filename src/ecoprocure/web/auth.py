"""Who is calling: ``Authorization: Bearer <API token>`` and role checks, as dependencies.

- no token, a malformed, unknown or revoked one, or a deactivated user: 401 ``unauthorized``
  (with ``WWW-Authenticate: Bearer``);
- a valid token whose role may not do this: 403 ``forbidden``;
- too many failed attempts from one address (``ECOPROCURE_AUTH_FAILURE_RATE_LIMIT``): 429
  ``rate_limited``, even for a right token, until the window passes.

Cookie sessions with CSRF protection for the HTML forms arrive with the pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ecoprocure.domain.accounts import Role
from ecoprocure.store.accounts import Principal, authenticate_token
from ecoprocure.web.errors import ApiError, ErrorBody
from ecoprocure.web.services import ServicesDep

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="An API token from `ecoprocure user token create USER --name NAME`.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _too_many(wait: int, client: str, spec: str) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        f"too many failed authentications from {client}: the limit is {spec}; retry in {wait} s",
        headers={"Retry-After": str(wait)},
    )


def current_principal(request: Request, services: ServicesDep, credentials: Credentials) -> Principal:
    """The caller behind the bearer token, or the 401/429 error body."""
    client, limit = client_address(request), services.auth_failures
    wait = limit.blocked(client)
    if wait is not None:
        raise _too_many(wait, client, limit.spec)
    principal = None
    if credentials is not None and credentials.scheme.lower() == "bearer":
        with services.db.transaction() as session:
            principal = authenticate_token(session, credentials.credentials)
    if principal is None:
        wait = limit.retry_after(client)
        if wait is not None:
            raise _too_many(wait, client, limit.spec)
        message = (
            "this operation needs an API token: send `Authorization: Bearer <token>`"
            if credentials is None
            else "the API token is not valid (unknown, revoked, or its account is deactivated)"
        )
        raise ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_role(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets through only callers with one of ``roles``."""
    allowed = frozenset(roles)

    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            names = " or ".join(sorted(r.value for r in allowed))
            raise ApiError(
                403,
                "forbidden",
                f"user {principal.username} is a {principal.role.value}; this operation needs {names}",
            )
        return principal

    return check


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorBody,
        "description": "No API token, or a malformed, unknown or revoked one",
        "headers": {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    },
    403: {"model": ErrorBody, "description": "The token's role may not do this"},
    429: {
        "model": ErrorBody,
        "description": "Too many failed authentications from this address",
        "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    },
}
