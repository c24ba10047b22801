"""The CSV/XLSX procurement template: one purchased line item per row, turned into OCDS 1.1 releases.

For publishers who have no OCDS. Each valid row becomes one release with one award holding one
item, written as a JSON line like those of ``ocds_shapes.write_release_lines`` (with
``_source_file`` and ``_source_location`` = "row N"), so the rows go through the same
normalisation as OCDS files and give the same items columns.

One release per row (not one per contract) because the template takes a line total
(``line_total``) where publishers have no unit price: OCDS holds that only as an award's value,
and the pipeline reads an award's value as its item's only when the award has that one item.
Rows sharing a ``contract_id`` still share the ocid and award id, the identity their items would
have in OCDS; without one, a row is a process of its own.

A row that cannot be used (no buyer, nothing that says what was bought, a number, date or yes/no
that cannot be read, a contract line already given) is reported with its row number and the
file's own column name, and skipped.
What the pipeline flags on items (missing or negative quantity, missing value or currency, dates
out of range) is not checked here: such rows are kept and flagged there. Columns, aliases and
rules are documented in docs/import-templates.md (a test keeps the two in step).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from ecoprocure.errors import DataError
from ecoprocure.ingest.fields import FieldError, parse_date, parse_decimal, parse_flag
from ecoprocure.ingest.ocds_shapes import ShapeReport
from ecoprocure.ingest.registry_rows import Template
from ecoprocure.ingest.tabular import ProgressCallback, read_rows
from ecoprocure.pipeline.normalise import BRAND_NAMES, CERTIFICATE_NAMES, MODEL_NAMES

SUFFIXES = {".csv": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
TEMPLATE_SHAPES = frozenset(SUFFIXES.values())
OCID_PREFIX = "ecoprocure-template-"

TEMPLATE = Template(
    "procurement",
    ("buyer_name", "description", "date", "quantity", "currency"),
    (
        "unit_price",
        "line_total",
        "contract_id",
        "item_id",
        "buyer_id",
        "buyer_level",
        "buyer_region",
        "supplier_id",
        "supplier_name",
        "classification_scheme",
        "classification_code",
        "unit_code",
        "unit_name",
        "brand",
        "model",
        "certificate_number",
        "declared_green",
    ),
    "One purchased line item per row; unit_price or line_total (at least one of the two columns).",
)
VALUE_COLUMNS = ("unit_price", "line_total")  # the file needs one of them

# Other header names for each column (compared after tabular.clean_header, NFKC and dropping a
# trailing bracket such as "（元）"). The first Chinese name is the one shown in error messages.
ALIASES: dict[str, tuple[str, ...]] = {
    "buyer_name": ("buyer", "采购人", "采购人名称", "采购单位", "采购单位名称"),
    "description": ("item", "item_name", "item_description", "品目名称", "货物名称", "商品名称", "标的名称"),
    "date": ("award_date", "contract_date", "date_signed", "日期", "合同签订日期", "签订日期", "成交日期"),
    "quantity": ("qty", "数量"),
    "currency": ("币种", "货币"),
    "unit_price": ("price", "单价"),
    "line_total": ("value", "total", "amount", "总价", "金额", "小计"),
    "contract_id": ("contract", "contract_number", "contract_no", "award_id", "合同编号", "合同号"),
    "item_id": ("line", "line_id", "明细编号", "行号"),
    "buyer_id": ("采购人编码", "采购人代码", "采购人统一社会信用代码"),
    "buyer_level": ("level", "采购人级别", "预算级次", "行政级别"),
    "buyer_region": ("region", "地区", "行政区划", "采购人地区"),
    "supplier_id": ("供应商编码", "供应商代码", "供应商统一社会信用代码"),
    "supplier_name": ("supplier", "供应商", "供应商名称", "中标供应商", "成交供应商"),
    "classification_scheme": ("scheme", "分类体系", "编码体系"),
    "classification_code": ("cpv", "cpv_code", "code", "品目编码", "品目分类编码"),
    "unit_code": ("单位编码", "计量单位编码"),
    "unit_name": ("unit", "单位", "计量单位"),
    "brand": ("品牌",),
    "model": ("型号", "规格型号"),
    "certificate_number": ("certificate", "certificate_no", "证书编号", "认证证书编号"),
    "declared_green": ("green", "has_sustainability", "绿色采购", "是否绿色采购", "节能环保产品"),
}
_CANONICAL = {name: name for name in (*TEMPLATE.required, *TEMPLATE.optional)}
_BY_HEADER = _CANONICAL | {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_TRAILING_BRACKET = re.compile(r"_?\(.*\)$")
_TIME_OF_DAY = re.compile(r"^(\S+)(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_CPV = re.compile(r"^\d{8}(-\d)?$")
_CN_GPC = re.compile(r"^[ABC]\d+$")  # China's procurement catalogue: goods A, works B, services C
# The yuan under the names Chinese spreadsheets give it; any other text is passed on as written.
CURRENCY_NAMES = {"人民币": "CNY", "元": "CNY", "RMB": "CNY"}


def template_shape(path: Path) -> str | None:
    """The shape, csv or xlsx, of a file to read as the procurement template (by its name); else None."""
    return SUFFIXES.get(path.suffix.lower())


def _header_key(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).strip().lower().replace(" ", "_")
    return _TRAILING_BRACKET.sub("", text).strip("_")


def _shown(name: str) -> str:
    chinese = next((a for a in ALIASES.get(name, ()) if not a.isascii()), None)
    return f"{name} ({chinese})" if chinese else name


def column_map(file_name: str, header: list[str]) -> dict[str, str]:
    """Template column → the file's column; ``DataError`` naming what is missing or doubled."""
    columns: dict[str, str] = {}
    for column in header:
        name = _BY_HEADER.get(_header_key(column))
        if name is None:
            continue  # other columns are ignored (documented)
        if name in columns:
            raise DataError(
                f"{file_name}: columns {columns[name]!r} and {column!r} both mean {name}; keep one"
            )
        columns[name] = column
    missing = [_shown(name) for name in TEMPLATE.required if name not in columns]
    if not any(name in columns for name in VALUE_COLUMNS):
        missing.append(" or ".join(_shown(name) for name in VALUE_COLUMNS))
    if missing:
        raise DataError(
            f"{file_name}: missing column(s) {', '.join(missing)} for the procurement template "
            "(see docs/import-templates.md)"
        )
    return columns


