"""Accounts: roles and what each may do, the password policy, password hashing (Argon2id) and the
shape of API tokens. Pure: no database, no web framework.

An API token reads ``eco_<id>_<secret>``: ``id`` (8 hex characters) is public and names the token
in listings and in ``ecoprocure user token revoke ID``; the whole token is stored only as its
SHA-256, so a copy of the database cannot be used to call the API.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ecoprocure.errors import EcoprocureError

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "eco"
_TOKEN = re.compile(r"^eco_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
# The most common passwords that pass the length rule; anything built from one repeated
# character or a keyboard run is refused as well.
_COMMON = frozenset(
    {
        "password1234",
        "passwordpassword",
        "administrator",
        "qwertyuiopasdf",
        "123456789012",
        "1234567890123",
        "letmeinletmein",
        "ecoprocure123",
        "changemechangeme",
    }
)
_RUNS = ("0123456789012345", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")


class Role(StrEnum):
    ADMIN = "admin"
    CERTIFICATION_OFFICER = "certification_officer"
    PROCUREMENT_ANALYST = "procurement_analyst"


# Who may change certificates (suspend, revoke …).
CERTIFICATE_WRITERS = frozenset({Role.ADMIN, Role.CERTIFICATION_OFFICER})


class AccountError(EcoprocureError, ValueError):
    """An account or token request that cannot be done (unknown role, taken username, weak password)."""


class WeakPassword(AccountError):
    """The password is too short or too easy to guess."""


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower().replace("-", "_"))
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise AccountError(f"unknown role {text!r}: use one of {allowed}") from None


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise AccountError(
            f"username {username!r} is not allowed: 2-63 characters, lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    return name


def check_password(password: str, username: str) -> None:
    """Refuse short and guessable passwords (the message says why)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters")
    lowered = password.lower()
    if username.lower() in lowered:
        raise WeakPassword("the password must not contain the username")
    if len(set(password)) < 5:
        raise WeakPassword("the password repeats too few characters: use at least 5 different ones")
    if lowered in _COMMON or any(lowered in run for run in _RUNS):
        raise WeakPassword("the password is a well-known one: choose another")


def _hasher() -> PasswordHasher:
    return PasswordHasher()  # Argon2id with the library's current (RFC 9106 low-memory) parameters


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class NewToken:
    token_id: str
    secret: str  # the whole token, shown once
    digest: str  # what the database keeps


def new_token() -> NewToken:
    token_id = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
    return NewToken(token_id, token, token_digest(token))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_id_of(token: str) -> str | None:
    """The public id of a well-formed token, else None."""
    found = _TOKEN.match(token)
    return found.group(1) if found else None


def digest_matches(stored: str, token: str) -> bool:
    return hmac.compare_digest(stored, token_digest(token))
