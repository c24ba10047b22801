"""Green for a buyer that accepts one scheme: its own certificates, and others' through mutual
recognition in force on the purchase date and covering the certificate's category.

On the golden fixture (every certificate is China's CEL, purchases of 2022): Japan's Eco Mark
recognises CEC-PC (portable computers) through the CJK common core criterion for PCs (in force
since 2007) and CEC-OK (office furniture) through the one for furniture (since 2019-11-22), so its
green share is CEL's own, 23/32, all of it by recognition; the EU Ecolabel recognises neither.
Dates and scopes in detail: the memtable cases below.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ecoprocure.domain.recognition import AgreementTerms
from ecoprocure.pipeline.acceptance import agreement_terms, recognition_rows
from tests.pipeline.test_indicators_golden import result_by  # noqa: F401 - the shared fixture


def _by_year(result) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {row["year"]: row for row in result.rows}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_own_scheme_counts_like_the_default(result_by) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    default, own = result_by("year"), result_by("year", accept_scheme="cel")
    assert (
        _by_year(own)[2022]["green_share"] == _by_year(default)[2022]["green_share"] == pytest.approx(23 / 32)
    )
    assert own.coverage["items_certified_by_recognition"] == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_recognising_scheme_counts_only_what_its_agreements_cover(result_by) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    japan = result_by("year", accept_scheme="JP-ECOMARK")
    assert _by_year(japan)[2022]["green_share"] == pytest.approx(23 / 32)
    assert (japan.coverage["items_certified"], japan.coverage["items_certified_by_recognition"]) == (2, 2)
    europe = result_by("year", accept_scheme="EU-ECOLABEL")
    assert _by_year(europe)[2022]["green_share"] == 0
    assert europe.coverage["items_matched"] == 4  # still matched: only the acceptance differs


def _terms(valid_to: dt.date | None = None) -> AgreementTerms:
    return AgreementTerms(
        "A",
        frozenset({"CEL", "JP-ECOMARK", "KR-ECOLABEL"}),
        dt.date(2010, 1, 1),
        valid_to,
        frozenset({"ict.monitor"}),
    )


def test_recognition_rows_flatten_the_accepting_schemes_agreements() -> None:
    rows = recognition_rows([_terms(dt.date(2020, 12, 31))], "CEL").to_pylist()
    assert [(r["r_scheme"], r["r_category"], r["r_from"], r["r_to"]) for r in rows] == [
        ("JP-ECOMARK", "ict.monitor", "2010-01-01", "2020-12-31"),
        ("KR-ECOLABEL", "ict.monitor", "2010-01-01", "2020-12-31"),
    ]
    assert recognition_rows([_terms()], "EU-ECOLABEL").num_rows == 0
    assert recognition_rows([_terms()], "CEL").to_pylist()[0]["r_to"] == "9999-12-31"


def test_agreement_terms_round_trip_through_the_snapshot_layout() -> None:
    import pyarrow as pa

    table = pa.table(
        {
            "agreement": ["A", "A", "A"],
            "scheme": ["CEL", "JP-ECOMARK", "KR-ECOLABEL"],
            "category": ["ict.monitor"] * 3,
            "valid_from": ["2010-01-01"] * 3,
            "valid_to": [None] * 3,
        }
    )
    assert agreement_terms(table) == [_terms()]


def test_accept_checks_scheme_category_and_date() -> None:
    import ibis

    from ecoprocure.pipeline.acceptance import accept

    matched = ibis.memtable(
        {
            "item_key": ["own", "in-scope", "before", "out-of-scope", "invalid"],
            "certificate_id": [1, 2, 3, 4, 5],
            "scheme": ["CEL", "JP-ECOMARK", "JP-ECOMARK", "JP-ECOMARK", "JP-ECOMARK"],
            "certified": [True, True, True, True, False],
            "certificate_category": [
                "office.furniture",
                "ict.monitor",
                "ict.monitor",
                "paper.copy",
                "ict.monitor",
            ],
        }
    )
    items = ibis.memtable(
        {
            "item_key": ["own", "in-scope", "before", "out-of-scope", "invalid"],
            "date": ["2022-01-01", "2015-06-01", "2009-12-31", "2015-06-01", "2015-06-01"],
        }
    )
    recognised = ibis.memtable(recognition_rows([_terms()], "CEL").to_pandas())
    rows = {r["item_key"]: r for r in accept(matched, items, "CEL", recognised).to_pyarrow().to_pylist()}
    assert {k: (r["certified"], r["accepted_via"]) for k, r in rows.items()} == {
        "own": (True, "own scheme"),
        "in-scope": (True, "recognition: A"),
        "before": (False, None),  # the agreement starts in 2010
        "out-of-scope": (False, None),
        "invalid": (False, None),  # recognition never revives a certificate that was not valid
    }
