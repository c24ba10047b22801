"""Units: Rec 20 codes, free-text names from real data, conversions with pint."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.domain.units import (
    PINT_UNITS,
    REC20_FILE,
    UNITS_FILE,
    UnitConversionError,
    UnknownUnitCode,
    conversion_factor,
    convert,
    normalise_unit,
    rec20_units,
    unit_key,
)
from ecoprocure.errors import DataError


def _units_rows() -> list[dict[str, str]]:
    with UNITS_FILE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- shipped data ------------------------------------------------------------------------------


def test_the_rec20_list_is_the_openprocurement_copy() -> None:
    raw = json.loads(REC20_FILE.read_text(encoding="utf-8"))
    assert len(raw) == 2091
    assert raw["H87"]["name"] == "piece"
    assert raw["KGM"] == {"name": "kilogram", "symbol": "kg"}
    assert rec20_units()["TNE"] == "tonne (metric ton)"


def test_every_units_row_has_a_source_and_a_rec20_code() -> None:
    rows = _units_rows()
    assert rows
    assert list(rows[0]) == ["text", "unece_code", "source"]
    codes = json.loads(REC20_FILE.read_text(encoding="utf-8"))
    no_source = [n for n, row in enumerate(rows, start=2) if not row["source"].strip()]
    unknown = [
        (n, row["unece_code"]) for n, row in enumerate(rows, start=2) if row["unece_code"] not in codes
    ]
    assert no_source == []
    assert unknown == []
    assert all("UN/CEFACT Recommendation 20" in row["source"] for row in rows)


def test_every_units_text_is_in_lookup_form_and_maps_to_one_code() -> None:
    rows = _units_rows()
    not_normalised = [row["text"] for row in rows if unit_key(row["text"]) != row["text"] or not row["text"]]
    assert not_normalised == []
    texts = [row["text"] for row in rows]
    assert len(texts) == len(set(texts))


# Every unit name in the real OCDS samples in /work/shared/data/ocds (open-contracting/sample-data
# real-examples), as published, with the Rec 20 code it must land on.
REAL_NAMES = [
    ("Unidad", None, "H87"),  # Paraguay (1,543 items)
    ("Unidad Medida Global", None, "LS"),  # Paraguay
    ("Metros", None, "MTR"),
    ("Kilogramos", None, "KGM"),
    ("Litros", None, "LTR"),
    ("Bucată", None, "H87"),  # Moldova
    ("Metru pătrat", None, "MTK"),
    ("Metru", None, "MTR"),
    ("Set", None, "SET"),
    ("Pereche", None, "PR"),
    ("PIEZA" + " " * 55, "PZ", "H87"),  # Mexico/Jalisco, scheme UM-GOB-JAL, names padded to 60
    ("MILLAR" + " " * 54, "ML", "T3"),
    ("PAQUETE" + " " * 53, "PQ", "PK"),
    ("CAJA" + " " * 56, "CJ", "BX"),
    ("LITRO" + " " * 55, "LT", "LTR"),
    ("ROLLO" + " " * 55, "ROL", "RO"),
    ("KILOGRAMO" + " " * 51, "KG", "KGM"),
    ("SERVICIO" + " " * 52, "SER", "E48"),
    ("BOLSA" + " " * 55, "BOL", "BG"),
    ("TUBO" + " " * 56, "TUB", "TU"),
    ("METRO" + " " * 55, "MT", "MTR"),
    ("PAR" + " " * 57, "PAR", "PR"),
]


@pytest.mark.parametrize(("name", "jalisco_code", "expected"), REAL_NAMES)
def test_real_unit_names_are_placed(name: str, jalisco_code: str | None, expected: str) -> None:
    scheme = "UM-GOB-JAL" if jalisco_code else None
    result = normalise_unit(name, jalisco_code, scheme=scheme)
    assert (result.code, result.method) == (expected, "text")


@pytest.mark.parametrize(
    ("name", "code", "expected"),
    [
        ("kilogram", "KGM", "KGM"),  # Ukraine (Prozorro): scheme UNCEFACT
        ("piece", "H87", "H87"),
        ("number of packs", "NMP", "NMP"),
        ("kilowatt hour", "KWH", "KWH"),
        ("lot  [unit of procurement]", "LO", "LO"),
        ("litre", "LTR", "LTR"),
        ("gigacalorie", "E11", "E11"),
    ],
)
def test_real_rec20_codes_are_taken_as_given(name: str, code: str, expected: str) -> None:
    result = normalise_unit(name, code, scheme="UNCEFACT")
    assert (result.code, result.method) == (expected, "code")
    assert result.name == rec20_units()[expected]


@pytest.mark.parametrize("name", ["_NO_APLICA_", "FRASCO" + " " * 54, "ONZA" + " " * 56, "Meal"])
def test_names_without_a_mapping_are_unknown_with_a_reason(name: str) -> None:
    result = normalise_unit(name, None)
    assert result.code is None and result.name is None
    assert result.method == "unknown"
    assert repr(unit_key(name)) in result.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("piece", "H87"),
        ("pieces", "H87"),
        ("PCS", "H87"),
        ("unidad", "H87"),
        ("bucata", "H87"),
        ("штука", "H87"),
        ("шт", "H87"),
        ("кілограм", "KGM"),
        ("个", "H87"),
        ("台", "H87"),
        ("套", "SET"),
        ("件", "H87"),
        ("张", "ST"),
        ("箱", "BX"),
        ("kg", "KGM"),
        ("Liter", "LTR"),
        ("m2", "MTK"),
        ("m²", "MTK"),
        ("ｍ２", "MTK"),
        ("metro  cuadrado", "MTK"),
        ("tonne", "TNE"),
        ("ton", "TNE"),
        ("pair", "PR"),
        ("pack", "PK"),
        ("box", "BX"),
        ("ream", "RM"),
        ("hour", "HUR"),
        ("month", "MON"),
        ("service", "E48"),
        ("Each", "EA"),
    ],
)
def test_free_text_is_folded_before_lookup(text: str, expected: str) -> None:
    result = normalise_unit(f"\u00a0{text} ", None)
    assert (result.code, result.method) == (expected, "text")
    assert "units.csv" in result.reason


def test_a_valid_code_wins_over_the_name_and_the_conflict_is_reported() -> None:
    result = normalise_unit("piece", "kgm")
    assert (result.code, result.method) == ("KGM", "code")
    assert "'piece' would map to H87" in result.reason


def test_an_invalid_code_falls_back_to_the_name_and_says_so() -> None:
    result = normalise_unit("Litre", "L")  # the synthetic benchmark writes L for litre
    assert (result.code, result.method) == ("LTR", "text")
    assert "'L' is not a UN/CEFACT Rec 20 code" in result.reason


def test_a_code_from_another_scheme_is_set_aside() -> None:
    # Jalisco's PZ means pieza; in Rec 20 PZ is a peck (dry, UK)
    assert normalise_unit("PIEZA   ", "PZ").code == "PZ"
    result = normalise_unit("PIEZA   ", "PZ", scheme="UM-GOB-JAL")
    assert result.code == "H87"
    assert "UM-GOB-JAL" in result.reason


def test_nothing_given_is_unknown() -> None:
    for text, code in [(None, None), ("", ""), ("   ", None)]:
        result = normalise_unit(text, code)
        assert (result.code, result.method) == (None, "unknown")
        assert result.reason == "no unit code or name given"


def test_an_unknown_code_and_name_are_both_reported() -> None:
    result = normalise_unit("Meal", "MEAL")
    assert result.method == "unknown"
    assert "'MEAL' is not a UN/CEFACT Rec 20 code" in result.reason
    assert "'meal' is not in units.csv" in result.reason


# --- conversions -------------------------------------------------------------------------------


def test_kilograms_and_tonnes_differ_by_exactly_1000() -> None:
    assert conversion_factor("TNE", "KGM") == Decimal(1000)
    assert conversion_factor("KGM", "TNE") == Decimal("0.001")
    assert convert(Decimal("2.5"), "TNE", "KGM") == Decimal(2500)
    assert convert(Decimal(1500), "KGM", "TNE") == Decimal("1.5")
    assert convert(Decimal(1), "KGM", "GRM") == Decimal(1000)


@pytest.mark.parametrize(
    ("quantity", "source", "target", "expected"),
    [
        ("1500", "LTR", "MTQ", "1.5"),
        ("1", "HAR", "MTK", "10000"),
        ("2500", "KWH", "MWH", "2.5"),
        ("3", "T3", "H87", "3000"),
        ("2", "DZN", "EA", "24"),
        ("1", "LBR", "KGM", "0.45359237"),
        ("48", "HUR", "DAY", "2"),
        ("5", "H87", "EA", "5"),
    ],
)
def test_known_conversions(quantity: str, source: str, target: str, expected: str) -> None:
    assert convert(Decimal(quantity), source, target) == Decimal(expected)


@pytest.mark.parametrize(
    ("source", "target"), [("H87", "KGM"), ("KGM", "LTR"), ("MTK", "MTR"), ("SET", "H87"), ("MON", "HUR")]
)
def test_incompatible_units_raise_a_data_error_naming_both(source: str, target: str) -> None:
    with pytest.raises(UnitConversionError) as caught:
        convert(Decimal(1), source, target)
    assert isinstance(caught.value, DataError)
    names = rec20_units()
    assert f"{names[source]} ({source})" in str(caught.value)
    assert f"{names[target]} ({target})" in str(caught.value)


def test_piece_to_kilogram_says_why() -> None:
    with pytest.raises(UnitConversionError, match=r"piece \(H87\) to kilogram \(KGM\): count and mass"):
        convert(Decimal(1), "H87", "KGM")


def test_codes_outside_rec20_are_refused() -> None:
    with pytest.raises(UnknownUnitCode, match="'XYZ' is not a UN/CEFACT Rec 20 code"):
        convert(Decimal(1), "XYZ", "KGM")


def test_same_unit_is_identity_even_without_a_physical_size() -> None:
    assert convert(Decimal("7.25"), "SET", "set") == Decimal("7.25")


def test_float_and_non_finite_quantities_are_refused() -> None:
    with pytest.raises(TypeError):
        convert(1.5, "KGM", "TNE")  # type: ignore[arg-type]
    with pytest.raises(DataError):
        convert(Decimal("NaN"), "KGM", "TNE")


def test_the_pint_registry_is_not_built_at_import_time() -> None:
    probe = "import sys, ecoprocure.domain.units; print('pint' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


SAME_DIMENSION = [
    ["MGM", "GRM", "KGM", "TNE", "LBR", "ONZ", "STN", "LTN", "DTN", "KTN"],
    ["MLT", "CLT", "DLT", "LTR", "HLT", "MMQ", "CMQ", "DMQ", "MTQ", "GLL", "GLI"],
    ["MMK", "CMK", "DMK", "MTK", "HAR", "KMK"],
    ["MMT", "CMT", "DMT", "MTR", "LM", "KMT", "INH", "FOT", "YRD", "SMI"],
    ["SEC", "MIN", "HUR", "DAY", "WEE"],
    ["WHR", "KWH", "MWH", "GWH", "GV"],
    ["WTT", "KWT", "MAW"],
    ["H87", "EA", "C62", "NAR", "DZN", "T3", "MIL", "SHT", "RM"],  # a sheet is a piece, a ream 500
    ["SET"],  # sets count only sets
]


def test_every_convertible_code_is_a_rec20_code_that_pint_converts_within_its_dimension() -> None:
    names = rec20_units()
    assert [code for code in PINT_UNITS if code not in names] == []
    grouped = [code for group in SAME_DIMENSION for code in group]
    assert sorted(grouped) == sorted(PINT_UNITS)
    for group in SAME_DIMENSION:
        for code in group[1:]:
            assert conversion_factor(code, group[0]) > 0
            assert conversion_factor(group[0], code) > 0


@st.composite
def _same_dimension_pair(draw: st.DrawFn) -> tuple[str, str]:
    group = draw(st.sampled_from(SAME_DIMENSION))
    return draw(st.sampled_from(group)), draw(st.sampled_from(group))


@given(
    pair=_same_dimension_pair(),
    quantity=st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10) ** 9, places=3),
)
def test_conversions_round_trip(pair: tuple[str, str], quantity: Decimal) -> None:
    source, target = pair
    back = convert(convert(quantity, source, target), target, source)
    assert abs(back - quantity) <= quantity * Decimal("1e-20")


@given(quantity=st.decimals(min_value=Decimal(0), max_value=Decimal(10) ** 12, places=6))
def test_tonnes_to_kilograms_is_exact(quantity: Decimal) -> None:
    assert convert(quantity, "TNE", "KGM") == quantity * 1000
    assert convert(quantity * 1000, "KGM", "TNE") == quantity
