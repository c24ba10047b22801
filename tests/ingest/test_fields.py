"""Single field values: dates, GTINs, JSON attributes; errors name the field."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.errors import DataError
from ecoprocure.ingest.fields import (
    FieldError,
    gtin_check_digit_ok,
    numeric_or_text,
    optional_date,
    parse_attributes,
    parse_date,
    parse_gtin,
    required,
)

MARCH_5 = dt.date(2021, 3, 5)


@pytest.mark.parametrize(
    "text",
    [
        "2021-03-05",
        "2021-3-5",
        "2021/3/5",
        "2021/03/05",
        "2021.03.05",
        "2021年3月5日",
        "2021年03月05日",
        "20210305",
        " 2021-03-05 ",
    ],
)
def test_parse_date_accepts_common_spellings(text: str) -> None:
    assert parse_date("issued_on", text) == MARCH_5


def test_parse_date_us_order_only_when_asked() -> None:
    assert parse_date("Date Certified", "03/05/2021", us_order=True) == MARCH_5
    assert parse_date("Date Certified", "3/5/2021", us_order=True) == MARCH_5
    # ISO spellings still work in US mode
    assert parse_date("Date Certified", "2021-03-05", us_order=True) == MARCH_5
    with pytest.raises(FieldError) as caught:
        parse_date("issued_on", "03/05/2021")
    assert caught.value.field == "issued_on"
    assert str(caught.value) == "issued_on: '03/05/2021' is not a date; write it as YYYY-MM-DD"


@pytest.mark.parametrize("text", ["2021-02-30", "2021-13-01", "2021-00-10", "20210230", "2021年2月29日"])
def test_parse_date_rejects_impossible_dates(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_date("expires_on", text)
    error = caught.value
    assert error.field == "expires_on"
    assert error.value == text
    assert str(error).startswith(f"expires_on: {text!r} is not a real date (")
    assert isinstance(error, DataError)
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "2021-03", "21-03-05", "2021-03-05T10:00", "05.03.2021", "2021-03-05-01", "２０２１"],
)
def test_parse_date_rejects_garbage(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_date("issued_on", text)
    assert caught.value.field == "issued_on"
    assert caught.value.reason == f"{text!r} is not a date; write it as YYYY-MM-DD"


def test_us_error_names_the_us_format() -> None:
    with pytest.raises(FieldError, match=r"^Date Certified: '13/45/2019' is not a real date"):
        parse_date("Date Certified", "13/45/2019", us_order=True)
    with pytest.raises(FieldError, match=r"write it as MM/DD/YYYY$"):
        parse_date("Date Certified", "soon", us_order=True)


def test_optional_date() -> None:
    assert optional_date("expires_on", None) is None
    assert optional_date("expires_on", "   ") is None
    assert optional_date("expires_on", "2021-03-05") == MARCH_5
    with pytest.raises(FieldError):
        optional_date("expires_on", "never")


@given(st.dates())
def test_parse_date_round_trips_isoformat(day: dt.date) -> None:
    assert parse_date("d", day.isoformat()) == day


@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_parse_date_round_trips_other_spellings(day: dt.date) -> None:
    y, m, d = day.year, day.month, day.day
    assert parse_date("d", f"{y}/{m}/{d}") == day
    assert parse_date("d", f"{y}.{m:02d}.{d:02d}") == day
    assert parse_date("d", f"{y}年{m}月{d}日") == day
    assert parse_date("d", f"{y:04d}{m:02d}{d:02d}") == day
    assert parse_date("d", f"{m}/{d}/{y}", us_order=True) == day


# --- GTIN ----------------------------------------------------------------------------------------


def gs1_check_digit(body: str) -> str:
    """GS1 General Specifications 7.9.1: weights 3,1,3,1… from the right of the body."""
    total = sum(int(digit) * (3 if i % 2 == 0 else 1) for i, digit in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def test_gs1_check_digit_of_known_codes() -> None:
    assert gs1_check_digit("400638133393") == "1"  # GS1's own GTIN-13 example 4006381333931
    assert gs1_check_digit("03600029145") == "2"  # UPC-A 036000291452
    assert gs1_check_digit("9638507") == "4"  # EAN-8 96385074


@pytest.mark.parametrize("code", ["4006381333931", "036000291452", "96385074", "10614141000415"])
def test_parse_gtin_accepts_valid_codes_as_gtin14(code: str) -> None:
    assert parse_gtin("gtin", code) == code.zfill(14)


def test_parse_gtin_strips_spaces_and_allows_empty() -> None:
    assert parse_gtin("gtin", " 4006381 333931 ") == "04006381333931"
    assert parse_gtin("gtin", "") is None
    assert parse_gtin("gtin", "   ") is None


@pytest.mark.parametrize(
    "code", ["123", "400638133393X", "40063813339311", "4006-381333931", "123456789012345"]
)
def test_parse_gtin_rejects_non_gtins(code: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_gtin("gtin", code)
    assert caught.value.field == "gtin"
    assert caught.value.reason in (
        f"{code!r} is not a GTIN (8, 12, 13 or 14 digits)",
        f"{code!r} has a wrong GTIN check digit",
    )


def test_parse_gtin_wrong_check_digit_message() -> None:
    with pytest.raises(FieldError) as caught:
        parse_gtin("gtin", "4006381333932")
    assert str(caught.value) == "gtin: '4006381333932' has a wrong GTIN check digit"


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 9))
def test_gs1_built_gtin13_passes_and_changed_last_digit_fails(body: str, shift: int) -> None:
    code = body + gs1_check_digit(body)
    assert gtin_check_digit_ok(code)
    assert parse_gtin("gtin", code) == "0" + code
    wrong = body + str((int(code[-1]) + shift) % 10)
    assert not gtin_check_digit_ok(wrong)
    with pytest.raises(FieldError, match="wrong GTIN check digit"):
        parse_gtin("gtin", wrong)


@given(
    st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n))
)
def test_every_gtin_length_uses_the_same_check(body: str) -> None:
    assert parse_gtin("gtin", body + gs1_check_digit(body)) == (body + gs1_check_digit(body)).zfill(14)


# --- attributes ----------------------------------------------------------------------------------


def test_parse_attributes_object() -> None:
    assert parse_attributes("attributes", '{"power_w": 12.5, "颜色": "黑"}') == {
        "power_w": 12.5,
        "颜色": "黑",
    }
    assert parse_attributes("attributes", "  ") == {}


@pytest.mark.parametrize("text", ["[1, 2]", '"text"', "12", "null", "true"])
def test_parse_attributes_refuses_non_objects(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_attributes("attributes", text)
    assert str(caught.value) == 'attributes: must be a JSON object like {"power_w": 12.5}'


def test_parse_attributes_refuses_broken_json_with_position() -> None:
    with pytest.raises(FieldError) as caught:
        parse_attributes("attributes", '{"power_w": }')
    assert caught.value.field == "attributes"
    assert caught.value.reason == "not a JSON object: Expecting value at character 12"


@given(st.dictionaries(st.text(), st.one_of(st.integers(), st.text(), st.booleans(), st.none())))
def test_parse_attributes_round_trips_json_objects(value: dict[str, object]) -> None:
    import json

    assert parse_attributes("attributes", json.dumps(value)) == value


# --- helpers -------------------------------------------------------------------------------------


def test_required() -> None:
    assert required({"number": "  CEC-1 "}, "number") == "CEC-1"
    for values in ({}, {"number": ""}, {"number": "  "}):
        with pytest.raises(FieldError) as caught:
            required(values, "number")
        assert str(caught.value) == "number: is required and empty"


def test_numeric_or_text() -> None:
    assert numeric_or_text("12.5") == 12.5
    assert numeric_or_text("7") == 7.0
    assert numeric_or_text("Sleep Mode") == "Sleep Mode"


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-Infinity", "1e999"])
def test_numeric_or_text_keeps_non_finite_numbers_as_text(text: str) -> None:
    # NaN and infinities are not JSON: PostgreSQL's json type refuses them.
    assert numeric_or_text(text) == text


@given(st.text())
def test_numeric_or_text_gives_text_or_a_finite_number(value: str) -> None:
    import math

    result = numeric_or_text(value)
    assert result == value or (isinstance(result, float) and math.isfinite(result))
