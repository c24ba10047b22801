"""The figures of the annual green procurement report, assembled once from the pipeline.

One preparation (dedupe → classify → match → convert) of the items of the report year and the
year before, restricted to the scope, feeds both the green-share indicators and the benefits
(``pipeline.run.prepare`` with a filter, then ``indicator_rows`` / ``benefits_of``), so the
report's green share is the one ``ecoprocure indicators`` gives and its benefits those of
``ecoprocure impact``. Everything lands in :class:`AnnualReport`: plain values and tables that the
HTML, PDF, XLSX and CSV writers (``reports.annual_report``) only format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
from sqlalchemy import Connection, text

from ecoprocure.domain.benefit_summary import compare_years, summary
from ecoprocure.domain.factor_model import FactorSet
from ecoprocure.domain.report_scope import Scope, UnknownScope
from ecoprocure.errors import DataError
from ecoprocure.pipeline import engine as engines
from ecoprocure.pipeline.normalise import latest_per_item
from ecoprocure.pipeline.registry_snapshot import Snapshot
from ecoprocure.pipeline.run import (
    REPORTING_CURRENCY,
    benefits_of,
    coverage_of,
    for_year,
    indicator_rows,
    prepare,
)
from ecoprocure.store.statistics import programme_statistics

TOP_BUYERS = 20


def _(message: str) -> str:
    """Marks a label for translation; the writers translate it in the report's language."""
    return message


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # English; translated when written
    # text | name (``<key>_en`` / ``<key>_zh`` per language) | year | count | amount | share |
    # points (share points) | ratio (growth, ×100 %) | quantity | value (the row's ``kind`` says)
    kind: str = "text"


@dataclass
class ReportTable:
    """One table of the report: a section of the HTML/PDF, a sheet of the XLSX, a CSV file."""

    name: str
    title: str  # English, may hold %(year)s / %(previous)s; translated when written
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]

    def csv_columns(self) -> list[str]:
        return [
            key
            for c in self.columns
            for key in ((f"{c.key}_en", f"{c.key}_zh") if c.kind == "name" else (c.key,))
        ]


@dataclass
class AnnualReport:
    year: int
    scope: str
    reporting_currency: str
    factor_set: str
    factor_set_version: str
    period: str
    generated_on: dt.date
    current: dict[str, Any]  # the green-share row of the report year (with its trend)
    previous: dict[str, Any] | None
    money_total: dict[str, Any] | None
    money_warnings: list[str]
    skipped_equivalences: list[str]
    benefit_coverage: dict[str, Any]
    tables: list[ReportTable] = field(default_factory=list)

    def table(self, name: str) -> ReportTable:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)


_SHARES = (
    Column("eligible_spend", _("Eligible spend"), "amount"),
    Column("green_spend", _("Green spend"), "amount"),
    Column("green_share", _("Green share (spend)"), "share"),
    Column("green_share_by_count", _("Green share (count)"), "share"),
    Column("previous_green_share", _("Green share, previous year"), "share"),
    Column("green_share_change", _("Change (points)"), "points"),
)
_RANGE = (
    Column("low", _("Low"), "quantity"),
    Column("central", _("Central"), "quantity"),
    Column("high", _("High"), "quantity"),
)


