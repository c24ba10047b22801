"""Factor sets: the shipped default, every rejection rule (file, row, field), unit arithmetic."""

from __future__ import annotations

import csv
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoprocure.domain.factor_files import shipped_impacts
from ecoprocure.domain.factor_model import FactorRow, FactorSet, Impact, row_values
from ecoprocure.domain.factors import (
    COLUMNS,
    DEFAULT_FACTOR_SET,
    SHIPPED_DIR,
    FactorSetError,
    FactorUnitError,
    available_factor_sets,
    find_factor_set,
    load_factor_set,
)
from ecoprocure.errors import DataError, NotFound

DEFAULT_DIR = SHIPPED_DIR / "default"
FACTORS_DOC = (Path(__file__).resolve().parents[2] / "docs" / "factors.md").read_text(encoding="utf-8")
USEEIO = Path(
    "/work/shared/data/factors/useeio-supply-chain-v1.3.0/SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv"
)

METADATA = """\
name = "test-set"
version = "1"
region = "CN"
valid_from = 2021
valid_to = 2022
description = "A small set for tests."
licence = "CC0-1.0"

[[sources]]
id = "src-a"
title = "Source A"
publisher = "Publisher A"
year = 2020
url = "https://example.org/a"

[[sources]]
id = "src-b"
title = "Source B"
publisher = "Publisher B"
locator = "table 2"
"""

# Row 2: per functional unit; row 3: baseline vs labelled, annual; row 4: per spend.
ROWS = [
    {
        "category": "office.furniture",
        "impact": "voc",
        "basis": "per_functional_unit",
        "phase": "production",
        "functional_unit": "piece",
        "value_unit": "kg",
        "low": "0.1",
        "central": "0.3",
        "high": "1",
        "distribution": "triangular",
        "confidence": "L",
        "assumption": "true",
        "source_ids": "src-a",
        "derivation": "0.6 kg coating x 0.5",
    },
    {
        "category": "ict.computer.desktop",
        "impact": "electricity",
        "basis": "baseline_vs_labelled",
        "phase": "use",
        "functional_unit": "piece",
        "value_unit": "kWh",
        "baseline": "198",
        "labelled": "148",
        "low": "0",
        "high": "100",
        "per_year": "true",
        "lifetime_years": "5",
        "distribution": "triangular",
        "confidence": "M",
        "assumption": "false",
        "source_ids": "src-a;src-b",
        "derivation": "grade 3 - grade 2",
    },
    {
        "category": "paper.copy",
        "impact": "co2e",
        "measure": "footprint",
        "basis": "per_spend",
        "phase": "production",
        "value_unit": "kg",
        "low": "0.3",
        "central": "0.649",
        "high": "2",
        "spend_currency": "USD",
        "spend_year": "2022",
        "distribution": "none",
        "confidence": "L",
        "assumption": "false",
        "source_ids": "src-b",
        "derivation": "USEEIO 322121",
    },
]


def write_set(folder: Path, rows: list[dict[str, str]] | None = None, metadata: str = METADATA) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "factor-set.toml").write_text(metadata, encoding="utf-8")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: r.get(c, "") for c in COLUMNS} for r in (ROWS if rows is None else rows))
    (folder / "rows.csv").write_text(buffer.getvalue(), encoding="utf-8")
    return folder


def with_cell(index: int, **cells: str) -> list[dict[str, str]]:
    rows = [dict(r) for r in ROWS]
    rows[index].update(cells)
    return rows


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(FactorSetError) as info:
        load_factor_set(folder)
    return [str(p) for p in info.value.problems]


# --- the shipped default set ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def default() -> FactorSet:
    return load_factor_set(DEFAULT_DIR)


