"""What a report covers: the whole country, one region or one buyer.

Written on the command line as ``country``, ``region:CODE`` or ``buyer:ID``; the code and id are
compared with the items' ``buyer_region`` and ``buyer_id`` exactly as the publisher wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ecoprocure.errors import EcoprocureError

ScopeKind = Literal["country", "region", "buyer"]
SCOPE_FORMS = "country, region:CODE or buyer:ID"
# The item column each scope filters on (none for the country).
SCOPE_COLUMNS: dict[str, str] = {"region": "buyer_region", "buyer": "buyer_id"}


class UnknownScope(EcoprocureError, ValueError):
    """A scope that is not one of the forms, or that names no region or buyer of the data."""


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    value: str | None = None

    @property
    def column(self) -> str | None:
        return SCOPE_COLUMNS.get(self.kind)

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"


def parse_scope(text: str) -> Scope:
    """``country`` | ``region:CODE`` | ``buyer:ID`` (the kind in any case; the value kept as written,
    trimmed)."""
    kind, sep, value = text.strip().partition(":")
    kind = kind.strip().lower()
    value = value.strip()
    if kind == "country" and not sep:
        return Scope("country")
    if kind == "region" and value:
        return Scope("region", value)
    if kind == "buyer" and value:
        return Scope("buyer", value)
    raise UnknownScope(f"--scope {text!r}: use {SCOPE_FORMS}")
