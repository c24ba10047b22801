"""Case-study reports: every case, its normalised outcomes, the totals and the source checks,
as HTML (Jinja2 template ``templates/cases/report.html``), PDF (from the HTML) or XLSX, in English
or Chinese.

The labels are ``_()`` in the template, Chinese from the gettext catalogue ``cases.po``. Files
are written through :func:`ecoprocure.reports.files.write_atomic`, so a failed
export leaves nothing half-written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from ecoprocure.domain.case_checks import check_cases
from ecoprocure.domain.case_model import CaseStudy
from ecoprocure.domain.case_studies import aggregate, normalise_all
from ecoprocure.domain.case_views import aggregate_dict, case_detail, normalised_dict
from ecoprocure.domain.claim_quantities import format_number
from ecoprocure.domain.claims import summary
from ecoprocure.i18n import N_, gettext, jinja_environment, parse_locale, use_locale
from ecoprocure.reports import pdf
from ecoprocure.reports.files import write_atomic, write_text_atomic

TEMPLATES = Path(__file__).with_name("templates")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")

# The short language code of the case files' texts, by locale (the report's labels come from the
# gettext catalogue ``cases.po``).
TEXT_LANGUAGES = {"en": "en", "zh_Hans": "zh"}
# The column heads of the XLSX "cases" sheet (translated when the sheet is written).
CASE_COLUMNS = (
    N_("Id"),
    N_("Authority"),
    N_("Place"),
    N_("Year"),
    N_("Category"),
    N_("What was bought"),
    N_("Quantity"),
    N_("Baseline"),
    N_("Criteria used"),
)


@dataclass(frozen=True)
class CaseReport:
    lang: str  # the case files' texts: en, zh
    locale: str  # the report's labels: en, zh_Hans
    currency: str
    cases: list[dict[str, Any]]
    totals: dict[str, Any]
    checks: list[dict[str, Any]]
    check_summary: dict[str, int]


def build_report(cases: Sequence[CaseStudy], *, currency: str = "EUR", lang: str = "en") -> CaseReport:
    """Everything the report shows, as plain data (the same shapes as ``--format json``); ``lang``
    is a language the catalogue has (en, zh, zh-Hans …)."""
    locale = parse_locale(lang)
    lang = TEXT_LANGUAGES[locale]
    details = []
    rows = normalise_all(cases, currency=currency, lang=lang)
    for case in cases:
        detail = case_detail(case, lang)
        detail["normalised"] = [normalised_dict(r) for r in rows if r.case == case.id]
        details.append(detail)
    results = check_cases(cases)
    return CaseReport(
        lang=lang,
        locale=locale,
        currency=currency,
        cases=details,
        totals=aggregate_dict(aggregate(rows)),
        checks=[r.to_dict() for r in results],
        check_summary=summary(results),
    )


def render_html(report: CaseReport) -> str:
    environment = jinja_environment([TEMPLATES]).overlay(
        keep_trailing_newline=True, trim_blocks=False, lstrip_blocks=False, undefined=jinja2.Undefined
    )
    environment.filters["n"] = _shown
    with use_locale(report.locale):
        return environment.get_template("cases/report.html").render(report=report)


def write_html(report: CaseReport, path: Path) -> None:
    text = render_html(report)
    write_text_atomic(path, text)


def write_pdf(report: CaseReport, path: Path) -> None:
    pdf.write_pdf(path, render_html(report))


def write_xlsx(report: CaseReport, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "cases"
    with use_locale(report.locale):
        sheet.append([gettext(column) for column in CASE_COLUMNS])
    for case in report.cases:
        place = ", ".join(p for p in (case["city"], case["region"], case["country"]) if p)
        quantity = f"{case['quantity']} {case['item']}" if case["quantity"] else ""
        sheet.append([case["id"], case["authority"], place, case["year"], case["category"],
                      case["bought"]["what"], quantity, case["baseline"], case["criteria"]])  # fmt: skip
    outcomes = book.create_sheet("outcomes")
    columns = [
        *("case", "outcome", "kind", "gas", "stated", "unit", "annual", "total"),
        *("per_unit", "per_unit_of", "confidence", "arithmetic", "problem"),
    ]
    outcomes.append(columns)
    for case in report.cases:
        for row in case["normalised"]:
            values = row | {"arithmetic": " | ".join(row["arithmetic"])}
            outcomes.append([_cell(values[c]) for c in columns])
    sources = book.create_sheet("sources")
    sources.append(["case", "figure", "shown", "lang", "adopted", "document", "location", "quote", "note"])
    for case in report.cases:
        figures = [("quantity", case["bought"]["sources"])] + [
            (o["id"], o["sources"]) for o in case["outcomes"]
        ]
        for figure, readings in figures:
            for r in readings:
                sources.append([case["id"], figure, r["shown"], r["lang"], r["adopted"], r["document"],
                                r["location"], r["quote"], r["note"]])  # fmt: skip
    totals = book.create_sheet("totals")
    totals.append(["kind", "basis", "value", "unit", "arithmetic"])
    for total in report.totals["totals"]:
        totals.append(
            [total["kind"], total["basis"], _cell(total["value"]), total["unit"], total["arithmetic"]]
        )
    checks = book.create_sheet("checks")
    checks.append(["check", "verdict", "arithmetic", "hint"])
    for check in report.checks:
        checks.append([check["id"], check["verdict"], check["arithmetic"], check["hint"]])
    write_atomic(path, book.save)


def _shown(value: str | None) -> str:
    """A JSON number string for people: ``"840.408333333333"`` → ``"≈ 840.408"``."""
    return "—" if value is None else format_number(Decimal(value), digits=6)


def _cell(value: Any) -> Any:
    """Numbers as numbers in the sheet (they are strings in the JSON shape)."""
    if isinstance(value, str):
        try:
            return (
                float(value)
                if any(ch.isdigit() for ch in value) and value.lstrip("-").replace(".", "").isdigit()
                else value
            )
        except ValueError:
            return value
    return value
