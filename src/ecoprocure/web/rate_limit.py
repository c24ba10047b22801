"""Rate limits per client address, on the `limits` library (memory by default, Redis & co by URL).

A sliding-window counter costs O(1) per request whatever the limit, so a generous limit does not
slow the verification endpoint down. A refused request gets the error body with status 429 and a
``Retry-After`` header (seconds).
"""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError as LimitsConfigurationError
from limits.storage import Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from ecoprocure.errors import ConfigurationError
from ecoprocure.web.errors import ApiError, ErrorBody


def _storage(url: str) -> Storage:
    try:
        found = storage_from_string(url)
    except LimitsConfigurationError as exc:
        raise ConfigurationError(
            f"rate_limit_storage {url!r} cannot be used: {exc} (memory:// needs nothing; redis:// "
            "needs the redis package)"
        ) from exc
    if not isinstance(found, Storage):
        raise ConfigurationError(f"rate_limit_storage {url!r} is an async storage: use its plain scheme")
    return found


class RateLimit:
    """``spec`` in the limits notation ("120/minute", "10/second;1000/hour") or "off"."""

    def __init__(self, spec: str, storage_url: str = "memory://", scope: str = "verify") -> None:
        self.spec, self.scope = spec, scope
        self.items: list[RateLimitItem] = [] if spec == "off" else list(parse_many(spec))
        self.limiter = SlidingWindowCounterRateLimiter(_storage(storage_url)) if self.items else None

    def retry_after(self, key: str) -> int | None:
        """Count one request from ``key``; None when allowed, else seconds until it would be."""
        if self.limiter is None:
            return None
        for item in self.items:
            if not self.limiter.hit(item, self.scope, key):
                stats = self.limiter.get_window_stats(item, self.scope, key)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return None

    def blocked(self, key: str) -> int | None:
        """Without counting: None when ``key`` is under every limit, else seconds to wait."""
        if self.limiter is None:
            return None
        for item in self.items:
            if not self.limiter.test(item, self.scope, key):
                stats = self.limiter.get_window_stats(item, self.scope, key)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return None

    def check(self, request: Request) -> None:
        """Raise the 429 error when the client at ``request`` is over the limit."""
        client = request.client.host if request.client else "unknown"
        wait = self.retry_after(client)
        if wait is not None:
            raise ApiError(
                429,
                "rate_limited",
                f"too many verification requests from {client}: the limit is {self.spec}; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )


RATE_LIMITED: dict[int | str, dict[str, object]] = {
    429: {
        "model": ErrorBody,
        "description": "Too many requests from this address; Retry-After says when to try again",
        "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    }
}