def annual_report_data(
    conn: Connection,
    item_files: list[Path],
    snapshot: Snapshot,
    factor_set: FactorSet,
    *,
    year: int,
    scope: Scope | None = None,
    reporting_currency: str = REPORTING_CURRENCY,
    engine: str = "duckdb",
    equivalence_ids: Iterable[str] | None = None,
    carbon_price_id: str | None = None,
    shadow_price_ids: Iterable[str] = (),
    accept_scheme: str | None = None,
    today: dt.date | None = None,
) -> AnnualReport:
    """Every figure of the report for ``year`` and ``scope`` (the year before for the trends)."""
    scope = scope or Scope("country")
    column = scope.column
    first = year - 1

    def where(items: ir.Table) -> ir.BooleanValue:
        keep = items.year.between(first, year)
        return keep if column is None else keep & (items[column] == scope.value)

    prepared = prepare(
        item_files,
        snapshot,
        engine=engine,
        reporting_currency=reporting_currency,
        accept_scheme=accept_scheme,
        where=where,
    )
    this_year = for_year(prepared, year)
    cover, found_issues = coverage_of(this_year)
    if not cover["items"]:
        _no_data(item_files, engine, scope, year)
    by_year = {r["year"]: r for r in indicator_rows(prepared, ["year"])}
    benefits = benefits_of(this_year, factor_set, by=["category"], engine=engine)
    before = benefits_of(for_year(prepared, first), factor_set, by=["year"], engine=engine)
    names = _category_names(conn)
    impacts = {code: (i.name_en, i.name_zh or i.name_en) for code, i in factor_set.impacts.items()}
    reductions = _by_impact(benefits.rows, "reduction", impacts)
    told = summary(
        reductions,
        equivalence_ids=equivalence_ids,
        carbon_price_id=carbon_price_id,
        shadow_price_ids=shadow_price_ids,
        currency=reporting_currency if carbon_price_id or list(shadow_price_ids) else None,
    )
    yoy = compare_years([*before.by_year, *benefits.by_year], first, year)
    used = {r["category"] for r in benefits.rows if r["items"]}
    factors = [f for f in benefits.factors if f["category"] in used]
    report = AnnualReport(
        year=year,
        scope=str(scope),
        reporting_currency=reporting_currency.upper(),
        factor_set=factor_set.name,
        factor_set_version=factor_set.version,
        period=benefits.period,
        generated_on=today or dt.date.today(),
        current=by_year[year],
        previous=by_year.get(first),
        money_total=told["money_total"],
        money_warnings=told["money_warnings"],
        skipped_equivalences=told["skipped_equivalences"],
        benefit_coverage=benefits.coverage,
    )
    report.tables = [
        _trend_table(by_year, first, year),
        *_breakdowns(prepared, year, names),
        _table("benefits", _("Reductions by impact, %(year)s"), _IMPACT_COLUMNS, reductions),
        _table(
            "benefits_by_category",
            _("Reductions by category and impact, %(year)s"),
            (Column("category", _("Category")), Column("category_name", _("Name"), "name"), *_IMPACT_COLUMNS),
            _by_category(benefits.rows, names, impacts),
        ),
        _table(
            "footprints",
            _("Footprint of all purchases in the eligible categories, %(year)s"),
            _IMPACT_COLUMNS,
            _by_impact(benefits.rows, "footprint", impacts),
        ),
        _table("equivalents", _("Equivalents of the reductions"), _EQUIVALENT_COLUMNS, told["equivalents"]),
        _table("money", _("Value of the reductions"), _MONEY_COLUMNS, told["money"]),
        _table(
            "year_over_year", _("Reductions, %(previous)s and %(year)s"), _YOY_COLUMNS, _yoy(yoy, first, year)
        ),
        _table(
            "programme_statistics",
            _("Labelling programme statistics on 31 December %(year)s"),
            _PROGRAMME_COLUMNS,
            _programme(conn, year),
        ),
        _table(
            "coverage",
            _("Data coverage, %(year)s"),
            _COVERAGE_COLUMNS,
            _coverage_rows(cover, benefits.coverage),
        ),
        _table("issues", _("Data problems, %(year)s"), _ISSUE_COLUMNS, found_issues),
        _table("factors", _("Factors used and their sources"), _FACTOR_COLUMNS, factors),
        _table("sources", _("Sources"), _SOURCE_COLUMNS, _sources(factor_set, factors, told)),
    ]
    return report


