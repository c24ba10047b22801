"""The answer to "is this label genuine and valid?", independent of where the facts come from."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from ecoprocure.domain.lifecycle import Status, effective_status
from ecoprocure.domain.recognition import Recognition


class Verdict(StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNKNOWN = "unknown"
    INVALID_SIGNATURE = "invalid-signature"


# Best first: when a brand + model is covered by several certificates, the best one answers.
VERDICT_RANK = {Verdict.VALID: 0, Verdict.SUSPENDED: 1, Verdict.EXPIRED: 2, Verdict.REVOKED: 3}


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """Everything stored about a certificate that an answer shows."""

    number: str
    scheme_code: str
    scheme_name_en: str
    scheme_name_zh: str | None
    licensee_name_en: str | None
    licensee_name_zh: str | None
    licensee_registration_id: str
    criterion_code: str
    criterion_title: str | None
    category_code: str | None
    category_name_en: str | None
    category_name_zh: str | None
    issued_on: dt.date
    expires_on: dt.date | None
    stored_status: Status
    status_since: dt.date
    status_reason: str | None


@dataclass(slots=True)
class VerificationAnswer:
    status: Verdict
    reason: str
    as_of: dt.date
    query: dict[str, str]
    certificate: CertificateFacts | None = None
    product: dict[str, Any] | None = None
    recognised_by: list[Recognition] = field(default_factory=list)
    other_certificates: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings); the CLI and API print this."""
        facts = self.certificate
        out: dict[str, Any] = {
            "status": self.status.value,
            "reason": self.reason,
            "as_of": self.as_of.isoformat(),
            "query": self.query,
        }
        if facts is not None:
            out["certificate"] = {
                key: (value.isoformat() if isinstance(value, dt.date) else value)
                for key, value in asdict(facts).items()
            }
            out["certificate"]["stored_status"] = facts.stored_status.value
        if self.product is not None:
            out["product"] = self.product
        out["recognised_by"] = [
            {"scheme": r.scheme_code, "agreement": r.agreement_code} for r in self.recognised_by
        ]
        if self.other_certificates:
            out["other_certificates"] = self.other_certificates
        return out


def judge(facts: CertificateFacts, as_of: dt.date) -> tuple[Verdict, str]:
    """Verdict and a plain-language reason for a stored certificate on ``as_of``."""
    if as_of < facts.issued_on:
        return Verdict.UNKNOWN, f"certificate {facts.number} is not issued until {facts.issued_on}"
    status = effective_status(facts.stored_status, facts.expires_on, as_of)
    scheme = facts.scheme_name_en
    if status is Status.VALID:
        ends = f"expires {facts.expires_on}" if facts.expires_on else "no expiry date"
        return Verdict.VALID, f"valid {scheme} certificate, issued {facts.issued_on}, {ends}"
    if status is Status.SUSPENDED:
        why = f": {facts.status_reason}" if facts.status_reason else ""
        return Verdict.SUSPENDED, f"suspended since {facts.status_since}{why}"
    if status is Status.REVOKED:
        why = f": {facts.status_reason}" if facts.status_reason else ""
        return Verdict.REVOKED, f"revoked on {facts.status_since}{why}"
    if status is Status.WITHDRAWN:
        return Verdict.EXPIRED, (
            f"ended on {facts.status_since}: criterion {facts.criterion_code} was withdrawn"
        )
    ended = facts.status_since if facts.stored_status is Status.EXPIRED else facts.expires_on
    return Verdict.EXPIRED, f"expired on {ended}"


def unknown(query: dict[str, str], as_of: dt.date, reason: str) -> VerificationAnswer:
    return VerificationAnswer(Verdict.UNKNOWN, reason, as_of, query)


def open_signed(text: str, public_key: Any, as_of: dt.date) -> tuple[Any, VerificationAnswer | None]:
    """Parse a QR text and check its signature (skipped when ``public_key`` is None).

    Returns (payload, None) when it may be trusted, or (None, an invalid-signature answer).
    """
    from ecoprocure.domain.signing import check, parse  # local: keeps cryptography off the hot import path
    from ecoprocure.errors import SignatureError

    query = {"qr": text[:200]}
    try:
        signed = parse(text)
        payload = signed.payload
    except SignatureError as exc:
        return None, VerificationAnswer(
            Verdict.INVALID_SIGNATURE, f"malformed QR payload: {exc}", as_of, query
        )
    if public_key is not None and not check(signed, public_key):
        reason = (
            f"signature does not match the {payload.scheme} public key: the payload was altered or forged"
        )
        return None, VerificationAnswer(Verdict.INVALID_SIGNATURE, reason, as_of, query)
    return payload, None


def verify_offline(text: str, public_key: Any, as_of: dt.date) -> VerificationAnswer:
    """Check a QR text against a scheme's public key with no database.

    Only what the signed payload says can be known offline: genuineness and dates. A suspension
    or revocation after signing needs the online check, and the reason says so.
    """
    payload, refusal = open_signed(text, public_key, as_of)
    if refusal is not None:
        return refusal
    query = {"qr": text[:200]}
    facts = CertificateFacts(
        payload.number,
        payload.scheme,
        payload.scheme,
        None,
        payload.licensee_name,
        None,
        payload.licensee,
        payload.criterion,
        None,
        payload.category,
        None,
        None,
        payload.issued,
        payload.expires,
        Status.VALID,
        payload.issued,
        None,
    )
    verdict, reason = judge(facts, as_of)
    caveat = (
        "offline check: the signature is genuine; "
        "suspension or revocation after signing needs the online check"
    )
    return VerificationAnswer(verdict, f"{reason}; {caveat}", as_of, query, facts)