def test_the_default_set_loads_with_its_metadata(default: FactorSet) -> None:
    info = default.info
    assert (info.name, info.version, info.region) == (DEFAULT_FACTOR_SET, "2026.1", "CN")
    assert (info.valid_from, info.valid_to) == (2021, 2025) and info.covers(2023) and not info.covers(2020)
    assert len(default) == 64
    assert sum(r.assumption for r in default.rows) == 25
    assert all(r.derivation and r.source_ids for r in default.rows)
    used = {s for r in default.rows for s in r.source_ids}
    assert used == {s.id for s in info.sources}, "every source is cited and every cited source exists"


@pytest.mark.parametrize(
    ("category", "impacts"),
    [
        ("office.furniture", {"voc", "formaldehyde", "co2e"}),
        ("office.furniture.school", {"voc", "formaldehyde", "co2e"}),
        ("chem.paint", {"voc", "co2e"}),
        ("ict.computer.desktop", {"electricity", "co2", "so2", "nox", "co2e"}),
        ("ict.computer.portable", {"electricity", "co2", "so2", "nox", "co2e"}),
        ("ict.monitor", {"electricity", "co2", "so2", "nox", "co2e"}),
        ("ict.printer", {"electricity", "co2", "so2", "nox", "co2e"}),
        ("paper.copy", {"cod", "tp", "nh3_n", "water", "co2e"}),
    ],
)
def test_the_default_set_covers_the_seed_categories(
    default: FactorSet, category: str, impacts: set[str]
) -> None:
    assert {r.impact for r in default.rows_for(category)} == impacts


def test_every_category_with_a_unit_has_a_spend_based_fallback(default: FactorSet) -> None:
    with_unit = {code for code, unit in default.categories.items() if unit}
    spend = {r.category for r in default.rows if r.basis == "per_spend"}
    assert spend == with_unit
    assert all(
        r.measure == "footprint" and r.spend_currency == "USD" for r in default.rows if r.basis == "per_spend"
    )


@pytest.mark.skipif(not USEEIO.exists(), reason="the shared USEEIO file is not on this machine")
def test_spend_based_rows_are_the_useeio_values_with_margins(default: FactorSet) -> None:
    with USEEIO.open(encoding="utf-8") as fh:
        by_code = {r["2017 NAICS Code"]: r for r in csv.DictReader(fh)}
    for row in (r for r in default.rows if r.basis == "per_spend"):
        naics = row.derivation.split("NAICS ")[1].split()[0]
        assert row.central == Decimal(by_code[naics]["Supply Chain Emission Factors with Margins"]), (
            row.category
        )


def test_electronics_pollutants_are_electricity_times_the_stated_grid_factors(default: FactorSet) -> None:
    factors = {"co2": Decimal("0.5568"), "so2": Decimal("0.0521"), "nox": Decimal("0.0857")}
    for category in ("ict.computer.desktop", "ict.computer.portable", "ict.monitor", "ict.printer"):
        electricity = default.rows_for(category, "electricity")[0].central
        for impact, factor in factors.items():
            (row,) = default.rows_for(category, impact)
            assert row.central == electricity * factor, (category, impact)
            assert row.per_year and row.lifetime_years and row.assumption


def test_default_values_come_in_the_canonical_unit_per_category_unit(default: FactorSet) -> None:
    paint = default.values(default.rows_for("chem.paint", "voc")[0])
    assert (paint.unit, paint.per, paint.magnitudes()) == ("kg", "L", (0, Decimal("0.03"), Decimal("0.07")))
    # The DESNZ row is per tonne; the category counts kilograms.
    plastic = next(r for r in default.rows_for("packaging.plastic") if r.basis == "per_functional_unit")
    assert (plastic.functional_unit, default.categories["packaging.plastic"]) == ("t", "kg")
    assert default.values(plastic).central.magnitude == Decimal("3.16478049")
    cod = default.values(default.rows_for("paper.copy", "cod")[0])
    assert cod.to("g").central.magnitude == 800
    furniture = default.values(default.rows_for("office.furniture", "formaldehyde")[0])
    assert furniture.annual and furniture.over_lifetime().magnitudes()[1] == Decimal("0.0259296")


