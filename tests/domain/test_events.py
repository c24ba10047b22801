"""Carbon-neutral events: the inventory arithmetic, offsets counted or not, balance, declaration,
double counting, and the errors a bad event file gets (file, entry, field)."""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoprocure.domain.event_file import load_event, parse_event
from ecoprocure.domain.event_serials import parse_range
from ecoprocure.domain.event_units import tco2e
from ecoprocure.domain.events import Claim, EventFileError, add_months, check_event
from ecoprocure.domain.units import UnitError
from tests.domain.event_builders import EXAMPLE, event_text

AS_OF = dt.date(2026, 1, 1)


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_event(tomllib.loads(text), origin="e.toml")


def check(text: str, claims: list[Claim] | None = None):  # type: ignore[no-untyped-def]
    return check_event(parse(text), as_of=AS_OF, claims=claims)


def test_the_seed_example_neutralises_165833_t() -> None:
    result = check_event(load_event(EXAMPLE), as_of=AS_OF)
    assert result.inventory_total == Decimal(165833)
    assert result.by_scope == {1: Decimal(12000), 2: Decimal(27840), 3: Decimal(125993)}
    assert result.offsets_counted == Decimal(165833)
    assert result.by_type() == {"forestry_sink": 60000, "CCER": 60000, "VCS": 45833}
    assert result.balance == 0 and result.neutral
    assert result.problems == ()
    assert result.declaration() == (
        "Carbon neutrality of the preparation and operation of the 14th National Games and the 11th "
        "National Games for the Disabled achieved by Organization Committee of the 14th National Games "
        "& 11th National Games for the Disabled in accordance with PAS 2060:2014 on 2022-01-15 with "
        "independent third-party certification."
    )


def test_activity_times_factor_shows_its_arithmetic() -> None:
    result = check(event_text())
    power = result.event.emissions[0]
    assert power.tco2e == Decimal(1)
    assert power.arithmetic == "2000 kWh × 0.5 kg CO2e / kWh = 1 t CO2e"
    assert result.by_source == {"Venue electricity": Decimal(1), "Delegate travel": Decimal(9)}
    assert result.neutral and result.balance == 0


@pytest.mark.parametrize(
    ("activity", "unit", "factor", "factor_unit", "expected"),
    [
        ("1000", "L", "2.68", "kg CO2e / L", "2.68"),
        ("12", "MWh", "0.5568", "tCO2e/MWh", "6.6816"),
        ("5000", "passenger * km", "90", "g CO2e / (passenger * km)", "0.45"),
        ("3", "t", "1.5", "t CO2e / t", "4.5"),
    ],
)
def test_units_convert_to_tonnes(
    activity: str, unit: str, factor: str, factor_unit: str, expected: str
) -> None:
    assert tco2e(Decimal(activity), unit, Decimal(factor), factor_unit) == Decimal(expected)


@pytest.mark.parametrize(
    ("unit", "factor_unit", "message"),
    [
        ("L", "kg CO2e / km", "not a mass of CO2e"),
        ("kWh", "kg / kWh", "must name CO2e"),
        ("furlongs-ish", "kg CO2e / kWh", "not a unit pint knows"),
        ("night", "kg CO2e / meal", "not a mass of CO2e"),
    ],
)
def test_units_that_do_not_give_a_mass_are_refused(unit: str, factor_unit: str, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        tco2e(Decimal(1), unit, Decimal(1), factor_unit)


@given(st.decimals(min_value=0, max_value=10**9, places=3), st.decimals(min_value=0, max_value=100, places=4))
def test_kwh_times_kg_per_kwh_is_the_product_over_a_thousand(activity: Decimal, factor: Decimal) -> None:
    assert tco2e(activity, "kWh", factor, "kg CO2e / kWh") == activity * factor / 1000


def test_short_offsets_are_not_neutral() -> None:
    text = event_text(serial="VCS-TEST-1-9", quantity=9)
    result = check(text)
    assert not result.neutral
    assert result.balance == Decimal(-1)
    assert result.declaration() is None
    assert [p.kind for p in result.problems] == ["balance"]


def test_reductions_are_reported_not_subtracted() -> None:
    text = event_text(serial="VCS-TEST-1-9", quantity=9)
    text += '\n[[reduction]]\nid = "led"\nmeasure = "LED lighting"\ntco2e = 5\nsource = "meter"\n'
    result = check(text)
    assert result.balance == Decimal(-1) and not result.neutral
    assert result.to_dict()["reductions"]["total_tco2e"] == "5"


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("retired_on = 2024-06-01", "", "not retired"),
        ("retired_on = 2024-06-01", "retired_on = 2025-07-02", "later than 12 months after"),
        ("retired_on = 2024-06-01", "retired_on = 2026-03-01", "not retired yet"),
        ("vintage = 2023", "vintage = 2018", "older than 5 years"),
        ("vintage = 2023", "vintage = 2025", "after the retirement year"),
    ],
)
def test_offsets_not_counted_say_why(old: str, new: str, reason: str) -> None:
    result = check(event_text().replace(old, new))
    (verdict,) = result.offsets
    assert not verdict.counted
    assert any(reason in r for r in verdict.reasons), verdict.reasons
    assert not result.neutral
    assert any(p.kind == "offset_not_counted" and reason in p.message for p in result.problems)


def test_rules_are_configurable() -> None:
    text = event_text().replace("vintage = 2023", "vintage = 2016") + "\n[rules]\nmax_vintage_age = 10\n"
    assert check(text).neutral


