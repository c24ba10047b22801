"""Case studies: the shipped files, normalisation arithmetic, totals, the source checks, bad files."""

from __future__ import annotations

import copy
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.domain.case_checks import check_cases
from ecoprocure.domain.case_files import SHIPPED_DIR, find_case, load_case, load_cases, parse_case
from ecoprocure.domain.case_model import CaseStudyError
from ecoprocure.domain.case_studies import aggregate, normalise, normalise_all
from ecoprocure.domain.money import ExchangeRates

ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = ROOT.parent / "shared" / "seeds"
SHIPPED = sorted(SHIPPED_DIR.glob("*.toml"))
SEED_CASES = {
    "shenzhen-office-electronics",
    "public-health-wales-furniture",
    "suwon-recycled-asphalt",
    "tianjin-binhai-school-furniture",
    "bristol-depot-lighting",
    "rotterdam-electric-vehicles",
    "oestecim-pv-charging",
    "estonia-ppa-cleaning",
}

MINIMAL: dict[str, Any] = {
    "id": "test-case",
    "year": 2020,
    "category": "vehicle",
    "title": {"en": "Test", "zh": "测试"},
    "authority": {"en": "A council"},
    "place": {"country": "NL", "city": {"en": "A town"}},
    "bought": {
        "what": {"en": "vans"},
        "item": {"en": "van"},
        "source": [{"document": "d.txt", "lang": "en", "quote": "4 vans", "value": "4", "unit": ""}],
    },
    "baseline": {"en": "diesel vans"},
    "criteria": {"text": {"en": "electric"}, "labels": []},
    "outcome": [
        {
            "id": "co2",
            "kind": "co2e",
            "what": {"en": "CO2e saved"},
            "period": "over_years",
            "years": 8,
            "confidence": "medium",
            "source": [{"document": "d.txt", "lang": "en", "quote": "80 t", "value": "80", "unit": "t"}],
        }
    ],
}


def case_from(data: dict[str, Any]):  # type: ignore[no-untyped-def]
    return parse_case(data, origin="test.toml", categories=frozenset({"vehicle"}))


def test_the_eight_seed_cases_ship() -> None:
    assert {case.id for case in load_cases()} == SEED_CASES


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_shipped_case_loads_in_english_and_chinese(path: Path) -> None:
    case = load_case(path)
    assert case.id == path.stem
    assert {"en", "zh"} <= set(case.languages)
    assert case.title["zh"] and case.authority["zh"]
    for outcome in case.outcomes:
        assert outcome.figure.readings, outcome.id


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_quote_is_in_its_seed_document(path: Path) -> None:
    if not SEEDS_DIR.is_dir():
        pytest.skip("the seed documents are not next to this checkout")
    case = load_case(path)
    figures = [o.figure for o in case.outcomes] + ([case.bought.quantity] if case.bought.quantity else [])
    for figure in figures:
        for reading in figure.readings:
            text = (SEEDS_DIR / reading.document).read_text(encoding="utf-8")
            assert reading.quote in text, (case.id, reading.quote)


# --- normalisation -------------------------------------------------------------------------------------


def rows_by_key(**kwargs: Any) -> dict[str, Any]:
    return {f"{r.case}.{r.outcome}": r for r in normalise_all(load_cases(), **kwargs)}


def test_over_n_years_is_divided_by_n_and_per_year_is_kept() -> None:
    rows = rows_by_key(currency="EUR")
    bristol = rows["bristol-depot-lighting.saving"]
    assert (bristol.total, bristol.annual, bristol.unit) == (Decimal("530554"), Decimal("53055.4"), "EUR")
    assert "530,554 EUR ÷ 10 years = 53,055.4 EUR/yr" in bristol.arithmetic
    oeste = rows["oestecim-pv-charging.co2"]
    assert oeste.annual * 12 == pytest.approx(Decimal("28.9"))
    assert rows["bristol-depot-lighting.co2e"].annual == Decimal("112")