def test_rows_inherit_from_the_nearest_ancestor_only_when_asked(default: FactorSet) -> None:
    assert default.rows_for("ict.computer.tablet", "electricity") == ()
    assert default.rows_for("office.furniture.school", "voc")[0].category == "office.furniture.school"
    assert default.rows_for("ict.computer", "electricity", inherit=True) == ()
    assert default.rows_for("ict.computer.tablet", "co2e")[0].category == "ict.computer.tablet"


@pytest.mark.parametrize("word", [*COLUMNS, *shipped_impacts()])
def test_every_column_and_impact_is_documented(word: str) -> None:
    assert f"`{word}`" in FACTORS_DOC


# --- a valid small set ---------------------------------------------------------------------------


def test_a_small_valid_set_loads_and_fills_baseline_rows(tmp_path: Path) -> None:
    fs = load_factor_set(write_set(tmp_path / "s"))
    desktop = fs.rows_for("ict.computer.desktop")[0]
    assert (desktop.low, desktop.central, desktop.high) == (0, 50, 100)
    spend = fs.values(fs.rows_for("paper.copy")[0])
    assert (spend.per_kind, spend.per, spend.per_year, spend.measure) == ("spend", "USD", 2022, "footprint")
    assert fs.rows_for("office.furniture")[0].measure == "reduction"


def test_a_user_set_may_define_its_own_impacts(tmp_path: Path) -> None:
    metadata = (
        METADATA + '\n[[impacts]]\ncode = "pm25"\ntype = "air"\ncanonical_unit = "kg"\nname_en = "PM2.5"\n'
    )
    rows = with_cell(0, impact="pm25", value_unit="g")
    fs = load_factor_set(write_set(tmp_path / "s", rows, metadata))
    assert fs.values(fs.rows_for("office.furniture", "pm25")[0]).central.magnitude == Decimal("0.0003")


# --- rejection rules: each names file, row and field ---------------------------------------------