def _text(values: dict[str, str], name: str) -> str | None:
    """The cell as written, without surrounding white space (as an OCDS publisher would give it:
    the pipeline and matching normalise text themselves)."""
    return (values.get(name) or "").strip() or None


def _number(value: Decimal | None) -> int | float | None:
    """A JSON number, as an OCDS publisher would write it (whole numbers without a decimal point)."""
    if value is None:
        return None
    if value == value.to_integral_value() and abs(value) < 2**63:
        return int(value)
    return float(value)


def _date(values: dict[str, str]) -> dt.date | None:
    text = (values.get("date") or "").strip()
    if not text:
        return None  # kept: the pipeline flags an item without a date
    if time := _TIME_OF_DAY.match(text):  # "2023/5/1 0:00" from Excel, "2023-05-01T10:00:00Z"
        text = time[1]
    try:
        return parse_date("date", text)
    except FieldError as exc:
        raise FieldError("date", values["date"], exc.reason) from None


def _scheme(values: dict[str, str], code: str) -> str | None:
    scheme = _text(values, "classification_scheme")
    if scheme is not None:
        return scheme.upper()
    if _CPV.match(code):
        return "CPV"
    return "CN-GPC" if _CN_GPC.match(code.upper()) else None


_NOTHING: tuple[object, ...] = (None, [], {})


def _some(**fields: Any) -> dict[str, Any]:
    """An OCDS object of the fields that have a value (OCDS leaves unknown fields out). Objects are
    built bottom-up, one level at a time: this runs for every row of big files."""
    return {name: value for name, value in fields.items() if value not in _NOTHING}


def _item(values: dict[str, str], item_id: str, currency: str | None) -> dict[str, Any]:
    code = _text(values, "classification_code")
    price = _number(parse_decimal("unit_price", values.get("unit_price") or ""))
    attributes = [
        {"name": names[0], "value": value}
        for names, column in (
            (BRAND_NAMES, "brand"),
            (MODEL_NAMES, "model"),
            (CERTIFICATE_NAMES, "certificate_number"),
        )
        if (value := _text(values, column))
    ]
    return _some(
        id=item_id,
        description=_text(values, "description"),
        classification=_some(scheme=_scheme(values, code), id=code) if code else None,
        quantity=_number(parse_decimal("quantity", values.get("quantity") or "")),
        unit=_some(
            id=_text(values, "unit_code"),
            name=_text(values, "unit_name"),
            value=_some(amount=price, currency=currency) if price is not None else None,
        ),
        attributes=attributes,
    )


