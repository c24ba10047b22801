"""Signed QR payloads: round trip, tampering, truncation, wrong keys, and the offline check."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.domain.signing import PREFIX, CertificatePayload, check, parse, sign
from ecoprocure.domain.verification import Verdict, verify_offline
from ecoprocure.errors import SignatureError

D = dt.date
KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()
PAYLOAD = CertificatePayload(
    scheme="CEL",
    number="CEC-2021-0042",
    licensee="91110108700000000X",
    licensee_name="联想（北京）有限公司",
    criterion="HJ 2536-2014",
    category="ict.computer.desktop",
    issued=D(2021, 3, 1),
    expires=D(2024, 2, 29),
)
TEXT = sign(PAYLOAD, KEY)
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
CAVEAT = (
    "offline check: the signature is genuine; suspension or revocation after signing needs the online check"
)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _is_accepted(text: str) -> bool:
    """True when the text parses, its payload decodes and the signature matches KEY."""
    try:
        signed = parse(text)
        _ = signed.payload  # decoding the payload is part of accepting it
    except SignatureError:
        return False
    return check(signed, KEY.public_key())


def test_round_trip() -> None:
    assert TEXT.startswith(f"{PREFIX}.")
    assert TEXT.count(".") == 2
    signed = parse(TEXT)
    assert signed.payload == PAYLOAD
    assert check(signed, KEY.public_key())


def test_round_trip_open_ended() -> None:
    payload = CertificatePayload(
        "ENERGY-STAR",
        "ES-2359399",
        "ES:Dell Inc.",
        "Dell Inc.",
        "ENERGY STAR Computers",
        "ict.computer.portable",
        D(2019, 1, 10),
        None,
    )
    signed = parse(sign(payload, KEY))
    assert signed.payload == payload
    assert signed.payload.expires is None


def test_canonical_bytes_are_sorted_compact_utf8() -> None:
    raw = PAYLOAD.canonical_bytes()
    body = json.loads(raw)
    assert list(body) == sorted(body)
    assert b" " not in raw.replace("联想（北京）有限公司".encode(), b"").replace(b"HJ 2536-2014", b"")
    assert "联想".encode() in raw  # not \\u escaped
    assert body["v"] == 1
    assert body["expires"] == "2024-02-29"


def test_signatures_are_deterministic() -> None:
    assert sign(PAYLOAD, KEY) == TEXT


def test_surrounding_white_space_is_tolerated() -> None:
    assert _is_accepted(f"  {TEXT}\n")


def test_wrong_key_does_not_check() -> None:
    assert not check(parse(TEXT), OTHER_KEY.public_key())


@given(st.data())
def test_any_single_character_change_in_payload_or_signature_is_invalid(data: st.DataObject) -> None:
    start = len(PREFIX) + 1
    position = data.draw(st.integers(start, len(TEXT) - 1), label="position")
    if TEXT[position] == ".":
        position -= 1
    replacement = data.draw(
        st.one_of(st.sampled_from(B64URL), st.characters(codec="utf-8")).filter(
            lambda c: c != TEXT[position]
        ),
        label="replacement",
    )
    tampered = TEXT[:position] + replacement + TEXT[position + 1 :]
    assert not _is_accepted(tampered)


@pytest.mark.parametrize("part", [1, 2])
def test_last_character_of_each_part_cannot_be_swapped_for_a_sibling(part: int) -> None:
    """base64url's last character carries unused bits; flipping them must not pass as genuine."""
    parts = TEXT.split(".")
    last = parts[part][-1]
    for sibling in B64URL:
        if sibling == last:
            continue
        changed = list(parts)
        changed[part] = parts[part][:-1] + sibling
        assert not _is_accepted(".".join(changed)), sibling


@given(st.integers(0, len(TEXT) - 1))
def test_truncated_text_is_a_signature_error(length: int) -> None:
    with pytest.raises(SignatureError):
        parse(TEXT[:length])


def test_truncated_signature_message() -> None:
    head, payload, signature = TEXT.split(".")
    with pytest.raises(
        SignatureError, match=r"signature is 48 bytes; an Ed25519 signature is 64 \(truncated\?\)"
    ):
        parse(f"{head}.{payload}.{signature[:64]}")