REJECTIONS = [
    (0, {"category": "office.sofa"}, "rows.csv: row 2: field category: unknown category 'office.sofa'"),
    (0, {"impact": "smog"}, "rows.csv: row 2: field impact: unknown impact 'smog'"),
    (0, {"value_unit": "kgg"}, "rows.csv: row 2: field value_unit: 'kgg' is not a unit pint can read"),
    (
        0,
        {"value_unit": "kWh"},
        "rows.csv: row 2: field value_unit: 'kWh' (energy) does not convert to voc's unit 'kg' (mass)",
    ),
    (
        0,
        {"functional_unit": "kg"},
        "rows.csv: row 2: field functional_unit: 'kg' (mass) does not convert to office.furniture's "
        "functional unit 'piece'",
    ),
    (
        0,
        {"functional_unit": ""},
        "rows.csv: row 2: field functional_unit: required for basis=per_functional_unit",
    ),
    (
        0,
        {"category": "office"},
        "rows.csv: row 2: field category: office is a grouping node without a functional unit",
    ),
    (0, {"low": "0.5"}, "rows.csv: row 2: field central: low <= central <= high does not hold (0.5, 0.3, 1)"),
    (0, {"high": "0.2"}, "rows.csv: row 2: field central: low <= central <= high does not hold"),
    (0, {"central": "1,5"}, "rows.csv: row 2: field central: '1,5' is not a number"),
    (0, {"central": ""}, "rows.csv: row 2: field central: required"),
    (0, {"baseline": "3"}, "rows.csv: row 2: field baseline: must be empty"),
    (
        0,
        {"spend_currency": "USD"},
        "rows.csv: row 2: field spend_currency: must be empty: only used with basis=per_spend",
    ),
    (0, {"source_ids": "src-z"}, "rows.csv: row 2: field source_ids: 'src-z' is not a source of test-set"),
    (0, {"source_ids": ""}, "rows.csv: row 2: field source_ids: required"),
    (
        0,
        {"per_year": "true", "lifetime_years": "5"},
        "rows.csv: row 2: field per_year: annual values only make sense for phase=use",
    ),
    (0, {"lifetime_years": "5"}, "rows.csv: row 2: field lifetime_years: only used with phase=use"),
    (0, {"assumption": "yes"}, "rows.csv: row 2: field assumption: 'yes' is not true or false"),
    (0, {"derivation": ""}, "rows.csv: row 2: field derivation: required"),
    (
        0,
        {"confidence": "high"},
        "rows.csv: row 2: field confidence: 'high' is not allowed; use one of H, M, L",
    ),
    (0, {"basis": "per_piece"}, "rows.csv: row 2: field basis: 'per_piece' is not allowed"),
    (
        0,
        {"phase": "disposal"},
        "rows.csv: row 2: field phase: 'disposal' is not allowed; use one of production, use, end_of_life",
    ),
    (0, {"distribution": "lognormal"}, "rows.csv: row 2: field distribution: 'lognormal' is not allowed"),
    (0, {"low": "0.3", "high": "0.3"}, "rows.csv: row 2: field distribution: triangular needs low < high"),
    (
        1,
        {"labelled": "250"},
        "rows.csv: row 3: field labelled: labelled 250 is above baseline 198: not a reduction",
    ),
    (1, {"central": "40"}, "rows.csv: row 3: field central: 40 is not baseline - labelled = 50"),
    (1, {"lifetime_years": ""}, "rows.csv: row 3: field lifetime_years: required when per_year=true"),
    (
        1,
        {"lifetime_years": "0"},
        "rows.csv: row 3: field lifetime_years: 0 is not a positive number of years",
    ),
    (1, {"measure": "footprint"}, "rows.csv: row 3: field basis: baseline_vs_labelled gives a reduction"),
    (1, {"labelled": ""}, "rows.csv: row 3: field labelled: required"),
    (2, {"spend_currency": ""}, "rows.csv: row 4: field spend_currency: required"),
    (2, {"spend_currency": "usd"}, "rows.csv: row 4: field spend_currency: 'usd' is not an ISO 4217 code"),
    (2, {"spend_year": "22"}, "rows.csv: row 4: field spend_year: '22' is not a year"),
    (2, {"functional_unit": "t"}, "rows.csv: row 4: field functional_unit: leave it empty for per_spend"),
    (2, {"low": "-0.1"}, "rows.csv: row 4: field low: a footprint cannot be negative"),
]


@pytest.mark.parametrize(
    ("index", "cells", "message"), REJECTIONS, ids=[m.split(": ")[2] + ":" + str(c) for _, c, m in REJECTIONS]
)
def test_each_rule_refuses_the_row_naming_file_row_and_field(
    tmp_path: Path, index: int, cells: dict[str, str], message: str
) -> None:
    problems = problems_of(write_set(tmp_path / "s", with_cell(index, **cells)))
    assert any(p.startswith(message) for p in problems), problems


def test_units_of_the_same_dimension_are_accepted(tmp_path: Path) -> None:
    rows = with_cell(0, value_unit="t", functional_unit="unece_piece")
    fs = load_factor_set(write_set(tmp_path / "s", rows))
    assert fs.values(fs.rows[0]).central.magnitude == 300  # 0.3 t per piece = 300 kg


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    rows = with_cell(0, category="office.sofa", value_unit="kWh")
    rows[2]["spend_year"] = ""
    problems = problems_of(write_set(tmp_path / "s", rows))
    assert [p.split(": field ")[0] for p in problems] == [
        "rows.csv: row 2",
        "rows.csv: row 2",
        "rows.csv: row 4",
    ]