def test_per_unit_divides_by_the_quantity_bought() -> None:
    rotterdam = rows_by_key()["rotterdam-electric-vehicles.co2"]
    assert (rotterdam.per_unit, rotterdam.per_unit_label) == (Decimal(33), "vehicle")
    assert "726 t/yr ÷ 22 vehicle = 33 t/yr per vehicle" in rotterdam.arithmetic


def test_multipliers_and_money_are_converted_with_the_case_years_rate() -> None:
    rows = rows_by_key(currency="EUR")
    assert rows["shenzhen-office-electronics.co2e"].total == Decimal(13600)
    suwon = rows["suwon-recycled-asphalt.benefit"]
    expected = ExchangeRates.shipped().convert(Decimal(800_000_000), "KRW", 2017, "EUR")
    assert suwon.total == expected.amount
    assert suwon.conversion is not None and suwon.conversion.rate_year == 2017
    assert "KRW" in suwon.conversion.source and "2017 annual averages" in suwon.arithmetic[-2]


def test_money_without_a_year_cannot_be_converted_and_says_why() -> None:
    data = copy.deepcopy(MINIMAL)
    del data["year"]
    data["year_note"] = "not in the sources"
    data["outcome"][0] |= {"kind": "money", "source": [data["outcome"][0]["source"][0] | {"unit": "EUR"}]}
    case = case_from(data)
    row = normalise(case, case.outcomes[0], currency="CNY")
    assert row.annual is None and row.problem is not None
    assert "needs the case's year" in row.problem and "not in the sources" in row.problem


@given(
    value=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e9"), places=3),
    years=st.integers(min_value=1, max_value=100),
    quantity=st.integers(min_value=1, max_value=100_000),
)
def test_per_year_times_n_is_the_total_and_per_unit_times_quantity_is_the_whole(
    value: Decimal, years: int, quantity: int
) -> None:
    data = copy.deepcopy(MINIMAL)
    data["bought"]["source"][0]["value"] = str(quantity)
    outcome = data["outcome"][0]
    outcome["years"] = years
    outcome["source"][0]["value"] = format(value, "f")
    case = case_from(data)
    row = normalise(case, case.outcomes[0])
    assert row.total == value
    assert row.annual is not None and row.per_unit is not None
    assert abs(row.annual * years - value) <= value * Decimal("1e-25")
    assert abs(row.per_unit * quantity - row.annual) <= row.annual * Decimal("1e-25")


@given(value=st.decimals(min_value=Decimal(0), max_value=Decimal("1e6"), places=2))
def test_an_item_figure_times_the_quantity_is_the_contracts(value: Decimal) -> None:
    data = copy.deepcopy(MINIMAL)
    data["outcome"][0] |= {"per": "item", "period": "per_year"}
    del data["outcome"][0]["years"]
    data["outcome"][0]["source"][0]["value"] = format(value, "f")
    case = case_from(data)
    row = normalise(case, case.outcomes[0])
    assert (row.per_unit, row.annual) == (value, value * 4)


def test_totals_add_per_year_figures_and_keep_one_off_and_unstated_apart() -> None:
    totals = aggregate(normalise_all(load_cases(), currency="EUR"))
    by_key = {(t.kind, t.basis): t for t in totals.totals}
    per_year = by_key[("co2e", "per_year")]
    assert {key for key, _ in per_year.terms} == {
        "bristol-depot-lighting.co2e",
        "rotterdam-electric-vehicles.co2",
        "oestecim-pv-charging.co2",
    }
    assert per_year.value == sum(v for _, v in per_year.terms)
    assert per_year.arithmetic.startswith("112 + ≈ 2.40833 + 726 = ≈ 840.408 t/yr")
    assert by_key[("co2e", "one_off")].value == 134
    assert by_key[("money", "per_year")].value == Decimal("53055.4")
    left_out = dict(totals.left_out)
    assert "period" in left_out["shenzhen-office-electronics.co2e"]
    assert "suwon-recycled-asphalt.benefit" in left_out


# --- the source checks ---------------------------------------------------------------------------------


