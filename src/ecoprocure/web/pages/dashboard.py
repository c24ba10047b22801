"""The public green procurement dashboard: the green share of the ingested purchases by year,
category, region and buyer, the environmental benefits of the selected year and the coverage of
the data, with each chart's table downloadable as CSV or XLSX.

No pipeline run per view: one fine-grained run (``web.analyses.dashboard_rollup``: indicators by
year × region × category × level, buyers, benefits by the same dimensions and impact, cached under
the inputs' signature) and every view is a roll-up of its rows (``domain.rollup``), with the same
figures as ``GET /api/v1/procurement/indicators`` and ``/benefits`` for the same question. A filter
(region, category, buyer level) adds its dimension to the question (``by=year,region`` …) and keeps
the rows of the chosen value; a chart by the filtered dimension itself shows every value of it.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from ecoprocure import i18n
from ecoprocure.domain import rollup
from ecoprocure.domain.equivalences import unit_text
from ecoprocure.i18n import N_, gettext
from ecoprocure.pipeline.indicators import DIMENSIONS
from ecoprocure.store.registry_listing import list_categories
from ecoprocure.web import analyses
from ecoprocure.web.pages.templating import render, request_locale
from ecoprocure.web.pages.visitor import PageError
from ecoprocure.web.services import Services

router = APIRouter(include_in_schema=False)

FILTERS = ("region", "category", "level")  # besides the year; the order of the dimension lists
TOP_BUYERS = analyses.TOP_BUYERS  # the roll-up keeps the buyer rows that can rank among them
MAX_FILTER_LENGTH = 300
GREEN, GREY = "#176b3a", "#4a5560"  # site.css --green and --muted (contrast ≥ 4.5:1 on white)
LEVEL_NAMES = {
    "central": N_("central"),
    "provincial": N_("provincial"),
    "municipal": N_("municipal"),
    "county": N_("county"),
    "township": N_("township"),
}
IMPACT_NAMES = {  # the impacts of the shipped factor sets (reference/data/factors)
    "co2e": N_("greenhouse gases (CO2e)"),
    "co2": N_("carbon dioxide (CO2)"),
    "so2": N_("sulphur dioxide (SO2)"),
    "nox": N_("nitrogen oxides (NOx)"),
    "cod": N_("chemical oxygen demand (COD)"),
    "nh3_n": N_("ammonia nitrogen (NH3-N)"),
    "tp": N_("total phosphorus (TP)"),
    "voc": N_("volatile organic compounds (VOC)"),
    "formaldehyde": N_("formaldehyde"),
    "electricity": N_("electricity"),
    "water": N_("water"),
}
MEASURE_NAMES = {"reduction": N_("reduction"), "footprint": N_("footprint")}


def _impact(code: str) -> str:
    return gettext(IMPACT_NAMES[code]) if code in IMPACT_NAMES else code


def _column(dim: str) -> str:
    return DIMENSIONS[dim][0]


# --- the question -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    region: str | None = None
    category: str | None = None
    level: str | None = None

    def chosen(self) -> dict[str, str]:
        return {name: value for name in FILTERS if (value := getattr(self, name)) is not None}


def _refuse(request: Request, message: str, **values: object) -> PageError:
    with i18n.use_locale(request_locale(request)):
        return PageError(422, gettext(message, **values))


def read_filters(request: Request) -> Filters:
    """The filters of the query string; a malformed one is a 422 page naming it."""
    params = request.query_params
    values: dict[str, Any] = {}
    for name in ("year", *FILTERS):
        raw = params.get(name, "").strip()
        if not raw:
            continue
        if len(raw) > MAX_FILTER_LENGTH:
            raise _refuse(request, N_("%(field)s: the value is too long."), field=name)
        if name == "year":
            if not re.fullmatch(r"\d{4}", raw):
                raise _refuse(request, N_("year: %(value)s is not a year (four digits)."), value=raw)
            values[name] = int(raw)
        else:
            values[name] = raw
    return Filters(**values)


# --- the tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # English, translated where shown
    kind: str = "text"  # text, money, share, change, count, number


@dataclass
class Table:
    name: str
    caption: str  # translated
    columns: list[Column]
    rows: list[dict[str, Any]]
    labels: list[str] = field(default_factory=list)  # each row's name as shown (translated)


SHARE_COLUMNS = [
    Column("items", N_("Items"), "count"),
    Column("eligible_spend", N_("Eligible spend"), "money"),
    Column("green_spend", N_("Green spend"), "money"),
    Column("green_share", N_("Green share by spend"), "share"),
    Column("green_share_by_count", N_("Green share by count"), "share"),
    Column("declared_green_share", N_("Declared green share"), "share"),
]


@dataclass
class Dashboard:
    filters: Filters
    year: int | None
    years: list[int]
    options: dict[str, list[tuple[str, str]]]  # filter → (value, label)
    headline: dict[str, Any]
    previous: dict[str, Any] | None
    tables: dict[str, Table]
    coverage: dict[str, Any]
    issues: list[dict[str, Any]]
    benefit_coverage: dict[str, Any]
    currency: str
    factor_set: str


def _dims(*names: str) -> tuple[str, ...]:
    order = ("year", *FILTERS, "buyer")
    return tuple(sorted(dict.fromkeys(names), key=order.index))


def _category_names(services: Services) -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    with services.db.engine.connect() as conn:
        while True:
            listing = list_categories(conn, limit=200, offset=len(names))
            for row in listing.rows:
                names[row["code"]] = (row["name_en"], row["name_zh"] or row["name_en"])
            if not listing.rows or len(names) >= listing.total:
                return names


def _columns(dims: tuple[str, ...]) -> list[str]:
    return [c for dim in dims for c in DIMENSIONS[dim]]


def build(services: Services, filters: Filters, refuse: Callable[..., PageError]) -> Dashboard:
    """Every number of the page (and of the downloads) for these filters, summed from the
    dashboard's roll-up (no pipeline run once it is cached)."""
    chosen = filters.chosen()
    base = [n for n in FILTERS if n in chosen]
    where = {_column(n): chosen[n] for n in base}
    by_year = _dims("year", *base)
    per = {
        "category": _dims("year", *[n for n in base if n != "category"], "category"),
        "region": _dims("year", *[n for n in base if n != "region"], "region"),
        "buyer": _dims("year", *base, "buyer"),
    }
    data = analyses.dashboard_rollup(services)
    zh = i18n.current_locale() == "zh_Hans"
    names = _category_names(services)

    def label(dim: str, value: Any) -> str:
        if value is None:
            return gettext("not recorded")
        if dim == "category":
            pair = names.get(value)
            return f"{pair[1] if zh else pair[0]}" if pair else str(value)
        if dim == "level":
            return gettext(LEVEL_NAMES[value]) if value in LEVEL_NAMES else str(value)
        return str(value)

    options: dict[str, list[tuple[str, str]]] = {}
    for name in FILTERS:
        values = sorted({r[_column(name)] for r in data.indicators} - {None}, key=str)
        options[name] = [(v, label(name, v)) for v in values]
    for name, value in chosen.items():
        if value not in {v for v, _label in options[name]}:
            raise refuse(N_("%(field)s: no purchases with %(value)s in the data."), field=name, value=value)

    rows_by_year = rollup.indicators(data.indicators, _columns(by_year), where)
    years = sorted({r["year"] for r in rows_by_year if r["year"] is not None})
    all_years = sorted({r["year"] for r in data.indicators} - {None})
    if filters.year is not None and filters.year not in all_years:
        raise refuse(N_("year: no purchases in %(value)s in the data."), value=filters.year)
    year = filters.year if filters.year is not None else (years[-1] if years else None)
    headline = next((r for r in rows_by_year if r["year"] == year), {})
    previous = next((r for r in rows_by_year if year is not None and r["year"] == year - 1), None)

    tables: dict[str, Table] = {}
    tables["years"] = Table(
        "years",
        gettext("Green share by year"),
        [
            Column("year", N_("Year")),
            *SHARE_COLUMNS,
            Column("green_share_change", N_("Change against the previous year"), "change"),
        ],
        [r for r in rows_by_year if r["year"] is not None],
    )
    tables["years"].labels = [str(r["year"]) for r in tables["years"].rows]
    captions = {
        "category": (N_("Green share by category"), N_("Category")),
        "region": (N_("Green share by region"), N_("Region")),
    }
    for dim, (caption, heading) in captions.items():
        every_year = rollup.indicators(
            data.indicators, _columns(per[dim]), {_column(n): chosen[n] for n in base if n != dim}
        )
        rows = sorted(
            (r for r in every_year if r["year"] == year),
            key=lambda r: (-(r["eligible_spend"] or 0), str(r[_column(dim)])),
        )
        name = {"category": "categories", "region": "regions"}[dim]
        tables[name] = Table(name, gettext(caption), [Column(_column(dim), heading), *SHARE_COLUMNS], rows)
        tables[name].labels = [label(dim, r[_column(dim)]) for r in rows]
    same_year = where | {"year": year}
    # the buyers of the chosen year only (their trend columns are not shown: not computed)
    buyer_rows = data.buyer_categories if "category" in chosen else data.buyers
    buyers = sorted(
        (
            rollup.with_shares(r)
            for r in rollup.roll_up(buyer_rows, _columns(per["buyer"]), rollup.INDICATOR_SUMS, same_year)
        ),
        key=lambda r: (-(r["green_spend"] or 0), -(r["eligible_spend"] or 0), str(r["buyer_id"])),
    )[:TOP_BUYERS]
    tables["buyers"] = Table(
        "buyers",
        gettext("Top buyers by green spend"),
        [Column("buyer_name", N_("Buyer")), Column("buyer_id", N_("Buyer identifier")), *SHARE_COLUMNS],
        buyers,
        [r["buyer_name"] or r["buyer_id"] or gettext("not recorded") for r in buyers],
    )
    year_benefits = rollup.benefits(data.benefits, _columns(by_year), same_year)
    benefit_rows = sorted(
        ({**r, "unit": unit_text(r["unit"])} for r in year_benefits),  # m**3 → m³
        key=lambda r: (r["measure"] != "reduction", r["impact"]),
    )
    tables["benefits"] = Table(
        "benefits",
        gettext("Environmental benefits by impact"),
        [
            Column("impact", N_("Impact")),
            Column("measure", N_("Measure")),
            Column("unit", N_("Unit")),
            Column("items", N_("Items"), "count"),
            Column("low", N_("Low"), "number"),
            Column("central", N_("Central"), "number"),
            Column("high", N_("High"), "number"),
        ],
        benefit_rows,
        [_impact(r["impact"]) for r in benefit_rows],
    )
    return Dashboard(
        filters=filters,
        year=year,
        years=all_years,
        options=options,
        headline=headline,
        previous=previous,
        tables=tables,
        coverage=data.coverage,
        issues=data.issues,
        benefit_coverage=data.benefit_coverage,
        currency=data.reporting_currency,
        factor_set=f"{data.factor_set} {data.factor_set_version}",
    )