def _parties(values: dict[str, str], buyer: dict[str, Any], supplier: dict[str, Any]) -> list[dict[str, Any]]:
    buyer_party = _some(
        **buyer,
        roles=["buyer"],
        details=_some(level=_text(values, "buyer_level")),
        address=_some(region=_text(values, "buyer_region")),
    )
    return [buyer_party, {**supplier, "roles": ["supplier"]}] if supplier else [buyer_party]


def row_release(values: dict[str, str], number: int, file_key: str) -> dict[str, Any]:
    """One template row (keyed by template column) → one OCDS 1.1 release; ``FieldError`` when
    the row cannot be used. ``file_key`` makes the ids of rows without contract or item id unique
    to their file (a short prefix of its sha256)."""
    buyer_id, buyer_name = _text(values, "buyer_id"), _text(values, "buyer_name")
    if buyer_id is None and buyer_name is None:
        raise FieldError("buyer_name", "", "is required and empty (or give buyer_id)")
    if _text(values, "description") is None and _text(values, "classification_code") is None:
        raise FieldError("description", "", "is required and empty (or give classification_code)")
    date = _date(values)
    row_id = f"{file_key}-{number}"
    contract_id = _text(values, "contract_id")
    ocid = OCID_PREFIX + (f"{buyer_id or buyer_name}/{contract_id}" if contract_id else row_id)
    currency = _text(values, "currency")
    currency = CURRENCY_NAMES.get(currency.upper(), currency.upper()) if currency else None
    item = _item(values, _text(values, "item_id") or row_id, currency)
    total = _number(parse_decimal("line_total", values.get("line_total") or ""))
    green = parse_flag("declared_green", values.get("declared_green") or "")
    buyer = _some(id=buyer_id, name=buyer_name)
    supplier = _some(id=_text(values, "supplier_id"), name=_text(values, "supplier_name"))
    return _some(
        ocid=ocid,
        id=row_id,
        date=f"{date.isoformat()}T00:00:00Z" if date else None,
        tag=["award"],
        initiationType="tender",
        buyer=buyer,
        parties=_parties(values, buyer, supplier),
        tender=_some(
            id=contract_id or row_id,
            hasSustainability=green,
            sustainability=[{"goal": "environmental"}] if green else None,
        ),
        awards=[
            _some(
                id=contract_id or row_id,
                date=date.isoformat() if date else None,
                status="active",
                value=_some(amount=total, currency=currency) if total is not None else None,
                suppliers=[supplier] if supplier else None,
                items=[item],
            )
        ],
    )


def write_template_release_lines(
    path: Path, out: Path, file_key: str, shape: str, *, progress: ProgressCallback | None = None
) -> ShapeReport:
    """Every valid row of a template file as one JSON line in ``out``; every unusable row in the
    report's problems (location "row N", field = the file's column). ``DataError`` for a file that
    cannot be read or lacks a column. ``out`` appears only when complete. ``progress`` is handed
    to the reader (bytes read of a CSV, rows of an XLSX file)."""
    report = ShapeReport(file=path.name, shape=shape)
    partial = out.with_name(out.name + ".part")
    try:
        with partial.open("wb") as sink:
            for location, release in _releases(path, report, file_key, progress):
                release["_source_file"] = report.file
                release["_source_location"] = location
                sink.write(orjson.dumps(release, option=orjson.OPT_APPEND_NEWLINE))
                report.releases += 1
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return report


def _releases(
    path: Path, report: ShapeReport, file_key: str, progress: ProgressCallback | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    rows = read_rows(path, progress=progress)
    first = next(rows, None)
    if first is None:
        report.add("", None, "the file has a header but no rows")
        return
    columns = column_map(path.name, list(first.values))
    seen: dict[tuple[str, str], int] = {}  # (ocid, item id) → row, for rows that name their item
    for row in itertools.chain([first], rows):
        location = f"row {row.number}"
        values = {name: row.values.get(column, "") for name, column in columns.items()}
        try:
            release = row_release(values, row.number, file_key)
            _check_repeat(release, row.number, seen, values)
        except FieldError as exc:
            report.add(location, columns.get(exc.field, exc.field), f"{exc.reason}; row skipped")
            continue
        yield location, release


def _check_repeat(
    release: dict[str, Any], number: int, seen: dict[tuple[str, str], int], values: dict[str, str]
) -> None:
    """The same contract line twice in a file would count once downstream: refuse the second."""
    item_id = _text(values, "item_id")
    if item_id is None:
        return
    earlier = seen.setdefault((release["ocid"], item_id), number)
    if earlier != number:
        raise FieldError(
            "item_id", item_id, f"item {item_id} of this contract and buyer is already in row {earlier}"
        )