def test_duplicate_rows_are_refused(tmp_path: Path) -> None:
    problems = problems_of(write_set(tmp_path / "s", [*ROWS, ROWS[0]]))
    assert problems == ["rows.csv: row 5: same category, impact, measure, basis and phase as row 2"]


def test_missing_and_unknown_columns_are_named(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "s")
    text = (folder / "rows.csv").read_text(encoding="utf-8")
    (folder / "rows.csv").write_text(text.replace("derivation", "notes", 1), encoding="utf-8")
    assert problems_of(folder) == [
        "rows.csv: row 1: missing columns: derivation",
        f"rows.csv: row 1: unknown columns: notes; allowed: {', '.join(COLUMNS)}",
    ]


def test_the_error_message_names_the_first_problem_and_counts_the_rest(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "s", with_cell(0, category="office.sofa", impact="smog"))
    with pytest.raises(
        FactorSetError,
        match=r"rows.csv: row 2: field category: .* \(and 1 more; run `ecoprocure factors check",
    ):
        load_factor_set(folder)


METADATA_REJECTIONS = [
    ('name = "test-set"\n', "", "factor-set.toml: field name: required"),
    (
        'name = "test-set"',
        'name = "Test Set"',
        "factor-set.toml: field name: 'Test Set': use lower-case letters",
    ),
    (
        'version = "1"',
        "version = 2026.1",
        "factor-set.toml: field version: must be a non-empty string "
        '(write it as a string: version = "2026.1")',
    ),
    ("valid_to = 2022", "valid_to = 2019", "factor-set.toml: field valid_to: 2019 is before valid_from 2021"),
    ("valid_from = 2021", 'valid_from = "2021"', "factor-set.toml: field valid_from: '2021' is not a year"),
    ('url = "https://example.org/a"', "", "factor-set.toml: field sources[0].url: give a url or a locator"),
    (
        'id = "src-b"',
        'id = "src-a"',
        "factor-set.toml: field sources[1].id: 'src-a' is already used by another source",
    ),
    (
        'licence = "CC0-1.0"',
        'licence = "CC0-1.0"\nlicense = "x"',
        "factor-set.toml: field license: unknown key; allowed:",
    ),
    ('title = "Source A"\n', "", "factor-set.toml: field sources[0].title: required"),
    (
        'licence = "CC0-1.0"',
        'licence = "CC0-1.0"\nrows = "../rows.csv"',
        "factor-set.toml: field rows: '../rows.csv': give a file name",
    ),
    ("[[sources]]", "[[source]]", "factor-set.toml: field source: unknown key"),
    ('region = "CN"', "region = ", "factor-set.toml: cannot read: "),
]


@pytest.mark.parametrize(("old", "new", "message"), METADATA_REJECTIONS)
def test_metadata_problems_name_the_file_and_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in METADATA
    problems = problems_of(write_set(tmp_path / "s", metadata=METADATA.replace(old, new, 1)))
    assert any(p.startswith(message) for p in problems), problems


def test_an_impact_may_not_be_defined_twice(tmp_path: Path) -> None:
    metadata = (
        METADATA + '\n[[impacts]]\ncode = "voc"\ntype = "air"\ncanonical_unit = "kg"\nname_en = "VOC"\n'
    )
    assert problems_of(write_set(tmp_path / "s", metadata=metadata)) == [
        "factor-set.toml: field impacts[0].code: impact 'voc' is already defined"
    ]