def _no_data(item_files: list[Path], engine: str, scope: Scope, year: int) -> None:
    """Why the report year has no items: an unknown region or buyer, or no purchases that year."""
    column = scope.column
    if column is not None:
        con = engines.connect(engine)
        items = latest_per_item(engines.read_parquet(con, item_files))
        known = items.filter(items[column] == scope.value).count().execute()
        if not known:
            values = items.select(column).distinct().order_by(column).limit(11).to_pyarrow()
            shown = [str(v) for v in values.column(column).to_pylist() if v is not None]
            listed = ", ".join(shown[:10]) + (" …" if len(shown) > 10 else "")
            raise UnknownScope(
                f"--scope {scope}: no purchases with {column} {scope.value!r} in the ingested data "
                f"(some that exist: {listed or 'none'})"
            )
    raise DataError(f"no purchases in {year} for scope {scope}: nothing to report (check --year)")


def _table(name: str, title: str, columns: tuple[Column, ...], rows: Iterable[dict[str, Any]]) -> ReportTable:
    return ReportTable(name, title, columns, list(rows))


_TREND_COLUMNS = (
    Column("year", _("Year"), "year"),
    Column("items", _("Items"), "count"),
    Column("eligible_items", _("Eligible items"), "count"),
    Column("green_items", _("Green items"), "count"),
    Column("eligible_spend", _("Eligible spend"), "amount"),
    Column("green_spend", _("Green spend"), "amount"),
    Column("green_share", _("Green share (spend)"), "share"),
    Column("green_share_by_count", _("Green share (count)"), "share"),
    Column("declared_green_share", _("Declared green by the publisher"), "share"),
    Column("green_share_change", _("Change (points)"), "points"),
    Column("green_spend_growth", _("Green spend growth"), "ratio"),
)


def _trend_table(by_year: dict[int, dict[str, Any]], first: int, year: int) -> ReportTable:
    rows = [by_year[y] for y in (first, year) if y in by_year]
    return _table("green_share_trend", _("Green share, %(previous)s and %(year)s"), _TREND_COLUMNS, rows)


_BREAKDOWNS = (
    ("category", "green_share_by_category", _("Green share by category, %(year)s"),
     (Column("category", _("Category")), Column("category_name", _("Name"), "name"))),
    ("region", "green_share_by_region", _("Green share by region, %(year)s"),
     (Column("buyer_region", _("Region")),)),
    ("level", "green_share_by_level", _("Green share by buyer level, %(year)s"),
     (Column("buyer_level", _("Buyer level")),)),
    ("buyer", "top_buyers", _("Largest buyers by eligible spend, %(year)s"),
     (Column("buyer_id", _("Buyer id")), Column("buyer_name", _("Buyer")))),
)  # fmt: skip


def _breakdowns(prepared: Any, year: int, names: dict[str, tuple[str, str]]) -> list[ReportTable]:
    tables = []
    for dimension, name, title, keys in _BREAKDOWNS:
        rows = indicator_rows(prepared, ["year", dimension])
        last = {_key(r, keys): r["green_share"] for r in rows if r["year"] == year - 1}
        current = [r for r in rows if r["year"] == year]
        for row in current:
            row["previous_green_share"] = last.get(_key(row, keys))
            if dimension == "category":
                code = row["category"]
                row["category_name_en"], row["category_name_zh"] = names.get(code or "", (code, code))
        current.sort(key=lambda r: (-(r["eligible_spend"] or 0), str(_key(r, keys))))
        if dimension == "buyer":
            current = current[:TOP_BUYERS]
        tables.append(_table(name, title, (*keys, *_SHARES), current))
    return tables


def _key(row: dict[str, Any], keys: tuple[Column, ...]) -> tuple[Any, ...]:
    return tuple(row.get(c.key) for c in keys if c.kind != "name")


_IMPACT_COLUMNS = (
    Column("impact", _("Impact")),
    Column("impact_name", _("Name"), "name"),
    Column("unit", _("Unit")),
    Column("items", _("Items"), "count"),
    *_RANGE,
)


