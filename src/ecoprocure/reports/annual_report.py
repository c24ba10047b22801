"""The annual green procurement report as HTML, PDF, XLSX or CSV, in English or Chinese.

The figures come from :func:`ecoprocure.reports.annual_data.annual_report_data`; this module only
formats them (numbers per locale), draws the charts and writes the file. Every file is written
to a temporary name beside the target and renamed when complete, so a failed run leaves nothing
half-written.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ecoprocure.errors import DataError
from ecoprocure.i18n import (
    LANGUAGE_NAMES,
    current_locale,
    format_date,
    format_number,
    format_percent,
    jinja_environment,
    use_locale,
)
from ecoprocure.i18n import gettext as _
from ecoprocure.reports import charts
from ecoprocure.reports.annual_data import AnnualReport, Column, ReportTable
from ecoprocure.reports.files import write_atomic
from ecoprocure.reports.pdf import CJK_FONT_STACK, html_to_pdf

FORMATS = ("html", "pdf", "xlsx", "csv")
TEMPLATES = Path(__file__).parent / "templates"
CHART_ROWS = 15  # bars per chart (largest eligible spend first); the tables list every row


def write_report(report: AnnualReport, output: Path, *, fmt: str, locale: str) -> Path:
    """Write ``report`` to ``output`` in ``fmt`` (html, pdf, xlsx, csv: a ZIP of CSV files)."""
    if fmt not in FORMATS:
        raise DataError(f"--format {fmt!r}: use {', '.join(FORMATS)}")
    folder = output.parent
    if not folder.is_dir():  # write_atomic would create it: a mistyped path is an error here
        raise DataError(f"--output {output}: folder {folder} does not exist")
    writer: dict[str, Callable[[AnnualReport, Path], object]] = {
        "html": lambda r, target: target.write_text(render_html(r), encoding="utf-8"),
        "pdf": lambda r, target: html_to_pdf(render_html(r, for_pdf=True), target, TEMPLATES),
        "xlsx": _xlsx,
        "csv": _csv_zip,
    }
    with use_locale(locale):
        return write_atomic(output, lambda target: writer[fmt](report, target))


# --- formatting -------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def format_quantity(value: Any) -> str:
    """A physical quantity: whole numbers from 1,000, else up to three significant decimals."""
    number = _number(value)
    if number is None:
        return "–"
    size = abs(number)
    digits = 0 if size >= 1000 or number == 0 else 1 if size >= 100 else 2 if size >= 1 else 4
    return format_number(number, digits)


def format_cell(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    number = _number(value) if kind not in ("text", "year") else None
    if kind == "year":
        return str(value)
    if kind == "count" and number is not None:
        return format_number(number)
    if kind == "amount" and number is not None:
        return format_number(number, 0 if abs(number) >= 1000 else 2)
    if kind == "share":
        return format_percent(number)
    if kind in ("points", "ratio") and number is not None:
        sign = "+" if number > 0 else ""
        if kind == "points":
            return sign + format_number(number * 100, 1)
        return sign + format_percent(number)
    if kind == "quantity":
        return format_quantity(number)
    return str(value)


def _zh() -> bool:
    return current_locale() != "en"


def _title(report: AnnualReport, table: ReportTable) -> str:
    return _(table.title) % {"year": report.year, "previous": report.year - 1}


def _cell(row: dict[str, Any], column: Column) -> str:
    if column.kind == "name":
        return str(row.get(f"{column.key}_{'zh' if _zh() else 'en'}") or "–")
    if column.kind == "value":
        return format_cell(row.get(column.key), row.get("kind", "text"))
    value = row.get(column.key)
    if column.key == "label" and "measure" in row:  # coverage rows: a translated label
        return _(str(value))
    return format_cell(value, column.kind)


_NUMERIC = {"count", "amount", "share", "points", "ratio", "quantity", "value", "year"}


def table_view(report: AnnualReport, table: ReportTable) -> dict[str, Any]:
    """A table as the template shows it: translated title and headers, formatted cells."""
    return {
        "name": table.name,
        "title": _title(report, table),
        "headers": [_(c.label) for c in table.columns],
        "numeric": [c.kind in _NUMERIC for c in table.columns],
        "rows": [[_cell(row, c) for c in table.columns] for row in table.rows],
    }


# --- HTML and PDF ------------------------------------------------------------------------------


def _charts(report: AnnualReport) -> dict[str, str]:
    trend = report.table("green_share_trend").rows
    out = {
        "trend": charts.share_bars(
            [str(r["year"]) for r in trend],
            [r["green_share"] for r in trend],
            title=_("Green share of eligible spend"),
            percent=_("% of eligible spend"),
        )
    }
    for name, key in (
        ("green_share_by_category", "category_name"),
        ("green_share_by_region", "buyer_region"),
    ):
        rows = report.table(name).rows[:CHART_ROWS]
        if rows:
            out[name] = charts.share_bars(
                [str(r.get(f"{key}_{'zh' if _zh() else 'en'}") or r.get(key) or "–") for r in rows],
                [r["green_share"] for r in rows],
                title=_title(report, report.table(name)),
                percent=_("% of eligible spend"),
            )
    return out


def _headline(report: AnnualReport) -> dict[str, str]:
    now, before = report.current, report.previous or {}
    return {
        "green_spend": format_cell(now["green_spend"], "amount"),
        "eligible_spend": format_cell(now["eligible_spend"], "amount"),
        "green_share": format_cell(now["green_share"], "share"),
        "green_share_by_count": format_cell(now["green_share_by_count"], "share"),
        "previous_share": format_cell(before.get("green_share"), "share"),
        "change": format_cell(now.get("green_share_change"), "points"),
        "growth": format_cell(now.get("green_spend_growth"), "ratio"),
        "green_items": format_cell(now["green_items"], "count"),
        "items": format_cell(now["items"], "count"),
    }


def render_html(report: AnnualReport, *, for_pdf: bool = False) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG charts), in the current
    locale (``i18n.use_locale``)."""
    env = jinja_environment([TEMPLATES])
    env.filters["quantity"] = format_quantity
    scope_kind, _sep, scope_value = report.scope.partition(":")
    context = {
        "report": report,
        "scope_kind": scope_kind,
        "scope_value": scope_value,
        "generated_on": format_date(report.generated_on),
        "language": LANGUAGE_NAMES,
        "headline": _headline(report),
        "tables": {t.name: table_view(report, t) for t in report.tables},
        "charts": _charts(report),
        "money_total": report.money_total,
        "font_stack": CJK_FONT_STACK,
        "for_pdf": for_pdf,
    }
    return env.get_template("annual/report.html").render(**context)


