"""Mutual recognition: parties accept each other's certificates within scope and dates."""

from __future__ import annotations

import datetime as dt

import pytest

from ecoprocure.domain.recognition import AgreementTerms, Recognition, accepted_by, recognitions

D = dt.date
CJK_PC = AgreementTerms(
    "CJK-01-2010",
    frozenset({"CEL", "JP-ECOMARK", "KR-ECOLABEL"}),
    D(2011, 1, 1),
    D(2020, 12, 31),
    frozenset({"ict.computer.desktop", "ict.computer.portable"}),
    frozenset({"HJ 2536-2014"}),
)
CN_DE = AgreementTerms(
    "CN-DE-TONER",
    frozenset({"CEL", "DE-BLAUER-ENGEL"}),
    D(2007, 5, 26),
    None,
    frozenset({"ict.toner-cartridge"}),
)
AGREEMENTS = [CJK_PC, CN_DE]
INSIDE = D(2015, 6, 1)


def test_parties_accept_each_other_within_scope_and_dates() -> None:
    assert recognitions(AGREEMENTS, "CEL", "ict.computer.desktop", None, INSIDE) == [
        Recognition("JP-ECOMARK", "CJK-01-2010"),
        Recognition("KR-ECOLABEL", "CJK-01-2010"),
    ]
    assert recognitions(AGREEMENTS, "JP-ECOMARK", "ict.computer.portable", None, INSIDE) == [
        Recognition("CEL", "CJK-01-2010"),
        Recognition("KR-ECOLABEL", "CJK-01-2010"),
    ]


def test_scope_by_criterion_alone() -> None:
    assert [
        r.scheme_code for r in recognitions(AGREEMENTS, "CEL", "ict.monitor", "HJ 2536-2014", INSIDE)
    ] == ["JP-ECOMARK", "KR-ECOLABEL"]
    assert recognitions(AGREEMENTS, "CEL", None, "HJ 2536-2014", INSIDE) != []


def test_outside_scope_nothing() -> None:
    assert recognitions(AGREEMENTS, "CEL", "ict.monitor", "HJ 2512-2012", INSIDE) == []
    assert recognitions(AGREEMENTS, "CEL", None, None, INSIDE) == []


def test_non_party_gets_nothing() -> None:
    assert recognitions(AGREEMENTS, "EU-ECOLABEL", "ict.computer.desktop", None, INSIDE) == []


@pytest.mark.parametrize(
    ("day", "found"),
    [
        (D(2010, 12, 31), False),
        (D(2011, 1, 1), True),
        (D(2020, 12, 31), True),
        (D(2021, 1, 1), False),
    ],
)
def test_agreement_dates_are_inclusive(day: dt.date, found: bool) -> None:
    assert bool(recognitions(AGREEMENTS, "CEL", "ict.computer.desktop", None, day)) is found


def test_open_ended_agreement_stays_in_force() -> None:
    assert recognitions(AGREEMENTS, "CEL", "ict.toner-cartridge", None, D(2099, 1, 1)) == [
        Recognition("DE-BLAUER-ENGEL", "CN-DE-TONER")
    ]
    assert recognitions(AGREEMENTS, "CEL", "ict.toner-cartridge", None, D(2007, 5, 25)) == []


def test_one_scheme_via_several_agreements_is_listed_once_per_agreement() -> None:
    again = AgreementTerms(
        "CJK-BIS", frozenset({"CEL", "JP-ECOMARK"}), D(2000, 1, 1), None, frozenset({"ict.computer.desktop"})
    )
    found = recognitions([*AGREEMENTS, again, again], "CEL", "ict.computer.desktop", None, INSIDE)
    assert found == [
        Recognition("JP-ECOMARK", "CJK-01-2010"),
        Recognition("JP-ECOMARK", "CJK-BIS"),
        Recognition("KR-ECOLABEL", "CJK-01-2010"),
    ]


def test_accepted_by_names_the_agreement() -> None:
    assert accepted_by(AGREEMENTS, "JP-ECOMARK", "CEL", "ict.computer.desktop", None, INSIDE) == "CJK-01-2010"
    assert (
        accepted_by(AGREEMENTS, "DE-BLAUER-ENGEL", "CEL", "ict.toner-cartridge", None, INSIDE)
        == "CN-DE-TONER"
    )


def test_accepted_by_outside_scope_or_dates_is_none() -> None:
    assert accepted_by(AGREEMENTS, "JP-ECOMARK", "CEL", "ict.toner-cartridge", None, INSIDE) is None
    assert accepted_by(AGREEMENTS, "JP-ECOMARK", "CEL", "ict.computer.desktop", None, D(2021, 1, 1)) is None
    assert accepted_by(AGREEMENTS, "DE-BLAUER-ENGEL", "CEL", "ict.computer.desktop", None, INSIDE) is None


def test_a_scheme_does_not_accept_itself_by_agreement() -> None:
    assert accepted_by(AGREEMENTS, "CEL", "CEL", "ict.computer.desktop", None, INSIDE) is None


def test_covers_needs_a_matching_code() -> None:
    assert CJK_PC.covers("ict.computer.desktop", None)
    assert CJK_PC.covers(None, "HJ 2536-2014")
    assert not CJK_PC.covers(None, None)
    assert not CJK_PC.covers("ict.monitor", "HJ 2512-2012")
