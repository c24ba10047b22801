"""Year-over-year growth with its arithmetic shown."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.domain.statistics import MEASURES, Growth, YearCounts, add_growth


def test_growth_4408_to_4722_is_7_percent() -> None:
    growth = Growth("certificates", 4408, 4722)
    assert growth.percent() == Decimal("7")
    assert growth.percent(1) == Decimal("7.1")
    assert growth.arithmetic == "certificates: (4,722 − 4,408) / 4,408 = 7.1 %"


def test_growth_10284_to_11476_is_12_percent() -> None:
    growth = Growth("product_models", 10284, 11476)
    assert growth.percent(0) == Decimal("12")
    assert growth.percent(1) == Decimal("11.6")
    assert growth.percent(2) == Decimal("11.59")
    assert growth.arithmetic == "product_models: (11,476 − 10,284) / 10,284 = 11.6 %"


def test_decline_is_negative() -> None:
    growth = Growth("licensees", 200, 150)
    assert growth.percent() == Decimal("-25")
    assert growth.arithmetic == "licensees: (150 − 200) / 200 = -25.0 %"


def test_no_change_is_zero() -> None:
    assert Growth("criteria", 12, 12).percent() == Decimal("0")


def test_half_rounds_up() -> None:
    assert Growth("x", 200, 201).percent(0) == Decimal("1")  # 0.5 % -> 1
    assert Growth("x", 1000, 1005).percent(0) == Decimal("1")  # 0.5 % -> 1
    assert Growth("x", 1000, 1004).percent(0) == Decimal("0")  # 0.4 % -> 0


def test_growth_from_zero_has_no_rate() -> None:
    growth = Growth("categories", 0, 5)
    assert growth.ratio is None
    assert growth.percent() is None
    assert growth.arithmetic == "categories: 0 → 5 (no growth rate from zero)"
    assert (
        Growth("product_models", 0, 11476).arithmetic
        == "product_models: 0 → 11,476 (no growth rate from zero)"
    )


def test_add_growth_for_each_measure_in_both_years() -> None:
    previous = YearCounts("CEL", 2020, {"certificates": 4408, "licensees": 0, "criteria": 90})
    current = YearCounts("CEL", 2021, {"certificates": 4722, "licensees": 3, "product_models": 10})
    result = add_growth(current, previous)
    assert set(result.growth) == {"certificates", "licensees"}
    assert result.growth["certificates"] == Growth("certificates", 4408, 4722)
    out = result.to_dict()
    assert out["scheme"] == "CEL"
    assert out["year"] == 2021
    assert out["certificates"] == 4722
    assert out["growth_percent"] == {"certificates": 7.1, "licensees": None}
    # in the order of MEASURES
    assert out["arithmetic"] == [
        "licensees: 0 → 3 (no growth rate from zero)",
        "certificates: (4,722 − 4,408) / 4,408 = 7.1 %",
    ]


def test_add_growth_without_previous_year_is_unchanged() -> None:
    current = YearCounts("CEL", 2021, {"certificates": 1})
    assert add_growth(current, None) is current
    assert current.to_dict()["growth_percent"] == {}


def test_measures() -> None:
    assert MEASURES == ("criteria", "licensees", "certificates", "categories", "product_models")


def _sign(value: Decimal | int) -> int:
    return (value > 0) - (value < 0)


counts = st.integers(min_value=0, max_value=10**9)


@given(st.integers(min_value=1, max_value=10**9), counts, st.integers(0, 3))
def test_percent_sign_matches_the_change(previous: int, current: int, places: int) -> None:
    growth = Growth("x", previous, current)
    change = _sign(current - previous)
    assert growth.ratio is not None
    assert _sign(growth.ratio) == change
    percent = growth.percent(places)
    assert percent is not None
    # rounding may bring a tiny change to zero, never to the other side
    assert _sign(percent) in (change, 0)
    if abs(growth.ratio * 100) >= Decimal("0.5"):
        assert _sign(percent) == change
    assert percent.as_tuple().exponent == -places


@given(st.integers(min_value=1, max_value=10**9), counts)
def test_percent_is_the_rounded_exact_ratio(previous: int, current: int) -> None:
    exact = Decimal(current - previous) * 100 / Decimal(previous)
    assert abs(Growth("x", previous, current).percent(1) - exact) <= Decimal("0.05")


@given(counts, counts)
def test_arithmetic_names_the_measure_and_both_counts(previous: int, current: int) -> None:
    text = Growth("certificates", previous, current).arithmetic
    assert text.startswith("certificates: ")
    assert f"{current:,}" in text
    assert f"{previous:,}" in text


@pytest.mark.parametrize(("previous", "current"), [(1, 0), (3, 1)])
def test_fall_to_lower_counts(previous: int, current: int) -> None:
    assert Growth("x", previous, current).percent() < 0