def test_a_folder_without_a_factor_set_is_named(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert problems_of(tmp_path / "empty") == [f"factor-set.toml: no factor-set.toml in {tmp_path / 'empty'}"]
    assert problems_of(tmp_path / "missing") == [
        f"{tmp_path / 'missing'}: is not a folder holding a factor set"
    ]


# --- finding sets --------------------------------------------------------------------------------


def test_available_sets_list_shipped_then_user_sets_and_say_why_one_is_broken(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_set(home / "factors" / "mine")
    (home / "factors" / "broken").mkdir(parents=True)
    (home / "factors" / "broken" / "factor-set.toml").write_text("name = 1\n", encoding="utf-8")
    entries = available_factor_sets(home)
    assert [(e.name, e.origin) for e in entries] == [
        (DEFAULT_FACTOR_SET, "shipped"),
        ("broken", "user"),
        ("test-set", "user"),
    ]
    assert entries[1].info is None and "factor-set.toml: field version: required" in (entries[1].error or "")


def test_find_a_set_by_name_or_path_and_refuse_unknown_or_ambiguous_names(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_set(home / "factors" / "mine")
    assert find_factor_set("test-set", home).info.origin == "user"
    assert find_factor_set(DEFAULT_FACTOR_SET, home).info.origin == "shipped"
    assert find_factor_set(str(home / "factors" / "mine")).name == "test-set"
    with pytest.raises(
        NotFound, match=r"no factor set named 'nope'; available: ecoprocure-default-cn, test-set"
    ):
        find_factor_set("nope", home)
    shutil.copytree(home / "factors" / "mine", home / "factors" / "copy")
    with pytest.raises(DataError, match=r"2 factor sets are named 'test-set'.*rename one"):
        find_factor_set("test-set", home)


# --- unit arithmetic -----------------------------------------------------------------------------

VOC = Impact("voc", "air", "kg", "VOC")


def make_row(
    low: Decimal, central: Decimal, high: Decimal, value_unit: str, functional_unit: str
) -> FactorRow:
    return FactorRow(
        2, "x", "voc", "reduction", "per_functional_unit", "production", functional_unit, value_unit,
        low, central, high, None, None, None, None, False, None, "none", "L", False, ("a",), "test",
    )  # fmt: skip


def test_values_convert_between_kg_t_and_g() -> None:
    values = row_values(make_row(Decimal(1), Decimal(2), Decimal(3), "t", "kg"), VOC, "t")
    assert values.magnitudes() == (1_000_000, 2_000_000, 3_000_000)  # t per kg → kg per t
    assert values.to("t").magnitudes() == (1000, 2000, 3000)
    assert values.to("g").central.magnitude == 2_000_000_000
    with pytest.raises(FactorUnitError, match=r"cannot express voc in kWh"):
        values.to("kWh")


MASS_UNITS = {"mg": Decimal("1e-6"), "g": Decimal("1e-3"), "kg": Decimal(1), "t": Decimal(1000)}
PER_UNITS = {"kg": Decimal(1), "t": Decimal(1000), "g": Decimal("1e-3")}
magnitudes = st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), allow_nan=False, places=4)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(magnitudes, min_size=3, max_size=3),
    st.sampled_from(sorted(MASS_UNITS)),
    st.sampled_from(sorted(PER_UNITS)),
    st.sampled_from(sorted(MASS_UNITS)),
)
def test_conversion_is_exact_keeps_the_order_and_round_trips(
    numbers: list[Decimal], value_unit: str, per_unit: str, other: str
) -> None:
    low, central, high = sorted(numbers)
    values = row_values(make_row(low, central, high, value_unit, per_unit), VOC, "t")
    scale = MASS_UNITS[value_unit] * PER_UNITS["t"] / PER_UNITS[per_unit]
    assert values.magnitudes() == (low * scale, central * scale, high * scale)
    converted = values.to(other)
    a, b, c = converted.magnitudes()
    assert a <= b <= c
    assert converted.to("kg").magnitudes() == values.magnitudes()


@given(st.sampled_from(["kWh", "m**3", "piece", "L"]), st.sampled_from(sorted(MASS_UNITS)))
def test_units_of_another_dimension_never_convert_silently(wrong: str, right: str) -> None:
    values = row_values(make_row(Decimal(0), Decimal(1), Decimal(2), right, "t"), VOC, "t")
    with pytest.raises(FactorUnitError):
        values.to(wrong)