def test_the_checker_flags_suwon_800_million_against_8_million_krw() -> None:
    results = {r.relation.id: r for r in check_cases(load_cases())}
    suwon = results["suwon-recycled-asphalt.benefit"]
    assert suwon.verdict == "contradiction"
    assert "≥ 800,000,000 KRW" in suwon.arithmetic and "8,000,000 KRW" in suwon.arithmetic
    assert suwon.hint is not None and "亿" in suwon.hint
    shenzhen = results["shenzhen-office-electronics.co2e"]
    assert shenzhen.verdict == "contradiction"
    assert shenzhen.hint is not None and "万" in shenzhen.hint
    assert results["suwon-recycled-asphalt.quantity"].verdict == "consistent"
    others = [r for key, r in results.items() if key not in {suwon.relation.id, shenzhen.relation.id}]
    assert others and all(r.verdict == "consistent" for r in others)


def test_a_figure_with_one_reading_is_not_checked() -> None:
    data = copy.deepcopy(MINIMAL)
    assert check_cases([case_from(data)]) == []
    data["outcome"][0]["source"].append(data["outcome"][0]["source"][0] | {"value": "8", "lang": "zh"})
    (result,) = check_cases([case_from(data)])
    assert (result.relation.id, result.verdict) == ("test-case.co2", "contradiction")


# --- bad files ---------------------------------------------------------------------------------------------