def test_a_serial_claimed_by_another_event_is_not_counted() -> None:
    claim = Claim("other-event", "x", parse_range("vcs-test-5-5"), "other.toml")
    result = check(event_text(), [claim])
    assert not result.neutral
    (problem,) = result.double_counted
    assert "'conf-2024'" in problem.message and "'other-event'" in problem.message
    assert "VCS-TEST-1-10" in problem.message and "vcs-test-5-5" in problem.message
    same_event = Claim("conf-2024", "vcs", parse_range("VCS-TEST-1-10"), "ledger")
    assert check(event_text(), [same_event]).neutral  # its own registration is no conflict


def test_declaration_names_the_verification_type() -> None:
    result = check(event_text())
    assert result.declaration() == (
        "Carbon neutrality of Test conference achieved by Test organiser in accordance with "
        "PAS 2060:2014 on 2024-07-01 with other party validation."
    )
    no_verification = check(event_text().split("[verification]")[0])
    assert no_verification.declaration() is None
    assert any(p.kind == "verification" for p in no_verification.problems)


def test_add_months_clamps_the_day() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 11, 15), 14) == dt.date(2026, 1, 15)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("quantity = 10", "quantity = -10", "e.toml: offset 'vcs' (#1): field quantity: -10 is negative"),
        ("quantity = 10", "quantity = 11", "field quantity: 11 t but serial range 'VCS-TEST-1-10' holds 10"),
        ("quantity = 10", 'quantity = "ten"', "offset 'vcs' (#1): field quantity: 'ten' is not a number"),
        ("tco2e = 9", "tco2e = -9", "emission 'travel' (#2): field tco2e: -9 is negative"),
        ("scope = 2", "scope = 4", "emission 'power' (#1): field scope: 4: use 1"),
        ('type = "VCS"', 'type = "BOGUS"', "offset 'vcs' (#1): field type: 'BOGUS': allowed forestry_sink"),
        ('type = "other_party"', 'type = "friend"', "[verification]: field type: 'friend'"),
        ("activity = 2000", "activity = 2000\ncolour = 1", "'power' (#1): field colour: unknown field"),
        ('factor_unit = "kg CO2e / kWh"', 'factor_unit = "kg CO2e / km"', "'power' (#1): activity_unit"),
        ('serial_range = "VCS-TEST-1-10"', 'serial_range = "VCS-10-1"', "field serial_range: serial range"),
        ("end = 2024-05-03", "end = 2024-04-03", "[event]: field end: 2024-04-03 is before start"),
        ('factor_source = "test factor"', "", "emission 'power' (#1): field factor_source: required"),
        ("tco2e_source", "tco2e_sauce", "field tco2e_sauce: unknown field"),
    ],
)
def test_bad_input_names_file_entry_and_field(old: str, new: str, message: str) -> None:
    with pytest.raises(EventFileError) as caught:
        parse(event_text().replace(old, new, 1))
    assert message in str(caught.value)


def test_overlapping_serials_inside_one_event_are_refused() -> None:
    second = (
        '\n[[offset]]\nid = "vcs-2"\ntype = "VCS"\nregistry = "Verra"\nserial_range = "vcs-test-10-12"\n'
        "vintage = 2023\nquantity = 3\nretired_on = 2024-06-01\n"
    )
    with pytest.raises(EventFileError, match=r"offset 'vcs-2': field serial: overlaps offset 'vcs'"):
        parse(event_text() + second)


def test_duplicate_ids_and_missing_event_are_refused(tmp_path: Path) -> None:
    doubled = event_text().replace('id = "travel"', 'id = "power"')
    with pytest.raises(EventFileError, match=r"emission 'power' \(#2\): field id: 'power' is given twice"):
        parse(doubled)
    with pytest.raises(EventFileError, match=r"e.toml: \[event\]: required"):
        parse('[[emission]]\nid = "x"\n')
    broken = tmp_path / "broken.toml"
    broken.write_text("[event\n", encoding="utf-8")
    with pytest.raises(EventFileError, match=r"broken\.toml: not valid TOML"):
        load_event(broken)


amounts = st.decimals(min_value=0, max_value=10**7, places=3)


inventory_lines = st.lists(st.tuples(st.sampled_from([1, 2, 3]), st.sampled_from("abc"), amounts), max_size=8)


@settings(max_examples=60)
@given(inventory_lines, amounts)
def test_totals_add_up_by_scope_and_by_source(
    lines: list[tuple[int, str, Decimal]], retired: Decimal
) -> None:
    text = event_text().split("[[emission]]")[0]
    for number, (scope, source, value) in enumerate(lines):
        text += (
            f'[[emission]]\nid = "l{number}"\nscope = {scope}\nsource = "{source}"\n'
            f'tco2e = "{value}"\ntco2e_source = "s"\n'
        )
    if retired > 0:
        text += (
            '[[offset]]\nid = "o"\ntype = "GS"\nregistry = "GS"\nserial = "GS-1"\n'
            f'vintage = 2023\nquantity = "{retired}"\nretired_on = 2024-06-01\n'
        )
    text += '[verification]\ntype = "self"\ndate = 2024-07-01\n'
    result = check(text)
    total = sum((value for _, _, value in lines), Decimal(0))
    assert result.inventory_total == total == sum(result.by_scope.values()) == sum(result.by_source.values())
    assert result.balance == retired - total
    assert result.neutral == (total > 0 and retired >= total)
    assert (result.declaration() is not None) == result.neutral
