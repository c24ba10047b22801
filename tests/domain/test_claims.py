"""The claim checker: stated precision, units, each relation, unit-slip hints, arithmetic invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.domain.claim_quantities import (
    ClaimUnitError,
    ClaimValueError,
    Span,
    UnitMismatch,
    check_unit,
    format_number,
    parse_number,
    stated,
    unit_factor,
)
from ecoprocure.domain.claims import Claim, ClaimsError, Relation, check, summary


def claim(claim_id: str, unit: str, value: str | None = None, **options: str) -> Claim:
    return Claim(claim_id, unit, stated(value, **options) if value is not None else None)  # type: ignore[arg-type]


def run(kind: str, result: str | None, operands: tuple[str, ...], *claims: Claim):  # type: ignore[no-untyped-def]
    return check(Relation("c", kind, result, operands), {c.id: c for c in claims})  # type: ignore[arg-type]


# --- numbers as printed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.719", "1.719"), ("4,408", "4408"), ("1,719,000.5", "1719000.5"), ("+7", "7"), ("\u22123", "-3")],
)
def test_numbers_are_read_as_printed(text: str, value: str) -> None:
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["3,3627", "28,9", "1.2.3", "", "seven", "1e6"])
def test_numbers_that_are_not_printed_figures_are_refused(text: str) -> None:
    with pytest.raises(ClaimValueError, match="not a number as printed"):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "multiplier", "low", "high"),
    [
        ("7", None, "6.5", "7.5"),
        ("7.0", None, "6.95", "7.05"),
        ("1.719", "million", "1718500", "1719500"),
        ("191,000", None, "190999.5", "191000.5"),  # trailing zeros written are digits
        ("8", "亿", "750000000", "850000000"),
        ("1.36", "万", "13550", "13650"),
    ],
)
def test_the_tolerance_is_half_a_unit_of_the_last_digit_written(
    text: str, multiplier: str | None, low: str, high: str
) -> None:
    span = stated(text, multiplier=multiplier).span()
    assert (span.low, span.high) == (Decimal(low), Decimal(high))


def test_an_explicit_precision_overrides_the_digits() -> None:
    assert stated("191,000", precision="1000").span().low == Decimal("190500")
    exact = stated("1", precision="0").span()
    assert exact.low == exact.high == 1


def test_bounds_are_one_sided() -> None:
    more = stated("800", multiplier="million", bound="lower").span()
    assert more.low == Decimal("799500000")
    assert not more.high.is_finite()
    less = stated("20", bound="upper").span()
    assert not less.low.is_finite()
    assert less.high == Decimal("20.5")


def test_unknown_multipliers_are_refused_with_the_list() -> None:
    with pytest.raises(ClaimValueError, match=r"unknown multiplier 'lakh'.*million.*亿"):
        stated("3", multiplier="lakh")


# --- units -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "factor"),
    [
        ("Mt", "t", "1000000"),
        ("kt", "t", "1000"),  # a kilotonne, not pint's knot
        ("tons", "t", "1"),  # a metric tonne, not pint's short ton
        ("吨", "kg", "1000"),
        ("(Mt)*(CNY/t)", "yuan", "1000000"),
        ("元/吨", "CNY/t", "1"),
        ("%", "dimensionless", "0.01"),
        ("", "%", "100"),
        ("t/ha/yr", "t/(ha*yr)", "1"),
    ],
)
def test_units_convert_with_pint(source: str, target: str, factor: str) -> None:
    assert unit_factor(source, target) == Decimal(factor)


def test_currencies_are_dimensions_of_their_own() -> None:
    with pytest.raises(UnitMismatch, match=r"CNY.*does not convert to KRW"):
        unit_factor("CNY", "KRW")


def test_an_unknown_unit_says_what_is_allowed() -> None:
    with pytest.raises(ClaimUnitError, match=r"unknown unit 't CO2'.*`what`"):
        check_unit("t CO2")


def test_numbers_are_printed_exactly_or_rounded_with_a_mark() -> None:
    assert format_number(Decimal("68760000.000")) == "68,760,000"
    assert format_number(Decimal("95146198830.409")) == "≈ 95,150,000,000"
    assert format_number(Decimal("7.123411978221"), signed=True) == "≈ +7.123"
    assert format_number(Decimal("7.1234"), signed=True) == "+7.1234"


# --- relations ---------------------------------------------------------------------------------------

CO2 = claim("co2", "t", "1.719", multiplier="million")
PRICE = claim("price", "CNY/t", "40")


def test_product_flags_the_seed_market_value_with_its_arithmetic() -> None:
    result = run(
        "product", "value", ("co2", "price"), CO2, PRICE, claim("value", "CNY", "650", multiplier="million")
    )
    assert result.verdict == "contradiction"
    assert result.arithmetic.startswith(
        "1,719,000 t × 40 CNY/t = 68,760,000 CNY; stated 650,000,000 CNY; off by ×9.453"
    )
    assert result.recomputed is not None
    assert result.recomputed.value == Decimal("68760000")
    assert result.hint is None  # ×9.45 is no power of ten


def test_product_converts_units_and_shows_the_factor() -> None:
    mt = claim("co2", "Mt", "1.719")
    result = run(
        "product", "value", ("co2", "price"), mt, PRICE, claim("value", "yuan", "68.76", multiplier="million")
    )
    assert result.verdict == "consistent"
    assert "× 1,000,000 (Mt·CNY/t → yuan)" in result.arithmetic


def test_product_solves_for_its_unstated_factor() -> None:
    result = run(
        "product",
        "co2",
        ("area", "rate", "year"),
        CO2,
        claim("area", "ha", "191,000"),
        claim("rate", "t/ha/yr"),
        claim("year", "yr", "1", precision="0"),
    )
    assert result.verdict == "derived"
    assert result.target == "rate"
    assert result.recomputed is not None
    assert result.recomputed.value == 9
    assert result.arithmetic.startswith("1,719,000 t ÷ (191,000 ha × 1 yr) = 9 t/ha/yr")


def test_ratio_forward_and_solved() -> None:
    co2, area = CO2, claim("area", "ha", "191", multiplier="thousand")
    assert (
        run("ratio", "rate", ("co2", "area"), co2, area, claim("rate", "t/ha", "9")).verdict == "consistent"
    )
    assert (
        run("ratio", "rate", ("co2", "area"), co2, area, claim("rate", "t/ha", "90")).verdict
        == "contradiction"
    )
    solved = run("ratio", "rate", ("co2", "area"), claim("co2", "t"), area, claim("rate", "kg/ha", "9000"))
    assert solved.verdict == "derived"
    assert solved.recomputed is not None
    assert solved.recomputed.value == Decimal("1719000")


def test_sum_converts_each_term_to_the_result_unit() -> None:
    result = run(
        "sum",
        "total",
        ("a", "b"),
        claim("a", "kt", "1.5"),
        claim("b", "t", "250"),
        claim("total", "t", "1750"),
    )
    assert result.verdict == "consistent"
    assert "1,500 kt" not in result.arithmetic
    assert "1.5 kt (= 1,500 t) + 250 t = 1,750 t" in result.arithmetic
    missing = run(
        "sum", "total", ("a", "b"), claim("a", "kt", "1.5"), claim("b", "t"), claim("total", "t", "1750")
    )
    assert missing.verdict == "derived"
    assert missing.recomputed is not None
    assert missing.recomputed.value == 250


def test_share_derives_the_whole_of_the_seed_purchases() -> None:
    result = run(
        "share",
        "share",
        ("part", "whole"),
        claim("part", "CNY", "81.35", multiplier="billion"),
        claim("whole", "CNY"),
        claim("share", "%", "85.5"),
    )
    assert result.verdict == "derived"
    assert result.recomputed is not None
    assert abs(result.recomputed.value - Decimal("95146198830.4")) < 1
    assert result.arithmetic.startswith("81,350,000,000 CNY ÷ 85.5 % ≈ 95,150,000,000 CNY")


def test_share_is_checked_in_percent() -> None:
    part, whole = claim("part", "t", "149,000"), claim("whole", "Mt", "2.98")
    assert run("share", "s", ("part", "whole"), part, whole, claim("s", "%", "5")).verdict == "consistent"
    assert run("share", "s", ("part", "whole"), part, whole, claim("s", "%", "50")).verdict == "contradiction"


@pytest.mark.parametrize(
    ("start", "end", "rate", "verdict"),
    [
        ("4408", "4722", "7", "consistent"),  # +7.12 %
        ("10284", "11476", "12", "consistent"),  # +11.59 %: 12 % covers 11.5 … 12.5
        ("10284", "11476", "12.0", "contradiction"),  # 12.0 % covers only 11.95 … 12.05
        ("4408", "4722", "+7.1", "consistent"),
        ("100", "90", "-10", "consistent"),
        ("4408", "4722", "70", "contradiction"),
    ],
)
def test_growth_against_its_stated_precision(start: str, end: str, rate: str, verdict: str) -> None:
    result = run("growth", "g", ("a", "b"), claim("a", "", start), claim("b", "", end), claim("g", "%", rate))
    assert result.verdict == verdict, result.arithmetic


def test_growth_shows_its_arithmetic_and_solves_for_the_end() -> None:
    result = run(
        "growth", "g", ("a", "b"), claim("a", "", "4408"), claim("b", "", "4722"), claim("g", "%", "7")
    )
    assert result.arithmetic == "(4,722 − 4,408) ÷ 4,408 ≈ +7.123 %; stated 7 % (6.5 … 7.5 %): consistent"
    solved = run("growth", "g", ("a", "b"), claim("a", "", "4408"), claim("b", ""), claim("g", "%", "7"))
    assert solved.verdict == "derived"
    assert solved.recomputed is not None
    assert solved.recomputed.value == Decimal("4716.56")


def test_equal_flags_the_suwon_benefit_with_a_multiplier_hint() -> None:
    result = run(
        "equal",
        None,
        ("igpn", "zh", "en"),
        claim("igpn", "KRW", "800", multiplier="million", bound="lower"),
        claim("zh", "KRW", "8", multiplier="亿"),
        claim("en", "KRW", "8", multiplier="million"),
    )
    assert result.verdict == "contradiction"
    assert "en is ×0.01 igpn" in result.arithmetic
    assert "en is ×0.01 zh" in result.arithmetic
    assert "igpn is" not in result.arithmetic  # "more than 800 million" and 八亿 agree
    assert result.hint is not None
    assert "as if 亿 (×100,000,000) had been rendered as million (×1,000,000)" in result.hint


def test_equal_converts_units_and_accepts_the_same_figure() -> None:
    result = run("equal", None, ("a", "b"), claim("a", "t", "149,000"), claim("b", "kt", "149"))
    assert result.verdict == "consistent"
    assert "(= 149,000 t)" in result.arithmetic


def test_unit_mismatch_cannot_be_checked() -> None:
    result = run("product", "value", ("co2", "price"), CO2, PRICE, claim("value", "KRW", "650"))
    assert result.verdict == "cannot_check"
    assert result.reason is not None
    assert "does not convert to KRW" in result.reason
    currencies = run("equal", None, ("a", "b"), claim("a", "CNY", "1"), claim("b", "KRW", "1"))
    assert currencies.verdict == "cannot_check"


def test_a_divisor_that_may_be_zero_cannot_be_checked() -> None:
    result = run(
        "ratio", "r", ("a", "b"), claim("a", "t", "5"), claim("b", "ha", "0"), claim("r", "t/ha", "1")
    )
    assert result.verdict == "cannot_check"
    assert "divisor may be zero" in result.arithmetic


def test_relations_that_name_missing_or_several_unstated_claims_are_refused() -> None:
    with pytest.raises(ClaimsError, match="no claim 'nope'"):
        run("product", "co2", ("nope", "price"), CO2, PRICE)
    with pytest.raises(ClaimsError, match="at most one claim"):
        run("product", "x", ("y", "price"), claim("x", "CNY"), claim("y", "t"), PRICE)
    with pytest.raises(ClaimsError, match="exactly 2"):
        run("ratio", "x", ("co2", "price", "co2"), claim("x", "CNY"), CO2, PRICE)


def test_summary_counts_every_verdict() -> None:
    results = [run("equal", None, ("a", "b"), claim("a", "t", "1"), claim("b", "t", "1"))]
    assert summary(results) == {"contradiction": 0, "cannot_check": 0, "consistent": 1, "derived": 0}


# --- unit-slip hints -----------------------------------------------------------------------------


@pytest.mark.parametrize("power", [10, 100, 1000, 10000])
def test_a_power_of_ten_off_is_hinted_as_a_unit_slip(power: int) -> None:
    wrong = str(68760 * power)
    result = run(
        "product", "value", ("co2", "price"), CO2, PRICE, claim("value", "CNY", wrong, multiplier="thousand")
    )
    assert result.verdict == "contradiction"
    assert result.hint is not None
    assert f"{power:,} times the recomputed value" in result.hint


def test_a_figure_too_small_is_hinted_too() -> None:
    result = run(
        "equal", None, ("zh", "en"), claim("zh", "t", "1.36", multiplier="万"), claim("en", "t", "1.36")
    )
    assert result.hint is not None
    assert "en is 1/10,000 of zh" in result.hint


# --- arithmetic invariants ------------------------------------------------------------------------

# Figures with two to six significant digits, so rounding alone never spans a factor of ten.
figures = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(min_value=10, max_value=999_999),
    st.integers(min_value=-4, max_value=4),
)


def _text(value: Decimal) -> str:
    return format(value.normalize() if value == value.to_integral_value() else value, "f")


@given(st.lists(figures, min_size=2, max_size=3), st.sampled_from(["t", "kt", "Mt"]))
def test_a_product_built_consistent_is_never_flagged(values: list[Decimal], unit: str) -> None:
    units = [f"CNY/{unit}", "t", ""]
    factors = [claim(f"f{i}", units[i], _text(v)) for i, v in enumerate(values)]
    exact = unit_factor(f"(CNY/{unit})*(t)", "CNY")
    for v in values:
        exact *= v
    result = run("product", "r", tuple(c.id for c in factors), *factors, claim("r", "CNY", _text(exact)))
    assert result.verdict == "consistent", result.arithmetic


@given(st.lists(figures, min_size=2, max_size=3), st.sampled_from([10, 100, 1000, 10000]))
def test_a_product_scaled_by_a_power_of_ten_is_always_flagged(values: list[Decimal], power: int) -> None:
    factors = [claim(f"f{i}", "", _text(v)) for i, v in enumerate(values)]
    exact = Decimal(1)
    for v in values:
        exact *= v
    result = run("product", "r", tuple(c.id for c in factors), *factors, claim("r", "", _text(exact * power)))
    assert result.verdict == "contradiction", result.arithmetic
    assert result.hint is not None
    assert f"{power:,} times" in result.hint


@given(st.integers(min_value=100, max_value=10**7), st.integers(min_value=100, max_value=10**7))
def test_a_growth_rounded_to_whole_percent_is_consistent(start: int, end: int) -> None:
    rate = (Decimal(end) - start) / start * 100
    rounded = str(rate.quantize(Decimal(1)))
    result = run(
        "growth",
        "g",
        ("a", "b"),
        claim("a", "", str(start)),
        claim("b", "", str(end)),
        claim("g", "%", rounded),
    )
    assert result.verdict == "consistent", result.arithmetic


@given(figures, figures)
def test_solving_for_a_factor_gives_it_back(a: Decimal, b: Decimal) -> None:
    product = a * b
    result = run(
        "product",
        "p",
        ("a", "b"),
        claim("a", "t", _text(a)),
        claim("b", "CNY/t"),
        claim("p", "CNY", _text(product)),
    )
    assert result.verdict == "derived"
    assert result.recomputed is not None
    assert abs(result.recomputed.value - b) <= abs(b) * Decimal("1e-20")
    assert result.recomputed.low <= b <= result.recomputed.high


@given(figures, figures, figures)
def test_span_arithmetic_contains_every_corner(a: Decimal, b: Decimal, c: Decimal) -> None:
    x, y = Span(a, a - 1, a + 1), Span(b, b / 2, b * 2)
    product, quotient = x * y, x / y
    for u in (a - 1, a + 1):
        for v in (b / 2, b * 2):
            assert product.low <= u * v <= product.high
            assert (
                quotient.low - abs(quotient.low) * Decimal("1e-30")
                <= u / v
                <= quotient.high * (1 + Decimal("1e-30"))
            )
    assert (Span.exact(c) + x).value == a + c