# --- charts -------------------------------------------------------------------------------------


def _safe_json(text: str) -> str:
    """JSON to embed in a <script> element: no '<', '>' or '&' outside escapes."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _layout(title: str, x: str, y: str, **more: Any) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "xaxis": {"title": {"text": x}, "automargin": True},
        "yaxis": {"title": {"text": y}, "automargin": True, **more.pop("yaxis", {})},
        "margin": {"t": 50, "r": 20},
        "height": 360,
        **more,
    }


def charts(board: Dashboard) -> dict[str, str]:
    """Each chart's plotly figure as JSON safe to embed (titles and axes in the page's language)."""
    import plotly.graph_objects as go  # the import costs ~0.5 s: pay it at the first dashboard

    share_axis = {"tickformat": ".0%", "rangemode": "tozero"}
    out: dict[str, go.Figure] = {}
    years = board.tables["years"]
    out["years"] = go.Figure(
        [
            go.Scatter(
                x=years.labels,
                y=[r["green_share"] for r in years.rows],
                mode="lines+markers",
                name=gettext("Green share by spend"),
                line={"color": GREEN},
            ),
            go.Scatter(
                x=years.labels,
                y=[r["green_share_by_count"] for r in years.rows],
                mode="lines+markers",
                name=gettext("Green share by count"),
                line={"color": GREY, "dash": "dot"},
            ),
        ],
        _layout(years.caption, gettext("Year"), gettext("Green share"), yaxis=share_axis),
    )
    for name, axis in (("categories", N_("Category")), ("regions", N_("Region")), ("buyers", N_("Buyer"))):
        table = board.tables[name]
        out[name] = go.Figure(
            [
                go.Bar(
                    y=table.labels,
                    x=[r["green_share"] for r in table.rows],
                    orientation="h",
                    marker={"color": GREEN},
                    name=gettext("Green share by spend"),
                    customdata=[r["green_spend"] for r in table.rows],
                )
            ],
            _layout(
                table.caption,
                gettext("Green share by spend"),
                gettext(axis),
                xaxis={
                    "tickformat": ".0%",
                    "rangemode": "tozero",
                    "title": {"text": gettext("Green share by spend")},
                },
                yaxis={"autorange": "reversed"},
                height=max(300, 40 + 26 * len(table.rows)),
            ),
        )
    benefits = board.tables["benefits"]
    shown = [
        (label, r)
        for label, r in zip(benefits.labels, benefits.rows, strict=True)
        if r["measure"] == "reduction" and r["unit"] == "kg"
    ]
    out["benefits"] = go.Figure(
        [
            go.Bar(
                x=[label for label, _r in shown],
                y=[r["central"] for _label, r in shown],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [(r["high"] or 0) - (r["central"] or 0) for _label, r in shown],
                    "arrayminus": [(r["central"] or 0) - (r["low"] or 0) for _label, r in shown],
                },
                marker={"color": GREEN},
                name=gettext("Central"),
            )
        ],
        _layout(
            gettext("Reductions of CO2 and pollutants (central, low–high)"),
            gettext("Impact"),
            gettext("Reduction (kg)"),
            # CO2 is thousands of times the pollutants: on a linear axis only its bar would show.
            yaxis={"type": "log"},
        ),
    )
    return {name: _safe_json(figure.to_json()) for name, figure in out.items()}


# --- routes -------------------------------------------------------------------------------------


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    filters = read_filters(request)
    with i18n.use_locale(request_locale(request)):
        try:
            board = build(_services(request), filters, functools.partial(_refuse, request))
        except analyses.NoData:
            return render(request, "dashboard.html", board=None, figures={})
        figures = charts(board)
    return render(
        request,
        "dashboard.html",
        board=board,
        figures=figures,
        plotly_version=plotly_version(),
        download_url=lambda table, extension: _download_url(request, table, extension),
        measure_name=lambda measure: gettext(MEASURE_NAMES[measure]) if measure in MEASURE_NAMES else measure,
    )


def _download_url(request: Request, table: str, extension: str) -> str:
    query = request.url.query
    return f"/dashboard/download/{table}.{extension}" + (f"?{query}" if query else "")


DOWNLOAD = re.compile(r"^(years|categories|regions|buyers|benefits)\.(csv|xlsx)$")


def _filename(board: Dashboard, table: str, extension: str) -> str:
    parts = ["green-procurement", table]
    if board.year is not None:
        parts.append(str(board.year))
    return "-".join(parts) + "." + extension


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if row.get(c.key) is None else row.get(c.key) for c in table.columns])
    return ("\ufeff" + out.getvalue()).encode()  # the BOM: spreadsheet programs read UTF-8


def table_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.name
    sheet.append([table.caption])
    sheet["A1"].font = Font(bold=True)
    sheet.append([gettext(c.label) for c in table.columns])
    sheet.append([c.key for c in table.columns])
    formats = {"share": "0.0%", "change": "+0.0%;-0.0%", "money": "#,##0.00", "count": "#,##0"}
    for row in table.rows:
        sheet.append([row.get(c.key) for c in table.columns])
        for cell, column in zip(sheet[sheet.max_row], table.columns, strict=True):
            if column.kind in formats:
                cell.number_format = formats[column.kind]
    for letter, column in zip("ABCDEFGHIJ", table.columns, strict=False):
        sheet.column_dimensions[letter].width = 14 if column.kind != "text" else 32
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@router.get("/dashboard/download/{name}")
def download(request: Request, name: str) -> Response:
    found = DOWNLOAD.match(name)
    if not found:
        raise PageError(404, N_("There is no page at this address."))
    table, extension = found.groups()
    filters = read_filters(request)
    with i18n.use_locale(request_locale(request)):
        try:
            board = build(_services(request), filters, functools.partial(_refuse, request))
        except analyses.NoData:
            raise PageError(404, N_("No procurement data has been ingested yet.")) from None
        if extension == "csv":
            body, media = table_csv(board.tables[table]), "text/csv; charset=utf-8"
        else:
            body = table_xlsx(board.tables[table])
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(board, table, extension)}"',
            "Cache-Control": "no-store",
        },
    )


@functools.cache
def plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/static/vendor/plotly.min.js")
def plotly_script() -> FileResponse:
    """plotly.js from the installed plotly wheel (no CDN); the page names it with plotly's version."""
    return FileResponse(
        plotly_js(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


def plotly_version() -> str:
    import plotly

    return str(plotly.__version__)


def warm_up(services: Services) -> threading.Thread:
    """Compute the unfiltered dashboard in a background thread (the first visitor's page is then
    served from the cache, plotly already imported); nothing ingested or any failure: the page
    computes it when asked."""

    def run() -> None:
        try:
            with i18n.use_locale("en"):
                charts(build(services, Filters(), lambda message, **values: PageError(422, message % values)))
        except analyses.NoData:
            return
        except Exception:  # the server goes on; the first visitor's request computes (or shows) it
            logging.getLogger(__name__).exception("the dashboard warm-up failed")

    thread = threading.Thread(target=run, name="dashboard-warm-up", daemon=True)
    thread.start()
    return thread
