"""One documented JSON error body for every error the web API answers.

    {"error": {"code": "validation_error", "message": "limit: Input should be less than or equal to 100",
               "field": "limit", "status": 422, "details": [{"field": "limit", "in": "query", "message": …}]}}

Validation errors, unknown routes (404), wrong methods (405), rate limits (429), ecoprocure's own
errors and unexpected exceptions (500, logged with a reference, never a stack trace to the
client) all come out in this shape. :func:`install` registers the handlers on an app.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecoprocure.errors import ConfigurationError, DatabaseNotReady, EcoprocureError, NotFound
from ecoprocure.web.params import PATTERN_MESSAGES

log = logging.getLogger("ecoprocure.web")

# Codes by HTTP status for errors raised by the framework (unknown route, wrong method …).
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    field: str | None = Field(description="The parameter at fault (dotted path), when there is one.")
    location: str | None = Field(
        default=None, alias="in", description="Where the parameter is: query, path, header, body."
    )
    message: str


class ErrorInfo(BaseModel):
    code: str = Field(
        description="Stable machine-readable code: validation_error, bad_request, not_found, "
        "method_not_allowed, rate_limited, unavailable, internal_error …"
    )
    message: str = Field(description="What went wrong and what is allowed, in plain words.")
    field: str | None = Field(default=None, description="The first parameter at fault, if any.")
    status: int = Field(description="The HTTP status code, repeated for clients that lose it.")
    details: list[ErrorDetail] = Field(default_factory=list, description="Every problem found.")


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorInfo


class ApiError(Exception):
    """Raised by routes for an error answer with a code, a message and the field at fault."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        location: str | None = "query",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.location = location if field else None
        self.headers = dict(headers or {})


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = {
        "error": {
            "code": code,
            "message": message,
            "field": field,
            "status": status,
            "details": details or [],
        }
    }
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


# The error responses every API operation documents in the OpenAPI description.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Bad request: the parameters are well-formed but cannot be used together or as given"),
        (404, "Not found"),
        (422, "Validation error: a parameter is missing, malformed or out of range"),
        (500, "Unexpected server error (logged with the reference given in the message)"),
    )
}


PageRenderer = Callable[[Request, int, str | None], Response | None]


def _as_page(request: Request | None, status: int, message: str | None) -> Response | None:
    """The HTML error page when the request was for a page (``install(app, pages=…)``), else None."""
    if request is None:
        return None
    renderer: PageRenderer | None = getattr(request.app.state, "page_errors", None)
    if renderer is None:
        return None
    try:
        return renderer(request, status, message)
    except Exception:  # the page itself failed (database down …): the plain body still answers
        log.exception("the error page for %s could not be rendered", request.url.path)
        return None


def _field(loc: tuple[Any, ...] | list[Any]) -> tuple[str | None, str | None]:
    parts = list(loc)
    where = str(parts.pop(0)) if parts and parts[0] in ("query", "path", "header", "body", "cookie") else None
    return (".".join(str(p) for p in parts) or None), where


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = []
    for problem in exc.errors():
        field, where = _field(problem.get("loc", ()))
        message = str(problem.get("msg", "invalid value"))
        if problem.get("type") == "string_pattern_mismatch":
            pattern = str((problem.get("ctx") or {}).get("pattern", ""))
            message = PATTERN_MESSAGES.get(pattern, f"does not have the expected form ({pattern})")
        details.append({"field": field, "in": where, "message": message})
    first = details[0] if details else {"field": None, "message": "invalid request"}
    message = f"{first['field']}: {first['message']}" if first["field"] else str(first["message"])
    page = _as_page(request, 422, message)
    return page or error_response(422, "validation_error", message, field=first["field"], details=details)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    page = _as_page(request, status, None)
    if page is not None:
        return page
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    if status == 404 and message == "Not Found":
        message = "no such resource: see /openapi.json for the API's paths"
    elif status == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = "method not allowed" + (f": use {allowed}" if allowed else "")
    return error_response(status, _CODES.get(status, "http_error"), message, headers=exc.headers)


async def _api(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    page = _as_page(request, exc.status, exc.message)
    if page is not None:
        return page
    details = [{"field": exc.field, "in": exc.location, "message": exc.message}] if exc.field else []
    return error_response(
        exc.status, exc.code, exc.message, field=exc.field, details=details, headers=exc.headers
    )


async def _ecoprocure(request: Request, exc: Exception) -> Response:
    """ecoprocure's own errors: their messages are written for users (what, where, what is allowed)."""
    if isinstance(exc, NotFound):
        return _as_page(request, 404, str(exc)) or error_response(404, "not_found", str(exc))
    if isinstance(exc, DatabaseNotReady):
        return error_response(503, "unavailable", str(exc))
    if isinstance(exc, ConfigurationError):
        return _unexpected(request, exc, "the server is misconfigured")
    if isinstance(exc, ValueError):
        return _as_page(request, 400, str(exc)) or error_response(400, "bad_request", str(exc))
    return _unexpected(request, exc)


async def _busy(_request: Request, _exc: Exception) -> Response:
    return error_response(
        503, "unavailable", "the server is busy: try again in a moment", headers={"Retry-After": "1"}
    )


async def _operational(request: Request, exc: Exception) -> Response:
    """SQLite's write lock held by a long import (a registry upload runs in one transaction): the
    server is busy, not broken. Any other database failure is unexpected."""
    if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
        return await _busy(request, exc)
    return _unexpected(request, exc)


def _unexpected(request: Request | None, exc: BaseException, what: str = "internal server error") -> Response:
    reference = uuid.uuid4().hex[:12]
    path = request.url.path if request is not None else "?"
    log.error("unexpected error %s on %s", reference, path, exc_info=exc)
    page = _as_page(request, 500, None)
    if page is not None:
        return page
    return error_response(
        500, "internal_error", f"{what} (reference {reference}); the server log has the details"
    )


Handler = Callable[[Request, Exception], Awaitable[Response]]


def install(app: FastAPI, pages: PageRenderer | None = None) -> None:
    """Register the handlers and the last-resort middleware that turns crashes into the body;
    ``pages`` renders errors of page requests as HTML (it answers None for API requests)."""
    app.state.page_errors = pages
    handlers: dict[type[Exception], Handler] = {
        RequestValidationError: _validation,
        StarletteHTTPException: _http,
        ApiError: _api,
        EcoprocureError: _ecoprocure,
        PoolTimeout: _busy,
        OperationalError: _operational,
    }
    for exc_class, handler in handlers.items():
        app.add_exception_handler(exc_class, handler)
    app.add_middleware(GuardMiddleware)


SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]


class GuardMiddleware:
    """Pure ASGI: adds security headers to every response, answers HEAD like GET without the body,
    and answers the error body for any exception nothing else handled (logged with a reference;
    no stack trace reaches the client)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception as exc:
            if started:  # too late for an error body: let the server close the connection
                raise
            response = _unexpected(Request(scope), exc)
            await response(scope, receive, guarded_send)
