"""Signed certificate payloads that anyone can check offline with the scheme's public key.

A payload is canonical JSON (sorted keys, no spaces, UTF-8) so the same facts always give the
same bytes. The QR text is ``EP1.<base64url payload>.<base64url Ed25519 signature>``: short enough
for a QR code, and a tampered or truncated text fails to parse or to verify.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ecoprocure.errors import SignatureError

PREFIX = "EP1"
_FIELDS = ("v", "scheme", "number", "licensee", "licensee_name", "criterion", "category", "issued", "expires")


@dataclass(frozen=True)
class CertificatePayload:
    scheme: str
    number: str
    licensee: str
    licensee_name: str
    criterion: str
    category: str
    issued: dt.date
    expires: dt.date | None  # None: open-ended

    def canonical_bytes(self) -> bytes:
        body: dict[str, Any] = {
            "v": 1,
            "scheme": self.scheme,
            "number": self.number,
            "licensee": self.licensee,
            "licensee_name": self.licensee_name,
            "criterion": self.criterion,
            "category": self.category,
            "issued": self.issued.isoformat(),
            "expires": self.expires.isoformat() if self.expires else "",
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_canonical_bytes(cls, raw: bytes) -> CertificatePayload:
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SignatureError(f"payload is not canonical JSON: {exc}") from exc
        if not isinstance(body, dict) or set(body) != set(_FIELDS) or body["v"] != 1:
            raise SignatureError(f"payload fields must be exactly {', '.join(_FIELDS)} with v=1")
        try:
            issued = dt.date.fromisoformat(body["issued"])
            expires = dt.date.fromisoformat(body["expires"]) if body["expires"] else None
        except (TypeError, ValueError) as exc:
            raise SignatureError(f"payload dates are malformed: {exc}") from exc
        payload = cls(
            body["scheme"],
            body["number"],
            body["licensee"],
            body["licensee_name"],
            body["criterion"],
            body["category"],
            issued,
            expires,
        )
        if payload.canonical_bytes() != raw:
            raise SignatureError("payload is not in canonical form (it was re-encoded or edited)")
        return payload


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"QR text: {what} is not base64url: {exc}") from exc
    # The decoder skips stray characters and ignores the unused low bits of the last one, so
    # several texts decode alike; only the canonical spelling is accepted (a changed text fails).
    if _b64(raw) != text:
        raise SignatureError(f"QR text: {what} is not canonical base64url (altered or mistyped)")
    return raw


def sign(payload: CertificatePayload, key: Ed25519PrivateKey) -> str:
    """The QR text for ``payload`` signed with the scheme's private key."""
    raw = payload.canonical_bytes()
    return f"{PREFIX}.{_b64(raw)}.{_b64(key.sign(raw))}"


@dataclass(frozen=True)
class SignedText:
    payload_bytes: bytes
    signature: bytes

    @property
    def payload(self) -> CertificatePayload:
        return CertificatePayload.from_canonical_bytes(self.payload_bytes)


def parse(text: str) -> SignedText:
    """Split QR text into payload and signature; raise ``SignatureError`` if malformed or truncated."""
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise SignatureError(
            f"QR text must look like {PREFIX}.<payload>.<signature> (got {len(parts)} parts)"
        )
    signature = _unb64(parts[2], "signature")
    if len(signature) != 64:
        raise SignatureError(f"signature is {len(signature)} bytes; an Ed25519 signature is 64 (truncated?)")
    return SignedText(_unb64(parts[1], "payload"), signature)


def check(signed: SignedText, public_key: Ed25519PublicKey) -> bool:
    """True when the signature over the payload bytes is the scheme's."""
    try:
        public_key.verify(signed.signature, signed.payload_bytes)
    except InvalidSignature:
        return False
    return True