def _by_impact(
    rows: list[dict[str, Any]], measure: str, impacts: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    sums: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        if row["measure"] != measure:
            continue
        en, zh = impacts.get(row["impact"], (row["impact"], row["impact"]))
        total = sums.setdefault(
            (row["impact"], row["unit"]),
            {"impact": row["impact"], "impact_name_en": en, "impact_name_zh": zh, "measure": measure,
             "unit": row["unit"], "items": 0, "low": 0.0, "central": 0.0, "high": 0.0},
        )  # fmt: skip
        for k in ("items", "low", "central", "high"):
            total[k] += row[k]
    return sorted(sums.values(), key=lambda r: r["impact"])


def _by_category(
    rows: list[dict[str, Any]], names: dict[str, tuple[str, str]], impacts: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        if row["measure"] != "reduction" or not row["items"]:
            continue
        en, zh = impacts.get(row["impact"], (row["impact"], row["impact"]))
        cat_en, cat_zh = names.get(row["category"], (row["category"], row["category"]))
        out.append(
            {**{k: row[k] for k in ("category", "impact", "unit", "items", "low", "central", "high")},
             "category_name_en": cat_en, "category_name_zh": cat_zh,
             "impact_name_en": en, "impact_name_zh": zh}
        )  # fmt: skip
    return sorted(out, key=lambda r: (r["category"], r["impact"]))


_EQUIVALENT_COLUMNS = (
    Column("constant", _("Constant")),
    Column("impact", _("Impact")),
    *_RANGE,
    Column("label", _("Equivalent to")),
    Column("arithmetic", _("Arithmetic")),
    Column("source", _("Source")),
)
_MONEY_COLUMNS = (
    Column("price", _("Price")),
    Column("impact", _("Impact")),
    Column("low", _("Low"), "amount"),
    Column("central", _("Central"), "amount"),
    Column("high", _("High"), "amount"),
    Column("currency", _("Currency")),
    Column("arithmetic", _("Arithmetic")),
    Column("source", _("Source")),
)
_YOY_COLUMNS = (
    Column("type", _("Type")),
    Column("impact", _("Impact")),
    Column("impact_name", _("Name"), "name"),
    Column("unit", _("Unit")),
    Column("previous", _("Previous year"), "quantity"),
    Column("current", _("Report year"), "quantity"),
    Column("change", _("Change"), "quantity"),
    Column("change_pct", _("Change (%)"), "quantity"),
)


def _yoy(rows: list[dict[str, Any]], first: int, year: int) -> list[dict[str, Any]]:
    """The year-over-year rows with fixed column names (``previous`` / ``current``)."""

    def number(value: Any) -> float | None:
        return None if value in (None, "") else float(value)

    return [
        {"type": r["type"], "impact": r["impact"], "impact_name_en": r["name_en"],
         "impact_name_zh": r["name_zh"], "unit": r["unit"],
         "previous": number(r[str(first)]), "previous_low": number(r[f"{first}_low"]),
         "previous_high": number(r[f"{first}_high"]), "current": number(r[str(year)]),
         "current_low": number(r[f"{year}_low"]), "current_high": number(r[f"{year}_high"]),
         "change": number(r["change"]), "change_pct": number(r["change_pct"])}
        for r in rows
    ]  # fmt: skip


_PROGRAMME_COLUMNS = (
    Column("scheme", _("Scheme")),
    Column("criteria", _("Criteria"), "count"),
    Column("licensees", _("Licensees"), "count"),
    Column("licensees_growth", _("Licensees growth (%)"), "quantity"),
    Column("certificates", _("Certificates"), "count"),
    Column("certificates_growth", _("Certificates growth (%)"), "quantity"),
    Column("categories", _("Categories"), "count"),
    Column("product_models", _("Product models"), "count"),
    Column("product_models_growth", _("Product models growth (%)"), "quantity"),
)


def _programme(conn: Connection, year: int) -> list[dict[str, Any]]:
    rows = []
    for counts in programme_statistics(conn, year):
        row: dict[str, Any] = {"scheme": counts.scheme_code, **counts.counts}
        for measure in ("licensees", "certificates", "product_models"):
            growth = counts.growth.get(measure)
            percent = growth.percent(1) if growth else None
            row[f"{measure}_growth"] = None if percent is None else float(percent)
        row["arithmetic"] = "; ".join(g.arithmetic for g in counts.growth.values())
        rows.append(row)
    return rows


_COVERAGE_COLUMNS = (Column("label", _("Measure")), Column("value", _("Value"), "value"))
_COVERAGE = (
    ("items", _("Distinct purchased items"), "count"),
    ("share_items_usable", _("Items usable (no data problem)"), "share"),
    ("share_items_converted", _("Items converted to the reporting currency"), "share"),
    ("items_converted_other_year", _("Items converted at another year's rates"), "count"),
    ("items_classified", _("Items classified to a product category"), "count"),
    ("share_spend_classified", _("Spend classified"), "share"),
    ("share_spend_eligible", _("Spend in eligible categories"), "share"),
    ("items_matched", _("Items matched to a certificate"), "count"),
    ("items_certified", _("Items certified on the purchase date"), "count"),
    ("items_certified_by_recognition", _("Items certified through mutual recognition"), "count"),
    ("share_spend_matched", _("Spend matched to certificates"), "share"),
    ("certified_items_with_factor", _("Certified items with a reduction factor"), "count"),
    ("items_with_benefit", _("Certified items earning a benefit"), "count"),
)


def _coverage_rows(cover: dict[str, Any], benefit_cover: dict[str, Any]) -> list[dict[str, Any]]:
    both = {**cover, **benefit_cover}
    return [
        {"measure": key, "label": label, "value": both.get(key), "kind": kind}
        for key, label, kind in _COVERAGE
    ]


_ISSUE_COLUMNS = (
    Column("reason", _("Problem")),
    Column("left_out", _("Left out of the sums")),
    Column("items", _("Items"), "count"),
)
_FACTOR_COLUMNS = (
    Column("category", _("Category")),
    Column("impact", _("Impact")),
    Column("measure", _("Measure")),
    *_RANGE,
    Column("unit", _("Unit")),
    Column("distribution", _("Distribution")),
    Column("trace", _("Source")),
)
_SOURCE_COLUMNS = (
    Column("kind", _("Kind")),
    Column("id", _("Id")),
    Column("text", _("Source")),
)


def _sources(
    factor_set: FactorSet, factors: list[dict[str, Any]], told: dict[str, Any]
) -> list[dict[str, Any]]:
    """Every source behind a number of the report: factor-set sources cited by the factors used,
    equivalence constants and prices."""
    cited = {s.strip() for f in factors for s in f["trace"].split("sources ", 1)[-1].split(";")[0].split(",")}
    rows = [
        {"kind": "factor", "id": s.id, "text": _citation(s.publisher, s.title, s.year, s.locator, s.url)}
        for s in factor_set.info.sources
        if s.id in cited
    ]
    seen = set()
    for kind, key, lines in (
        ("equivalence", "constant", told["equivalents"]),
        ("price", "price", told["money"]),
    ):
        for line in lines:
            if line[key] not in seen:
                seen.add(line[key])
                rows.append({"kind": kind, "id": line[key], "text": line["source"]})
    return rows


def _citation(*parts: object) -> str:
    return "; ".join(str(p) for p in parts if p)


def _category_names(conn: Connection) -> dict[str, tuple[str, str]]:
    rows = conn.execute(text("SELECT code, name_en, name_zh FROM category"))
    return {code: (en, zh or en) for code, en, zh in rows}