def _set(path: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value

    return change


BAD = [
    (_set("id", "Bad Id"), "test.toml: field id: 'Bad Id' is not an id"),
    (_set("colour", "green"), "test.toml: field colour: unknown field"),
    (_set("year", "2017"), "field year: '2017' is not a year"),
    (_set("year", KeyError), "field year_note: required when year is not given"),
    (_set("category", "cars"), "field category: 'cars' is not an ecoprocure category code"),
    (_set("place.country", "Netherlands"), "field place.country: 'Netherlands' is not an ISO 3166 code"),
    (_set("title", {"zh": "测试"}), "field title.en: required"),
    (_set("baseline", "diesel"), "field baseline: required: a table of texts by language"),
    (_set("outcome.0.kind", "smoke"), "outcome 'co2': field kind: 'smoke' is not one of co2e"),
    (_set("outcome.0.period", "per_year"), "outcome 'co2': field years: give the N of 'over N years'"),
    (_set("outcome.0.years", 0), "outcome 'co2': field years: 0 is not a positive number"),
    (_set("outcome.0.source", []), "outcome 'co2': field source: required"),
    (
        _set("outcome.0.source.0.value", 80.0),
        "source #1: field value: required: the figure as a string",
    ),
    (
        _set("outcome.0.source.0.value", "eighty"),
        "source #1: field value: 'eighty' is not a number",
    ),
    (
        _set("outcome.0.source.0.unit", "bananas"),
        "source #1: field unit: unknown unit 'bananas'",
    ),
    (_set("outcome.0.source.0.multiplier", "lakh"), "source #1: field multiplier: unknown multiplier 'lakh'"),
    (_set("outcome.0.source.0.lang", "English"), "source #1: field lang: 'English' is not a language code"),
    (_set("outcome.0.source.0.quote", ""), "outcome 'co2': source #1: field quote: required"),
    (_set("bought.item", KeyError), "bought: field item: required"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m for _, m in BAD])
def test_a_bad_file_names_the_file_entry_and_field(change: Any, message: str) -> None:
    data = copy.deepcopy(MINIMAL)
    change(data)
    with pytest.raises(CaseStudyError) as caught:
        case_from(data)
    assert message in str(caught.value)
    assert str(caught.value).startswith("test.toml: ")


def test_two_adopted_readings_and_duplicate_outcomes_are_refused() -> None:
    data = copy.deepcopy(MINIMAL)
    reading = data["outcome"][0]["source"][0] | {"adopted": True}
    data["outcome"][0]["source"] = [reading, reading]
    with pytest.raises(CaseStudyError, match="source #2: field adopted: only one reading"):
        case_from(data)
    data = copy.deepcopy(MINIMAL)
    data["outcome"].append(copy.deepcopy(data["outcome"][0]))
    with pytest.raises(CaseStudyError, match="outcome 'co2': field id: given twice"):
        case_from(data)


def test_files_that_are_not_toml_or_clash_with_a_shipped_id(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("id = ", encoding="utf-8")
    with pytest.raises(CaseStudyError, match=r"^broken.toml: not valid TOML"):
        load_case(broken)
    broken.unlink()
    clash = tmp_path / "mine.toml"
    shipped = tomllib.loads((SHIPPED_DIR / "bristol-depot-lighting.toml").read_text(encoding="utf-8"))
    assert shipped["id"] == "bristol-depot-lighting"
    clash.write_text(
        (SHIPPED_DIR / "bristol-depot-lighting.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(
        CaseStudyError, match=r"mine\.toml: field id: case 'bristol-depot-lighting' is already given"
    ):
        load_cases(tmp_path)
    with pytest.raises(CaseStudyError, match="no case 'nowhere'"):
        find_case(load_cases(), "nowhere")


def test_energy_and_water_go_to_canonical_units_and_a_wrong_unit_is_a_problem() -> None:
    data = copy.deepcopy(MINIMAL)
    energy = copy.deepcopy(data["outcome"][0]) | {"id": "power", "kind": "energy"}
    energy["source"] = [energy["source"][0] | {"value": "1,200", "unit": "kWh"}]
    water = copy.deepcopy(energy) | {"id": "water", "kind": "water"}
    water["source"] = [water["source"][0] | {"value": "5", "multiplier": "thousand", "unit": "L"}]
    wrong = copy.deepcopy(energy) | {"id": "wrong", "kind": "co2e"}
    data["outcome"] = [energy, water, wrong]
    case = case_from(data)
    power, litres, mismatch = (normalise(case, o) for o in case.outcomes)
    assert (power.unit, power.total, power.annual) == ("MWh", Decimal("1.2"), Decimal("0.15"))
    assert (litres.unit, litres.total) == ("m³", Decimal(5))
    assert "5 thousand = 5,000" in litres.arithmetic
    assert mismatch.problem is not None and "kWh" in mismatch.problem and mismatch.annual is None
    left_out = dict(aggregate([power, litres, mismatch]).left_out)
    assert list(left_out) == ["test-case.wrong"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("precision", "-1", "field precision: precision '-1' must not be negative"),
        ("precision", "a tenth", "field precision: 'a tenth' is not a number"),
        ("bound", "about", "field bound: 'about' is not lower or upper"),
    ],
)
def test_bad_precision_and_bound_name_their_field(field: str, value: str, message: str) -> None:
    data = copy.deepcopy(MINIMAL)
    data["outcome"][0]["source"][0][field] = value
    with pytest.raises(CaseStudyError, match=message):
        case_from(data)


@given(value=st.decimals(min_value=Decimal(0), max_value=Decimal("1e12"), places=2))
def test_a_value_written_with_thousands_commas_reads_back_exactly(value: Decimal) -> None:
    data = copy.deepcopy(MINIMAL)
    data["outcome"][0]["source"][0]["value"] = f"{value:,.2f}"
    reading = case_from(data).outcomes[0].figure.adopted
    assert reading.magnitude == value
    assert reading.value.tolerance == Decimal("0.005")


def test_every_kind_period_and_field_is_documented() -> None:
    from ecoprocure.domain.case_files import _OUTCOME, _READING, _TOP
    from ecoprocure.domain.case_model import CONFIDENCES, KINDS, PERIODS

    doc = (ROOT / "docs" / "case-studies.md").read_text(encoding="utf-8")
    example = doc.split("```toml", 1)[1].split("```", 1)[0]
    for word in (*KINDS, *PERIODS, *CONFIDENCES):
        assert word in example, word
    for field in (*_TOP, *_OUTCOME, *_READING):
        assert re.search(rf"^\[*{field}[\].= ]|\.{field}\]", example, flags=re.MULTILINE), field
    case = parse_case(tomllib.loads(example), origin="docs/case-studies.md")
    (row,) = normalise_all([case])
    assert (row.total, row.annual, row.per_unit) == (Decimal(1200), Decimal(150), Decimal("7.5"))
