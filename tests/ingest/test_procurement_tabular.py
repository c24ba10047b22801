"""The CSV/XLSX procurement template (``ingest.procurement_template``) through ``ingest_procurement_file``.

Real files written here: UTF-8 and GB18030 CSV with English and Chinese headers, XLSX written with
openpyxl, files with bad rows; and an OCDS release package of the same purchases, which must give
the same normalised items.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ecoprocure.ingest.fields import FieldError, parse_decimal, parse_flag
from ecoprocure.ingest.procurement_files import IngestReport, ingest_procurement_file, items_dir
from ecoprocure.ingest.procurement_template import ALIASES, TEMPLATE, column_map, row_release

# Columns that say where an item came from (ids, file, place): the rest must not depend on whether
# the purchase arrived as OCDS or as a template row.
WHERE = {
    "source_file",
    "source_location",
    "file_sha256",
    "ocid",
    "release_id",
    "release_date",
    "award_id",
    "item_id",
}

HEADER = [
    "contract_id",
    "item_id",
    "date",
    "buyer_id",
    "buyer_name",
    "buyer_level",
    "buyer_region",
    "supplier_id",
    "supplier_name",
    "classification_code",
    "description",
    "quantity",
    "unit_code",
    "unit_name",
    "unit_price",
    "line_total",
    "currency",
    "brand",
    "model",
    "certificate_number",
    "declared_green",
]
# The same columns as a Chinese office would name them.
CHINESE = [
    "合同编号",
    "明细编号",
    "签订日期",
    "采购人统一社会信用代码",
    "采购人",
    "采购人级别",
    "地区",
    "供应商统一社会信用代码",
    "供应商名称",
    "品目编码",
    "品目名称",
    "数量",
    "计量单位编码",
    "单位",
    "单价（元）",
    "总价（元）",
    "币种",
    "品牌",
    "规格型号",
    "证书编号",
    "绿色采购",
]
BUYER = {
    "buyer_id": "11110000000013338W",
    "buyer_name": "北京市财政局",
    "buyer_level": "province",
    "buyer_region": "北京市",
}
SUPPLIER = {"supplier_id": "91110108MA0000001X", "supplier_name": "华森家具有限公司"}


def row(**values: str) -> list[str]:
    return [values.get(column, "") for column in HEADER]


def changed(cells: list[str], **values: str) -> list[str]:
    return [values.get(column, cell) for column, cell in zip(HEADER, cells, strict=True)]


ROWS = [
    row(
        contract_id="HT-1",
        item_id="1",
        date="2023-05-10",
        **BUYER,
        **SUPPLIER,
        classification_code="39130000-2",
        description="办公桌",
        quantity="20",
        unit_code="H87",
        unit_name="张",
        unit_price="1,200.50",
        currency="CNY",
        brand="华森",
        model="HS-D120",
        certificate_number="CEC-2021-0001",
        declared_green="yes",
    ),
    row(
        contract_id="HT-1",
        item_id="2",
        date="2023-05-10",
        **BUYER,
        **SUPPLIER,
        classification_code="A060104",
        description="办公椅",
        quantity="40",
        unit_code="H87",
        unit_name="把",
        unit_price="350",
        currency="CNY",
        brand="华森",
        model="HS-C35",
        declared_green="yes",
    ),
    row(
        contract_id="HT-2",
        item_id="1",
        date="2023-06-02",
        **BUYER,
        classification_code="30197643-5",
        description="A4 复印纸",
        unit_name="箱",
        line_total="8600",
        currency="CNY",
        declared_green="no",
    ),
]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def ingest(path: Path, tmp_path: Path) -> IngestReport:
    return ingest_procurement_file(path, home=tmp_path / "home", uploads_dir=tmp_path / "uploads")


def items(report: IngestReport) -> list[dict[str, Any]]:
    assert report.dataset_file is not None, report
    rows = pq.read_table(report.dataset_file).to_pylist()
    return sorted(rows, key=lambda r: r["source_location"] or "")


def what(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in WHERE} for row in rows]


def rejects(report: IngestReport) -> list[dict[str, str]]:
    assert report.rejects_file is not None
    with Path(report.rejects_file).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def english_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "purchases.csv", HEADER, ROWS)


# --- one file, three ways -----------------------------------------------------------------------


def test_utf8_csv_gives_one_item_per_row(english_csv: Path, tmp_path: Path) -> None:
    report = ingest(english_csv, tmp_path)
    assert (report.status, report.shape, report.releases, report.items) == ("ok", "csv", 3, 3)
    assert (report.problems, report.rejects_file) == ([], None)
    desk, chair, paper = items(report)
    assert desk["source_file"] == "purchases.csv"
    assert [r["source_location"] for r in (desk, chair, paper)] == ["row 2", "row 3", "row 4"]
    assert (desk["ocid"], desk["award_id"], desk["item_id"]) == (
        "ecoprocure-template-11110000000013338W/HT-1",
        "HT-1",
        "1",
    )
    assert chair["ocid"] == desk["ocid"]  # one contract, one process
    assert desk["date"] == "2023-05-10" and desk["year"] == 2023
    assert [desk[column] for column in BUYER] == list(BUYER.values())
    assert (desk["supplier_id"], desk["supplier_name"]) == tuple(SUPPLIER.values())
    assert (desk["classification_scheme"], desk["classification_code"], desk["cpv8"]) == (
        "CPV",
        "39130000-2",
        "39130000",
    )
    assert (chair["classification_scheme"], chair["cpv8"]) == ("CN-GPC", None)
    assert (desk["quantity"], desk["unit_price"], desk["value"], desk["value_source"]) == (
        20,
        1200.5,
        24010,
        "unit price",
    )
    assert (desk["unit_code"], desk["unit_name"], desk["currency"]) == ("H87", "张", "CNY")
    assert (desk["brand"], desk["model"], desk["certificate_number"]) == ("华森", "HS-D120", "CEC-2021-0001")
    assert (desk["declared_green"], paper["declared_green"]) == (True, False)
    # A line total without a unit price is the value of the row's own award.
    assert (paper["quantity"], paper["unit_price"], paper["value"], paper["value_source"]) == (
        None,
        None,
        8600,
        "award value",
    )
    assert all(row["issue"] is None for row in (desk, chair, paper))


def test_gb18030_csv_with_chinese_headers_reads_the_same(english_csv: Path, tmp_path: Path) -> None:
    chinese = write_csv(tmp_path / "采购明细.csv", CHINESE, ROWS, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        chinese.read_text(encoding="utf-8")
    report = ingest(chinese, tmp_path)
    assert (report.status, report.shape, report.releases, report.problems) == ("ok", "csv", 3, [])
    expected = ingest(english_csv, tmp_path)
    assert what(items(report)) == what(items(expected))
    assert {row["source_file"] for row in items(report)} == {"采购明细.csv"}


def test_xlsx_reads_the_same(english_csv: Path, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(CHINESE)
    for cells in ROWS:
        values = dict(zip(HEADER, cells, strict=True))
        typed: dict[str, Any] = {
            "date": dt.datetime.fromisoformat(values["date"]),  # a date-formatted cell, as Excel writes
            "quantity": int(values["quantity"]) if values["quantity"] else None,  # numbers as numbers
            "unit_price": float(values["unit_price"].replace(",", "")) if values["unit_price"] else None,
            "line_total": int(values["line_total"]) if values["line_total"] else None,
        }
        sheet.append([typed.get(column, value) for column, value in values.items()])
    path = tmp_path / "purchases.xlsx"
    book.save(path)
    report = ingest(path, tmp_path)
    assert (report.status, report.shape, report.releases, report.problems) == ("ok", "xlsx", 3, [])
    assert what(items(report)) == what(items(ingest(english_csv, tmp_path)))


# --- the same purchases as OCDS -------------------------------------------------------------------


_BUYER_PARTY = {
    "id": "11110000000013338W",
    "name": "北京市财政局",
    "roles": ["buyer"],
    "details": {"level": "province"},
    "address": {"region": "北京市"},
}
_BUYER_REF = {"id": "11110000000013338W", "name": "北京市财政局"}
# ROWS as an OCDS publisher would write them: brand, model and certificate in the item attributes
# extension, the green flag in the sustainability extension, the paper priced by its award.
OCDS_PACKAGE = {
    "version": "1.1",
    "releases": [
        {
            "ocid": "ocds-test-HT-1",
            "id": "HT-1-award",
            "date": "2023-05-10T00:00:00Z",
            "tag": ["award"],
            "buyer": _BUYER_REF,
            "parties": [_BUYER_PARTY],
            "tender": {
                "id": "HT-1",
                "hasSustainability": True,
                "sustainability": [{"goal": "environmental"}],
            },
            "awards": [
                {
                    "id": "HT-1",
                    "date": "2023-05-10",
                    "suppliers": [{"id": "91110108MA0000001X", "name": "华森家具有限公司"}],
                    "items": [
                        {
                            "id": "1",
                            "description": "办公桌",
                            "classification": {"scheme": "CPV", "id": "39130000-2"},
                            "quantity": 20,
                            "unit": {
                                "id": "H87",
                                "name": "张",
                                "value": {"amount": 1200.5, "currency": "CNY"},
                            },
                            "attributes": [
                                {"name": "brand", "value": "华森"},
                                {"name": "model", "value": "HS-D120"},
                                {"name": "certificate", "value": "CEC-2021-0001"},
                            ],
                        },
                        {
                            "id": "2",
                            "description": "办公椅",
                            "classification": {"scheme": "CN-GPC", "id": "A060104"},
                            "quantity": 40,
                            "unit": {"id": "H87", "name": "把", "value": {"amount": 350, "currency": "CNY"}},
                            "attributes": [
                                {"name": "brand", "value": "华森"},
                                {"name": "model", "value": "HS-C35"},
                            ],
                        },
                    ],
                }
            ],
        },
        {
            "ocid": "ocds-test-HT-2",
            "id": "HT-2-award",
            "date": "2023-06-02T00:00:00Z",
            "tag": ["award"],
            "buyer": _BUYER_REF,
            "parties": [_BUYER_PARTY],
            "tender": {"id": "HT-2", "hasSustainability": False},
            "awards": [
                {
                    "id": "HT-2",
                    "date": "2023-06-02",
                    "value": {"amount": 8600, "currency": "CNY"},
                    "items": [
                        {
                            "id": "1",
                            "description": "A4 复印纸",
                            "classification": {"scheme": "CPV", "id": "30197643-5"},
                            "unit": {"name": "箱"},
                        }
                    ],
                }
            ],
        },
    ],
}


def test_template_rows_normalise_like_the_same_ocds(english_csv: Path, tmp_path: Path) -> None:
    ocds = tmp_path / "package.json"
    ocds.write_text(json.dumps(OCDS_PACKAGE, ensure_ascii=False), encoding="utf-8")
    from_ocds = ingest(ocds, tmp_path)
    assert (from_ocds.status, from_ocds.shape, from_ocds.items) == ("ok", "release-package", 3)
    from_template = ingest(english_csv, tmp_path)
    ocds_items = sorted(what(items(from_ocds)), key=lambda r: r["description"])
    template_items = sorted(what(items(from_template)), key=lambda r: r["description"])
    assert template_items == ocds_items
    assert pq.read_schema(from_template.dataset_file) == pq.read_schema(from_ocds.dataset_file)


# --- bad input ---------------------------------------------------------------------------------


def test_bad_rows_are_reported_and_the_others_kept(tmp_path: Path) -> None:
    good = ROWS[0]
    bad = [
        changed(good, buyer_id="", buyer_name=""),  # row 3: no buyer
        changed(good, quantity="twenty"),  # row 4
        changed(good, date="2023-02-30"),  # row 5: no such date
        changed(good, unit_price="5,00"),  # row 6: a decimal comma
        changed(good, declared_green="maybe"),  # row 7
        changed(good, description="", classification_code=""),  # row 8: nothing says what was bought
        good,  # row 9: contract HT-1 line 1 again
    ]
    rows = [good, *bad, ROWS[2]]
    path = write_csv(tmp_path / "mixed.csv", CHINESE, rows)
    report = ingest(path, tmp_path)
    assert (report.status, report.releases, report.items, report.items_with_issue) == ("partial", 2, 2, 0)
    found = [(p["file"], p["location"], p["field"]) for p in report.problems]
    assert found == [
        ("mixed.csv", "row 3", "采购人"),
        ("mixed.csv", "row 4", "数量"),
        ("mixed.csv", "row 5", "签订日期"),
        ("mixed.csv", "row 6", "单价（元）"),
        ("mixed.csv", "row 7", "绿色采购"),
        ("mixed.csv", "row 8", "品目名称"),
        ("mixed.csv", "row 9", "明细编号"),
    ]
    reasons = [p["reason"] for p in report.problems]
    assert reasons[1] == (
        "'twenty' is not a number; write it like 1234.50 (decimal point, no currency sign or unit); "
        "row skipped"
    )
    assert "'2023-02-30' is not a real date" in reasons[2]
    assert "already in row 2" in reasons[6]
    assert [r["source_location"] for r in items(report)] == ["row 10", "row 2"]
    listed = [(r["file"], r["release"], r["field"], r["reason"]) for r in rejects(report)]
    assert listed == [(p["file"], p["location"], p["field"], p["reason"]) for p in report.problems]


def test_items_the_pipeline_flags_are_kept_with_their_row(tmp_path: Path) -> None:
    negative = changed(ROWS[0], quantity="-3")
    no_currency = changed(ROWS[1], currency="")
    no_value = changed(ROWS[2], line_total="")
    path = write_csv(tmp_path / "flags.csv", HEADER, [negative, no_currency, no_value])
    report = ingest(path, tmp_path)
    assert (report.status, report.releases, report.items, report.problems) == ("partial", 3, 3, [])
    assert report.issues == {
        "quantity is zero or negative": 1,
        "currency missing": 1,
        "item has no value (no unit price; the award has several items)": 1,
    }
    flagged = {(r["release"], r["field"], r["reason"]) for r in rejects(report)}
    assert flagged == {
        ("row 2", "quantity", "quantity is zero or negative"),
        ("row 3", "unit.value.currency", "currency missing"),
        ("row 4", "unit.value.amount", "item has no value (no unit price; the award has several items)"),
    }


def test_a_missing_column_fails_the_file_and_names_it(tmp_path: Path) -> None:
    header = [h for h in CHINESE if h not in {"数量", "单价（元）", "总价（元）"}]
    rows = [[cell for h, cell in zip(CHINESE, ROWS[0], strict=True) if h in header]]
    report = ingest(write_csv(tmp_path / "short.csv", header, rows), tmp_path)
    assert report.status == "failed"
    assert report.error == (
        "short.csv: missing column(s) quantity (数量), unit_price (单价) or line_total (总价) "
        "for the procurement template (see docs/import-templates.md)"
    )
    assert not list(items_dir(tmp_path / "home").glob("*.parquet"))


def test_two_columns_meaning_the_same_fail_the_file(tmp_path: Path) -> None:
    report = ingest(write_csv(tmp_path / "twice.csv", [*HEADER, "单价"], [[*ROWS[0], "1"]]), tmp_path)
    assert report.status == "failed"
    assert report.error == "twice.csv: columns 'unit_price' and '单价' both mean unit_price; keep one"


def test_a_header_without_rows_is_empty(tmp_path: Path) -> None:
    report = ingest(write_csv(tmp_path / "header.csv", HEADER, []), tmp_path)
    assert (report.status, report.error) == (
        "empty",
        "no releases in the file: the file has a header but no rows",
    )


def test_a_file_of_only_bad_rows_is_empty_and_says_why(tmp_path: Path) -> None:
    bad = changed(ROWS[0], quantity="n/a")
    report = ingest(write_csv(tmp_path / "bad.csv", HEADER, [bad]), tmp_path)
    assert report.status == "empty"
    assert report.error is not None and report.error.startswith(
        "no releases in the file: 'n/a' is not a number"
    )


# --- idempotency ---------------------------------------------------------------------------------


def test_the_same_file_twice_adds_nothing(english_csv: Path, tmp_path: Path) -> None:
    first = ingest(english_csv, tmp_path)
    files = sorted(items_dir(tmp_path / "home").iterdir())
    copy = tmp_path / "copy"
    copy.mkdir()
    again = ingest(write_csv(copy / "purchases.csv", HEADER, ROWS), tmp_path)
    assert (again.status, again.already_ingested, again.items) == ("unchanged", True, 3)
    assert again.dataset_file == first.dataset_file
    assert sorted(items_dir(tmp_path / "home").iterdir()) == files
    assert Path(first.kept_path).read_bytes() == english_csv.read_bytes()


# --- headers, numbers, flags ----------------------------------------------------------------------


def test_header_aliases_ignore_case_width_and_a_trailing_bracket() -> None:
    header = ["Buyer Name", "ＤＥＳＣＲＩＰＴＩＯＮ", "日期", "Qty", "币种", "单价（元）", "备注"]
    assert column_map("f.csv", header) == {
        "buyer_name": "Buyer Name",
        "description": "ＤＥＳＣＲＩＰＴＩＯＮ",
        "date": "日期",
        "quantity": "Qty",
        "currency": "币种",
        "unit_price": "单价（元）",
    }


def test_every_alias_maps_to_its_column() -> None:
    for column, aliases in ALIASES.items():
        assert column in (*TEMPLATE.required, *TEMPLATE.optional)
        for alias in aliases:
            header = [c for c in HEADER if c != column] + [alias]
            assert column_map("f.csv", header)[column] == alias


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1234.5", Decimal("1234.5")),
        ("1,234.50", Decimal("1234.50")),
        ("1 234.50", Decimal("1234.50")),
        ("１２３", Decimal(123)),
        ("-2", Decimal(-2)),
        ("1e3", Decimal(1000)),
        (".5", Decimal("0.5")),
        ("  ", None),
    ],
)
def test_numbers_as_people_type_them(text: str, number: Decimal | None) -> None:
    assert parse_decimal("quantity", text) == number


@pytest.mark.parametrize("text", ["5,00", "1,23", "12,3456", "¥100", "100元", "n/a", "-", "1e999999"])
def test_what_is_not_a_number(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_decimal("quantity", text)
    assert caught.value.field == "quantity"


@pytest.mark.parametrize(
    ("text", "flag"), [("yes", True), ("TRUE", True), ("1", True), ("是", True), ("否", False), ("n", False)]
)
def test_yes_and_no(text: str, flag: bool) -> None:
    assert parse_flag("declared_green", text) is flag


def test_yuan_by_its_chinese_names() -> None:
    values = dict(zip(HEADER, ROWS[0], strict=True))
    for name in ("人民币", "元", "rmb", "cny"):
        release = row_release(values | {"currency": name}, 2, "k")
        assert release["awards"][0]["items"][0]["unit"]["value"]["currency"] == "CNY"


# --- property: row → release --------------------------------------------------------------------

_DATE_STYLES = (
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: d.strftime("%Y%m%d"),
    lambda d: f"{d.year}/{d.month}/{d.day} 0:00",
    lambda d: f"{d.isoformat()}T10:30:00Z",
)
_NUMBER_STYLES = (str, lambda x: f"{x:,}", lambda x: f"{x:f}")


@settings(max_examples=200, deadline=None)
@given(
    date=st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)),
    date_style=st.sampled_from(_DATE_STYLES),
    quantity=st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=3),
    price=st.decimals(min_value=0, max_value=10**9, allow_nan=False, places=2),
    total=st.integers(min_value=-(10**15), max_value=10**15),
    number_style=st.sampled_from(_NUMBER_STYLES),
    row=st.integers(min_value=2, max_value=10**7),
)
def test_numbers_and_dates_round_trip(
    date: dt.date,
    date_style: Any,
    quantity: Decimal,
    price: Decimal,
    total: int,
    number_style: Any,
    row: int,
) -> None:
    values = dict(zip(HEADER, ROWS[0], strict=True)) | {
        "date": date_style(date),
        "quantity": number_style(quantity),
        "unit_price": number_style(price),
        "line_total": number_style(total),
    }
    # Through the JSON line the pipeline reads.
    release = orjson.loads(orjson.dumps(row_release(values, row, "k")))
    award = release["awards"][0]
    item = award["items"][0]
    assert (award["date"], release["date"]) == (date.isoformat(), f"{date.isoformat()}T00:00:00Z")
    assert item["quantity"] == float(quantity)
    assert item["unit"]["value"]["amount"] == float(price)
    assert award["value"]["amount"] == total and isinstance(award["value"]["amount"], int)
    assert release["id"] == f"k-{row}"


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(HEADER), st.text(max_size=12)))
def test_any_row_gives_a_release_or_a_named_field(values: dict[str, str]) -> None:
    try:
        release = row_release(values, 7, "k")
    except FieldError as exc:
        assert exc.field in HEADER
        return
    line = orjson.loads(orjson.dumps(release))
    assert line["ocid"].startswith("ecoprocure-template-") and line["id"] == "k-7"
    assert [len(award["items"]) for award in line["awards"]] == [1]
    assert line["buyer"]
