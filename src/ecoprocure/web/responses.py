"""JSON responses (orjson) with an ETag and Cache-Control, answering 304 to a matching If-None-Match.

Routes return these :class:`~starlette.responses.Response` objects directly, so FastAPI neither
validates nor re-serialises what the store already produced; the pydantic models on the routes
describe the same shapes in the OpenAPI document (and the schemathesis tests check that they do).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import orjson
from fastapi import Request, Response

# Cache policies. Verification answers and certificates must show a suspension at once: clients
# may keep them but revalidate every time (a cheap 304 when nothing changed). Reference data and
# statistics change rarely; procurement results change when data is ingested.
FRESH = "public, no-cache"
REFERENCE = "public, max-age=300"
ANALYSIS = "public, max-age=60"
NO_STORE = "no-store"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of If-None-Match against our (strong) tag."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def cached_json(request: Request, data: Any, cache_control: str = FRESH, status_code: int = 200) -> Response:
    """``data`` as JSON with an ETag; 304 (no body) when the client already holds this version."""
    body = dumps(data)
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the ETag given in If-None-Match is still current"}
}
