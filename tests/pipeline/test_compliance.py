"""Mandatory and priority categories: the shipped list, users' lists, and the figures on the
hand-checked fixture of ``test_indicators_golden`` (see its docstring for the registry).

By hand, default list cn-2019 (portable computers mandatory, furniture priority):
- 2022 portable computers: i4 = 2 × 100 EUR = 200 × 7/0.9 CNY, certified (CEC-PC) → share 100 %;
  i5 (no XYZ rate) and i6 (negative quantity) are not usable and stay out.
- 2022 furniture: i1 1,000 CNY certified (CEC-OK), i2 1,000 CNY with CEC-SUSP suspended before
  the purchase → 1,000 of 2,000 green, 50 %, shortfall 1,000.
- 2023 furniture: i8 1,000 CNY, CEC-OK expired at the end of 2022 → 0 %.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ecoprocure.errors import DataError
from ecoprocure.pipeline.compliance import REQUIREMENTS, SHIPPED, load_list
from ecoprocure.reference import DATA_DIR
from tests.pipeline.test_indicators_golden import EUR, result_by  # noqa: F401 - the shared fixture


def test_the_shipped_list_names_known_categories_with_sources() -> None:
    with (DATA_DIR / "categories.csv").open(encoding="utf-8") as fh:
        known = {row["code"] for row in csv.DictReader(fh)}
    rows = load_list()
    assert {r.list for r in rows} == {"cn-2019"}
    assert {r.category for r in rows} <= known
    assert all(r.source and r.requirement in REQUIREMENTS for r in rows)
    assert all(r.target_share == 1.0 for r in rows if r.requirement == "mandatory")
    assert {"ict.computer.desktop", "ict.computer.portable"} <= {
        r.category for r in rows if r.requirement == "mandatory"
    }


def _write(path: Path, *rows: str) -> Path:
    header = "list,category_code,requirement,target_share,valid_from,valid_to,source"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x,office.furniture,required,,2020-01-01,,s", "row 2: requirement: 'required' is not one of"),
        ("x,office.furniture,priority,80%,2020-01-01,,s", "row 2: target_share: '80%' is not a number"),
        ("x,office.furniture,priority,1.5,2020-01-01,,s", "row 2: target_share: 1.5 is not a share"),
        ("x,office.furniture,priority,,1/1/2020,,s", "row 2: valid_from: '1/1/2020' is not a date"),
        ("x,office.furniture,priority,,2020-01-01,,", "row 2: source: required"),
    ],
)
def test_a_bad_list_is_refused_naming_row_and_field(tmp_path: Path, row: str, message: str) -> None:
    path = _write(tmp_path / "list.csv", row)
    with pytest.raises(DataError, match=message) as err:
        load_list(path)
    assert str(path) in str(err.value)


def test_a_file_with_several_lists_needs_a_name(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "lists.csv",
        "a,office.furniture,priority,,2020-01-01,,s",
        "b,paper.copy,mandatory,,2020-01-01,,s",
    )
    with pytest.raises(DataError, match="several lists"):
        load_list(path)
    assert [r.category for r in load_list(path, "b")] == ["paper.copy"]
    with pytest.raises(DataError, match="no compliance list 'c'"):
        load_list(path, "c")
    assert load_list(SHIPPED)[0].list == "cn-2019"


def _by(rows: list[dict], *keys: str) -> dict:  # type: ignore[type-arg]
    return {tuple(row[k] for k in keys): row for row in rows}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_compliance_with_the_shipped_list(result_by) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    result = result_by("year")
    assert result.compliance_list == "cn-2019"
    rows = _by(result.compliance, "year", "category")
    assert set(rows) == {
        (2022, "ict.computer.portable"),
        (2022, "office.furniture"),
        (2023, "office.furniture"),
    }
    portable = rows[(2022, "ict.computer.portable")]
    assert portable["requirement"] == "mandatory"
    assert (portable["items"], portable["green_items"]) == (1, 1)
    assert portable["spend"] == pytest.approx(200 * EUR)
    assert (portable["green_share"], portable["target_share"], portable["meets_target"]) == (1.0, 1.0, True)
    assert portable["shortfall_spend"] == pytest.approx(0)
    furniture = rows[(2022, "office.furniture")]
    assert furniture["requirement"] == "priority"
    assert (furniture["spend"], furniture["green_spend"], furniture["green_share"]) == (2000, 1000, 0.5)
    assert (furniture["target_share"], furniture["meets_target"], furniture["shortfall_spend"]) == (
        None,
        None,
        1000,
    )
    later = rows[(2023, "office.furniture")]
    assert (later["spend"], later["green_spend"], later["green_share"]) == (1000, 0, 0)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_compliance_with_a_users_list_targets_and_dates(result_by, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    path = _write(
        tmp_path / "list.csv",
        # furniture: 40 % required until the end of 2022; a parent category covers its children
        "own,office.furniture,mandatory,0.4,2020-01-01,2022-12-31,test",
        "own,ict.computer,priority,,2020-01-01,,test",
    )
    result = result_by("region", requirements=load_list(path))
    rows = _by(result.compliance, "buyer_region", "category")
    assert set(rows) == {("Beijing", "office.furniture"), ("Shanghai", "ict.computer")}
    beijing = rows[("Beijing", "office.furniture")]
    assert (beijing["green_share"], beijing["target_share"], beijing["meets_target"]) == (0.5, 0.4, True)
    assert rows[("Shanghai", "ict.computer")]["green_share"] == 1.0
