"""Verdicts and reasons for a stored certificate, and the JSON form of an answer."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest

from ecoprocure.domain.lifecycle import Status
from ecoprocure.domain.recognition import Recognition
from ecoprocure.domain.verification import (
    VERDICT_RANK,
    CertificateFacts,
    Verdict,
    VerificationAnswer,
    judge,
    unknown,
)

D = dt.date
FACTS = CertificateFacts(
    number="CEC-2021-0042",
    scheme_code="CEL",
    scheme_name_en="China Environmental Labelling",
    scheme_name_zh="中国环境标志",
    licensee_name_en="Lenovo (Beijing) Ltd.",
    licensee_name_zh="联想（北京）有限公司",
    licensee_registration_id="91110108700000000X",
    criterion_code="HJ 2536-2014",
    criterion_title="Microcomputers and displays",
    category_code="ict.computer.desktop",
    category_name_en="Desktop computers",
    category_name_zh="台式计算机",
    issued_on=D(2021, 3, 1),
    expires_on=D(2024, 2, 29),
    stored_status=Status.VALID,
    status_since=D(2021, 3, 1),
    status_reason=None,
)


def test_valid() -> None:
    assert judge(FACTS, D(2022, 1, 1)) == (
        Verdict.VALID,
        "valid China Environmental Labelling certificate, issued 2021-03-01, expires 2024-02-29",
    )


def test_valid_on_issue_day_and_last_day() -> None:
    assert judge(FACTS, D(2021, 3, 1))[0] is Verdict.VALID
    assert judge(FACTS, D(2024, 2, 29))[0] is Verdict.VALID


def test_valid_open_ended() -> None:
    open_ended = replace(FACTS, expires_on=None)
    assert judge(open_ended, D(2090, 1, 1)) == (
        Verdict.VALID,
        "valid China Environmental Labelling certificate, issued 2021-03-01, no expiry date",
    )


def test_suspended_with_reason() -> None:
    facts = replace(
        FACTS,
        stored_status=Status.SUSPENDED,
        status_since=D(2022, 5, 3),
        status_reason="failed market surveillance test",
    )
    assert judge(facts, D(2022, 6, 1)) == (
        Verdict.SUSPENDED,
        "suspended since 2022-05-03: failed market surveillance test",
    )


def test_suspended_without_reason() -> None:
    facts = replace(FACTS, stored_status=Status.SUSPENDED, status_since=D(2022, 5, 3))
    assert judge(facts, D(2022, 6, 1)) == (Verdict.SUSPENDED, "suspended since 2022-05-03")


def test_revoked() -> None:
    facts = replace(
        FACTS, stored_status=Status.REVOKED, status_since=D(2022, 8, 8), status_reason="forged test report"
    )
    assert judge(facts, D(2022, 9, 1)) == (Verdict.REVOKED, "revoked on 2022-08-08: forged test report")
    # revocation survives the calendar
    assert judge(facts, D(2030, 1, 1))[0] is Verdict.REVOKED


def test_expired_by_date() -> None:
    assert judge(FACTS, D(2024, 3, 1)) == (Verdict.EXPIRED, "expired on 2024-02-29")


def test_suspended_then_expired_by_date() -> None:
    facts = replace(FACTS, stored_status=Status.SUSPENDED, status_since=D(2022, 5, 3))
    assert judge(facts, D(2024, 3, 1)) == (Verdict.EXPIRED, "expired on 2024-02-29")


def test_expired_by_action_reports_the_action_date() -> None:
    facts = replace(FACTS, stored_status=Status.EXPIRED, status_since=D(2023, 1, 15))
    assert judge(facts, D(2023, 2, 1)) == (Verdict.EXPIRED, "expired on 2023-01-15")


def test_withdrawn_is_reported_as_expired_naming_the_criterion() -> None:
    facts = replace(FACTS, stored_status=Status.WITHDRAWN, status_since=D(2023, 7, 1))
    assert judge(facts, D(2023, 8, 1)) == (
        Verdict.EXPIRED,
        "ended on 2023-07-01: criterion HJ 2536-2014 was withdrawn",
    )


def test_not_yet_issued_is_unknown() -> None:
    assert judge(FACTS, D(2021, 2, 28)) == (
        Verdict.UNKNOWN,
        "certificate CEC-2021-0042 is not issued until 2021-03-01",
    )


def test_verdict_rank_prefers_valid() -> None:
    ranked = sorted(
        [Verdict.REVOKED, Verdict.EXPIRED, Verdict.VALID, Verdict.SUSPENDED], key=VERDICT_RANK.get
    )
    assert ranked == [Verdict.VALID, Verdict.SUSPENDED, Verdict.EXPIRED, Verdict.REVOKED]


def test_to_dict_is_json_with_iso_dates() -> None:
    answer = VerificationAnswer(
        Verdict.VALID,
        "valid",
        D(2022, 1, 1),
        {"certificate": "cec-2021-0042"},
        FACTS,
        product={"brand": "Lenovo", "model": "M720", "gtin": None, "category": "ict.computer.desktop"},
        recognised_by=[Recognition("JP-ECOMARK", "CJK-01-2010")],
        other_certificates=["CEC-2019-0001"],
    )
    out = answer.to_dict()
    assert json.loads(json.dumps(out, ensure_ascii=False)) == out
    assert out["status"] == "valid"
    assert out["as_of"] == "2022-01-01"
    assert out["query"] == {"certificate": "cec-2021-0042"}
    certificate = out["certificate"]
    assert certificate["issued_on"] == "2021-03-01"
    assert certificate["expires_on"] == "2024-02-29"
    assert certificate["status_since"] == "2021-03-01"
    assert certificate["stored_status"] == "valid"
    assert certificate["licensee_name_zh"] == "联想（北京）有限公司"
    assert certificate["number"] == "CEC-2021-0042"
    assert out["product"]["model"] == "M720"
    assert out["recognised_by"] == [{"scheme": "JP-ECOMARK", "agreement": "CJK-01-2010"}]
    assert out["other_certificates"] == ["CEC-2019-0001"]


def test_to_dict_of_unknown_answer() -> None:
    out = unknown(
        {"brand": "X", "model": "Y"}, D(2022, 1, 1), "no certified product X Y in the registry"
    ).to_dict()
    assert out == {
        "status": "unknown",
        "reason": "no certified product X Y in the registry",
        "as_of": "2022-01-01",
        "query": {"brand": "X", "model": "Y"},
        "recognised_by": [],
    }
    assert json.dumps(out)


@pytest.mark.parametrize("expires", [None, D(2024, 2, 29)])
def test_to_dict_open_ended_expiry_is_null(expires: dt.date | None) -> None:
    out = VerificationAnswer(
        Verdict.VALID, "", D(2022, 1, 1), {}, replace(FACTS, expires_on=expires)
    ).to_dict()
    assert out["certificate"]["expires_on"] == (expires.isoformat() if expires else None)
    json.dumps(out)
