"""The exception tree.

Every error ecoprocure raises on purpose is an ``EcoprocureError``; subclasses also inherit the
matching builtin so callers that only know Python's own exceptions still catch them. Messages say
what went wrong, where (file, row, field) and what is allowed.
"""

from __future__ import annotations


class EcoprocureError(Exception):
    """Base class of every deliberate ecoprocure error."""


class ConfigurationError(EcoprocureError, ValueError):
    """A setting is missing or invalid (bad database URL, unreadable config file, missing key)."""


class NotFound(EcoprocureError, LookupError):
    """A record that the caller named (certificate, scheme, category …) does not exist."""


class LifecycleError(EcoprocureError, ValueError):
    """A certificate transition or issuance that the lifecycle rules forbid."""


class DataError(EcoprocureError, ValueError):
    """Input data cannot be used as given (wrong columns, bad encoding, empty file)."""


class SignatureError(EcoprocureError, ValueError):
    """A signed payload is malformed, truncated or does not match its signature."""


class DatabaseNotReady(EcoprocureError, RuntimeError):
    """The database exists but its schema is not at the revision this code needs."""
