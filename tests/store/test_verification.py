"""Verification against the registry (store.verification.Verifier) on both backends."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from ecoprocure.domain.lifecycle import Action
from ecoprocure.domain.signing import sign
from ecoprocure.domain.verification import Verdict
from ecoprocure.store.certificates import certificate_payload, withdraw_criterion
from ecoprocure.store.db import Database
from ecoprocure.store.keys import generate_key, load_private_key
from ecoprocure.store.verification import Verifier
from tests.store import registry_builders as rb

CJK_PARTNERS = [("JP-ECOMARK", "CJK-CCC-PC"), ("KR-ECOLABEL", "CJK-CCC-PC")]


@pytest.fixture
def catalogue(reference_db: Database, tmp_path: Path) -> Database:
    rb.build_catalogue(reference_db, tmp_path)
    return reference_db


@pytest.fixture
def verifier(catalogue: Database) -> Iterator[Verifier]:
    with Verifier(catalogue) as found:
        yield found


_act = rb.act


NUMBER_SPELLINGS = [
    "CEC-2021-0001",
    "cec-2021-0001",
    "  CEC-2021-0001 ",
    "CEC - 2021 - 0001",
    "ＣＥＣ－２０２１－０００１",
    "ｃｅｃ-2021\u2013０００１",
    "CEC-2021-0001\u3000",
]


def test_by_number_matches_case_space_and_width_variants(verifier: Verifier) -> None:
    for typed in NUMBER_SPELLINGS:
        answer = verifier.by_number(typed)
        assert answer.status is Verdict.VALID, typed
        assert answer.certificate is not None and answer.certificate.number == rb.DESKTOP
        assert answer.query == {"certificate": typed}
    assert verifier.by_number("CEC-2021-00001").status is Verdict.UNKNOWN  # a different number


def test_by_number_answers_the_facts_of_the_certificate(verifier: Verifier) -> None:
    answer = verifier.by_number(rb.DESKTOP)
    facts = answer.certificate
    assert facts is not None
    assert (facts.scheme_code, facts.licensee_registration_id, facts.criterion_code, facts.category_code) == (
        "CEL",
        rb.LENOVO,
        "HJ 2536-2014",
        "ict.computer.desktop",
    )
    assert (facts.issued_on, facts.expires_on) == (dt.date(2021, 3, 1), rb.FUTURE)
    assert (facts.licensee_name_en, facts.category_name_zh) == ("Lenovo (Beijing) Co., Ltd.", "台式计算机")
    assert (
        answer.reason
        == f"valid China Environmental Labelling certificate, issued 2021-03-01, expires {rb.FUTURE}"
    )
    assert answer.as_of == dt.date.today()
    data = answer.to_dict()
    json.dumps(data)  # JSON-ready
    assert data["status"] == "valid" and data["certificate"]["issued_on"] == "2021-03-01"


def test_an_unknown_number_is_unknown(verifier: Verifier) -> None:
    answer = verifier.by_number("CEC-0000-NOPE")
    assert answer.status is Verdict.UNKNOWN
    assert answer.certificate is None and answer.recognised_by == []
    assert "no certificate numbered 'CEC-0000-NOPE'" in answer.reason


BRAND_MODEL_SPELLINGS = [
    ("Lenovo", "ThinkCentre M720"),
    ("LENOVO", "THINKCENTRE M720"),
    ("lenovo", "thinkcentre m720"),
    ("  Lenovo ", "ThinkCentre    M720  "),
    ("Lenovo", "Think Centre M720"),
    ("ＬＥＮＯＶＯ", "ＴｈｉｎｋＣｅｎｔｒｅ Ｍ７２０"),
    ("Lenovo", "ＴｈｉｎｋＣｅｎｔｒｅ\u3000M720"),
]


def test_by_brand_and_model_matches_normalised_spellings(verifier: Verifier) -> None:
    for brand, model in BRAND_MODEL_SPELLINGS:
        answer = verifier.by_brand_model(brand, model)
        assert answer.status is Verdict.VALID, (brand, model)
        assert answer.certificate is not None and answer.certificate.number == rb.DESKTOP
        assert answer.product == {
            "brand": "Lenovo",
            "model": "ThinkCentre M720",
            "gtin": None,
            "category": "ict.computer.desktop",
        }
        assert answer.other_certificates == []
    chinese = verifier.by_brand_model("联想", "启天 M428")
    assert chinese.status is Verdict.VALID and chinese.product is not None
    assert chinese.product["model"] == "启天M428"


def test_an_unknown_brand_and_model_is_unknown(verifier: Verifier) -> None:
    answer = verifier.by_brand_model("Lenovo", "ThinkCentre M999")
    assert answer.status is Verdict.UNKNOWN
    assert "no certified product Lenovo ThinkCentre M999" in answer.reason
    assert verifier.by_brand_model("Dell", "ThinkCentre M720").status is Verdict.UNKNOWN


def test_a_model_under_two_certificates_is_answered_by_the_valid_one(verifier: Verifier) -> None:
    # The suspended CEL certificate is newer than the valid EU Ecolabel one: validity, not age, decides.
    answer = verifier.by_brand_model("lenovo", "thinkpad x1 carbon")
    assert answer.status is Verdict.VALID
    assert answer.certificate is not None and answer.certificate.number == rb.NOTEBOOK_EU
    assert answer.other_certificates == [rb.NOTEBOOK_SUSPENDED]
    assert answer.to_dict()["other_certificates"] == [rb.NOTEBOOK_SUSPENDED]


def test_suspended_revoked_and_expired_answers_give_reason_and_dates(
    catalogue: Database, verifier: Verifier
) -> None:
    suspended = verifier.by_number(rb.NOTEBOOK_SUSPENDED)
    assert suspended.status is Verdict.SUSPENDED
    assert suspended.reason == f"suspended since {rb.SUSPENDED_SINCE}: {rb.SUSPENSION_REASON}"
    assert suspended.recognised_by == []  # only valid certificates are recognised

    ended = verifier.by_number(rb.FURNITURE_ENDED)  # stored valid, past its expiry date
    assert ended.status is Verdict.EXPIRED
    assert ended.reason == f"expired on {rb.ENDED}"
    assert verifier.by_number(rb.FURNITURE_ENDED, as_of=rb.ENDED).status is Verdict.VALID  # its last day

    _act(catalogue, rb.PAINT, Action.REVOKE, dt.date(2024, 3, 5), "falsified test report")
    revoked = verifier.by_number(rb.PAINT)  # a long-lived verifier sees the new write
    assert revoked.status is Verdict.REVOKED
    assert revoked.reason == "revoked on 2024-03-05: falsified test report"

    _act(catalogue, rb.AIR_CONDITIONER, Action.EXPIRE, dt.date(2024, 4, 1), "licence surrendered")
    surrendered = verifier.by_number(rb.AIR_CONDITIONER)
    assert surrendered.status is Verdict.EXPIRED
    assert surrendered.reason == "expired on 2024-04-01"


def test_a_certificate_ended_by_a_withdrawn_criterion_is_expired_with_the_reason(
    catalogue: Database, verifier: Verifier
) -> None:
    with catalogue.transaction() as session:
        withdraw_criterion(
            session, "CEL", "HJ 2535-2013", dt.date(2024, 9, 1), actor="ministry", reason="replaced"
        )
    answer = verifier.by_number(rb.AIR_CONDITIONER)
    assert answer.status is Verdict.EXPIRED
    assert answer.reason == "ended on 2024-09-01: criterion HJ 2535-2013 was withdrawn"


def test_as_of_a_past_day_reads_the_history_from_the_audit_log(
    catalogue: Database, verifier: Verifier
) -> None:
    _act(catalogue, rb.DESKTOP, Action.SUSPEND, dt.date(2024, 6, 1), "surveillance audit failed")
    _act(catalogue, rb.DESKTOP, Action.REINSTATE, dt.date(2024, 8, 1), "retest passed")
    _act(catalogue, rb.DESKTOP, Action.SUSPEND, dt.date(2025, 2, 1), "second failure")

    before = verifier.by_number(rb.DESKTOP, as_of=dt.date(2024, 5, 31))
    assert before.status is Verdict.VALID
    assert before.as_of == dt.date(2024, 5, 31)
    assert [(r.scheme_code, r.agreement_code) for r in before.recognised_by] == CJK_PARTNERS

    during = verifier.by_number(rb.DESKTOP, as_of=dt.date(2024, 6, 1))
    assert during.status is Verdict.SUSPENDED
    assert during.reason == "suspended since 2024-06-01: surveillance audit failed"
    assert during.recognised_by == []

    between = verifier.by_number(rb.DESKTOP, as_of=dt.date(2024, 12, 31))
    assert between.status is Verdict.VALID

    now = verifier.by_number(rb.DESKTOP)
    assert now.status is Verdict.SUSPENDED
    assert now.reason == "suspended since 2025-02-01: second failure"

    assert (
        verifier.by_number(rb.DESKTOP, as_of=dt.date(2021, 2, 28)).status is Verdict.UNKNOWN
    )  # before issue


def test_cel_certificates_in_a_cjk_category_are_recognised_by_the_partner_schemes(verifier: Verifier) -> None:
    desktop = verifier.by_number(rb.DESKTOP)
    assert [(r.scheme_code, r.agreement_code) for r in desktop.recognised_by] == CJK_PARTNERS
    assert desktop.to_dict()["recognised_by"] == [
        {"scheme": "JP-ECOMARK", "agreement": "CJK-CCC-PC"},
        {"scheme": "KR-ECOLABEL", "agreement": "CJK-CCC-PC"},
    ]
    paint = verifier.by_number(rb.PAINT)
    assert [(r.scheme_code, r.agreement_code) for r in paint.recognised_by] == [
        ("JP-ECOMARK", "CJK-CCC-PAINT"),
        ("KR-ECOLABEL", "CJK-CCC-PAINT"),
    ]
    school = verifier.by_number(rb.SCHOOL_FURNITURE)
    assert {r.scheme_code for r in school.recognised_by} == {"JP-ECOMARK", "KR-ECOLABEL"}


def test_no_recognition_outside_the_agreements(verifier: Verifier) -> None:
    air_conditioner = verifier.by_number(rb.AIR_CONDITIONER)  # no CJK common criterion for air conditioners
    assert air_conditioner.status is Verdict.VALID
    assert air_conditioner.recognised_by == []
    notebook_eu = verifier.by_number(rb.NOTEBOOK_EU)  # the EU Ecolabel is no party to the CJK agreements
    assert notebook_eu.status is Verdict.VALID
    assert notebook_eu.recognised_by == []
    # The CJK computer agreement took effect on 2007-01-01.
    assert verifier.by_number(rb.DESKTOP, as_of=dt.date(2021, 3, 1)).recognised_by != []


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "keys"
    generate_key(folder, "CEL")
    return folder


def _qr(db: Database, keys_dir: Path, number: str) -> str:
    with db.transaction() as session:
        payload = certificate_payload(session, number)
    return sign(payload, load_private_key(keys_dir, "CEL"))


def test_a_genuine_qr_code_is_valid(catalogue: Database, keys_dir: Path) -> None:
    qr = _qr(catalogue, keys_dir, rb.DESKTOP)
    with Verifier(catalogue, keys_dir) as verifier:
        answer = verifier.by_qr(qr)
    assert answer.status is Verdict.VALID
    assert answer.certificate is not None and answer.certificate.number == rb.DESKTOP
    assert "signature not checked" not in answer.reason
    assert answer.query == {"qr": qr[:200]}
    assert [(r.scheme_code, r.agreement_code) for r in answer.recognised_by] == CJK_PARTNERS


def test_an_altered_qr_payload_has_an_invalid_signature(catalogue: Database, keys_dir: Path) -> None:
    qr = _qr(catalogue, keys_dir, rb.DESKTOP)
    prefix, body, signature = qr.split(".")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    edited = raw.replace(rb.FUTURE.isoformat().encode(), b"2099-12-31")
    assert edited != raw
    forged = ".".join([prefix, base64.urlsafe_b64encode(edited).rstrip(b"=").decode(), signature])
    with catalogue.transaction() as session:
        resigned = replace(certificate_payload(session, rb.DESKTOP), expires=dt.date(2099, 12, 31))
    other_key_dir = keys_dir.parent / "other-keys"
    generate_key(other_key_dir, "CEL")
    signed_elsewhere = sign(resigned, load_private_key(other_key_dir, "CEL"))
    with Verifier(catalogue, keys_dir) as verifier:
        for text in (forged, signed_elsewhere):
            answer = verifier.by_qr(text)
            assert answer.status is Verdict.INVALID_SIGNATURE
            assert "signature does not match the CEL public key" in answer.reason
            assert answer.certificate is None
        garbled = verifier.by_qr("EP1.not-a-payload")
        assert garbled.status is Verdict.INVALID_SIGNATURE
        assert garbled.reason.startswith("malformed QR payload")


def test_the_registry_wins_over_a_genuine_qr_of_a_suspended_certificate(
    catalogue: Database, keys_dir: Path
) -> None:
    qr = _qr(catalogue, keys_dir, rb.DESKTOP)  # signed while valid
    _act(catalogue, rb.DESKTOP, Action.SUSPEND, dt.date(2025, 1, 15), "surveillance audit failed")
    with Verifier(catalogue, keys_dir) as verifier:
        answer = verifier.by_qr(qr)
        assert answer.status is Verdict.SUSPENDED
        assert answer.reason.startswith("suspended since 2025-01-15: surveillance audit failed")
        assert verifier.by_qr(_qr(catalogue, keys_dir, rb.NOTEBOOK_SUSPENDED)).status is Verdict.SUSPENDED


def test_a_qr_code_whose_facts_changed_since_signing_says_so(catalogue: Database, keys_dir: Path) -> None:
    qr = _qr(catalogue, keys_dir, rb.DESKTOP)
    later = dt.date(rb.FUTURE.year + 2, 12, 31)
    _act(catalogue, rb.DESKTOP, Action.RENEW, dt.date.today(), new_expires_on=later)
    with Verifier(catalogue, keys_dir) as verifier:
        answer = verifier.by_qr(qr)
    assert answer.status is Verdict.VALID
    assert "the registry's facts have changed since this QR code was signed" in answer.reason


def test_without_a_public_key_the_reason_says_the_signature_was_not_checked(
    catalogue: Database, keys_dir: Path, tmp_path: Path
) -> None:
    qr = _qr(catalogue, keys_dir, rb.DESKTOP)
    for folder in (None, tmp_path / "empty-keys"):  # no keys folder; a folder without the scheme's key
        with Verifier(catalogue, folder) as verifier:
            answer = verifier.by_qr(qr)
        assert answer.status is Verdict.VALID
        assert answer.reason.endswith("; signature not checked (no public key for CEL configured)")