@pytest.mark.parametrize("text", ["", "EP1", "EP1.abc", "EP2.abc.def", "EP1.a.b.c"])
def test_malformed_shape_is_a_signature_error(text: str) -> None:
    with pytest.raises(SignatureError, match=r"QR text must look like EP1\.<payload>\.<signature>"):
        parse(text)


def _signed_raw(raw: bytes) -> str:
    return f"{PREFIX}.{_b64(raw)}.{_b64(KEY.sign(raw))}"


def test_non_canonical_json_payload_is_refused_even_if_signed() -> None:
    body = json.loads(PAYLOAD.canonical_bytes())
    raw = json.dumps(body, sort_keys=True, ensure_ascii=False).encode()  # default separators add spaces
    signed = parse(_signed_raw(raw))
    assert check(signed, KEY.public_key())  # the signature itself is fine
    with pytest.raises(SignatureError, match="payload is not in canonical form"):
        _ = signed.payload


def test_escaped_unicode_payload_is_not_canonical() -> None:
    body = json.loads(PAYLOAD.canonical_bytes())
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()  # ensure_ascii escapes Chinese
    with pytest.raises(SignatureError, match="payload is not in canonical form"):
        _ = parse(_signed_raw(raw)).payload


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b.pop("category"),
        lambda b: b.update(extra="x"),
        lambda b: b.update(v=2),
    ],
)
def test_payload_fields_must_be_exact(change) -> None:  # type: ignore[no-untyped-def]
    body = json.loads(PAYLOAD.canonical_bytes())
    change(body)
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    with pytest.raises(SignatureError, match="payload fields must be exactly v, scheme, number"):
        _ = parse(_signed_raw(raw)).payload


def test_payload_that_is_not_json_is_refused() -> None:
    with pytest.raises(SignatureError, match="payload is not canonical JSON"):
        _ = parse(_signed_raw(b"not json")).payload


def test_payload_with_malformed_date_is_refused() -> None:
    body = json.loads(PAYLOAD.canonical_bytes())
    body["issued"] = "2021-02-30"
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    with pytest.raises(SignatureError, match="payload dates are malformed"):
        _ = parse(_signed_raw(raw)).payload


# --- verify_offline ------------------------------------------------------------------------------


def test_offline_valid_with_caveat() -> None:
    answer = verify_offline(TEXT, KEY.public_key(), D(2022, 1, 1))
    assert answer.status is Verdict.VALID
    assert answer.reason == (f"valid CEL certificate, issued 2021-03-01, expires 2024-02-29; {CAVEAT}")
    assert answer.certificate is not None
    assert answer.certificate.number == "CEC-2021-0042"
    assert answer.certificate.licensee_name_en == "联想（北京）有限公司"
    assert answer.certificate.licensee_registration_id == "91110108700000000X"
    assert answer.query == {"qr": TEXT[:200]}


def test_offline_expired_with_caveat() -> None:
    answer = verify_offline(TEXT, KEY.public_key(), D(2024, 3, 1))
    assert answer.status is Verdict.EXPIRED
    assert answer.reason == f"expired on 2024-02-29; {CAVEAT}"


def test_offline_before_issue_is_unknown() -> None:
    answer = verify_offline(TEXT, KEY.public_key(), D(2021, 1, 1))
    assert answer.status is Verdict.UNKNOWN


def test_offline_wrong_key_is_invalid_signature() -> None:
    answer = verify_offline(TEXT, OTHER_KEY.public_key(), D(2022, 1, 1))
    assert answer.status is Verdict.INVALID_SIGNATURE
    assert answer.reason == ("signature does not match the CEL public key: the payload was altered or forged")
    assert answer.certificate is None


def test_offline_tampered_payload_is_invalid_signature() -> None:
    forged = CertificatePayload(**{**PAYLOAD.__dict__, "expires": D(2099, 12, 31)})
    head, _, signature = TEXT.split(".")
    text = f"{head}.{_b64(forged.canonical_bytes())}.{signature}"
    answer = verify_offline(text, KEY.public_key(), D(2030, 1, 1))
    assert answer.status is Verdict.INVALID_SIGNATURE
    assert "altered or forged" in answer.reason


def test_offline_malformed_text_is_invalid_signature() -> None:
    answer = verify_offline(TEXT[:40], KEY.public_key(), D(2022, 1, 1))
    assert answer.status is Verdict.INVALID_SIGNATURE
    assert answer.reason.startswith("malformed QR payload: ")
    assert answer.to_dict()["status"] == "invalid-signature"