# --- XLSX and CSV ------------------------------------------------------------------------------


def _about(report: AnnualReport) -> list[tuple[str, str]]:
    return [
        ("year", str(report.year)),
        ("scope", report.scope),
        ("reporting_currency", report.reporting_currency),
        ("factor_set", f"{report.factor_set} {report.factor_set_version}"),
        ("period", report.period),
        ("generated_on", report.generated_on.isoformat()),
        ("money_total", "" if not report.money_total else _money_total(report.money_total)),
        ("money_warnings", " | ".join(report.money_warnings)),
    ]


def _money_total(total: dict[str, Any]) -> str:
    return f"{total['central']} {total['currency']} ({total['low']}–{total['high']})"


def _raw(row: dict[str, Any], key: str) -> Any:
    value = row.get(key)
    if isinstance(value, str) and key in ("low", "central", "high", "value"):
        try:
            return float(value)
        except ValueError:
            return value
    return value


_FORMATS = {"share": "0.0%", "amount": "#,##0.00", "count": "#,##0", "quantity": "#,##0.####"}


def _xlsx(report: AnnualReport, out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    about.title = "report"
    about.append([_("Annual green procurement report")])
    for key, value in _about(report):
        about.append([key, value])
    for table in report.tables:
        sheet = book.create_sheet(table.name[:31])
        sheet.append([_title(report, table)])
        sheet["A1"].font = Font(bold=True)
        keys = table.csv_columns()
        kinds = {k: c.kind for c in table.columns for k in (c.key, f"{c.key}_en", f"{c.key}_zh")}
        labels = {c.key: _(c.label) for c in table.columns}
        sheet.append(
            [labels.get(k) or f"{labels[k.rsplit('_', 1)[0]]} ({k.rsplit('_', 1)[1]})" for k in keys]
        )
        sheet.append(keys)
        for row in table.rows:
            sheet.append([_raw(row, k) for k in keys])
        for index, key in enumerate(keys, start=1):
            number_format = _FORMATS.get(kinds.get(key, ""))
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=4, min_col=index, max_col=index):
                    cell.number_format = number_format
        sheet.freeze_panes = "A4"
    book.save(out)


def csv_tables(report: AnnualReport) -> dict[str, str]:
    """One CSV text per table (header: the column keys), plus ``report.csv`` (what was asked)."""
    files = {
        "report.csv": _csv_text(
            ["key", "value"], [dict(zip(["key", "value"], r, strict=True)) for r in _about(report)]
        )
    }
    for table in report.tables:
        keys = table.csv_columns()
        files[f"{table.name}.csv"] = _csv_text(keys, [{k: _raw(row, k) for k in keys} for row in table.rows])
    return files


def _csv_text(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _csv_zip(report: AnnualReport, out: Path) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in csv_tables(report).items():
            # UTF-8 with a byte-order mark: spreadsheet programs then read the Chinese names right
            archive.writestr(name, "\ufeff" + text)
