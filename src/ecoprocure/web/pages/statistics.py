"""Programme statistics page: ``/statistics?year=Y[&scheme=S]``.

The counts come from ``store.statistics.programme_statistics`` — what ``GET /api/v1/statistics``
and ``ecoprocure stats`` call — on 31 December of the year, with growth against the year before
and its arithmetic. The bar chart is inline SVG drawn here from the same counts (no JavaScript).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from ecoprocure.domain.statistics import MEASURES, YearCounts
from ecoprocure.i18n import N_, gettext
from ecoprocure.store.registry_listing import MAX_LIMIT, list_certificates, list_schemes
from ecoprocure.store.statistics import programme_statistics
from ecoprocure.web.pages.templating import render
from ecoprocure.web.pages.visitor import PageError
from ecoprocure.web.services import Services

router = APIRouter(include_in_schema=False)

MEASURE_NAMES = {
    "criteria": N_("Criteria in force"),
    "licensees": N_("Licensees"),
    "certificates": N_("Valid certificates"),
    "categories": N_("Product categories covered"),
    "product_models": N_("Certified product models"),
}
CHART_WIDTH, BAR_HEIGHT, LABEL_WIDTH = 640, 14, 150


@dataclass(frozen=True)
class Bar:
    """One horizontal bar of the chart (SVG user units)."""

    label: str
    year: int
    value: int
    y: int
    width: float
    current: bool


def chart(rows: list[YearCounts], measure: str = "certificates") -> dict[str, Any]:
    """Bars of ``measure`` per scheme: the year before (grey) above the year (green)."""
    values = []
    for row in rows:
        growth = row.growth.get(measure)
        group = [(row.year - 1, growth.previous, False)] if growth is not None else []
        values.append((row.scheme_code, [*group, (row.year, row.counts[measure], True)]))
    top = max((value for _, group in values for _, value, _ in group), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 90
    bars, y = [], 8
    for label, group in values:
        for year, value, current in group:
            bars.append(Bar(label, year, value, y, round(span * value / top, 1), current))
            y += BAR_HEIGHT + 2
        y += 10
    return {
        "bars": bars,
        "height": max(y, 40),
        "width": CHART_WIDTH,
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "measure": measure,
    }


def _years(conn: Connection) -> list[int]:
    """From the year of the earliest certificate to this year, newest first."""
    this_year = dt.date.today().year
    first = list_certificates(conn, sort="issued_on", limit=1).rows
    start = first[0]["issued_on"].year if first else this_year - 1
    return list(range(this_year, min(start, this_year - 1) - 1, -1))


def _int(value: str | None, field: str, low: int, high: int) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise PageError(
            400,
            gettext(
                "“%(field)s” must be a year between %(low)s and %(high)s.",
                field=gettext(field),
                low=low,
                high=high,
            ),
        )
    return number


@router.get("/statistics", response_class=HTMLResponse)
def statistics(request: Request) -> HTMLResponse:
    services: Services = request.app.state.services
    year = _int(request.query_params.get("year"), N_("Year"), 1950, 2200)
    scheme = (request.query_params.get("scheme") or "").strip() or None
    with services.db.engine.connect() as conn:
        schemes = list_schemes(conn, limit=MAX_LIMIT).rows
        if scheme is not None and scheme not in {s["code"] for s in schemes}:
            raise PageError(400, gettext("There is no ecolabel scheme with this code."))
        years = _years(conn)
        year = year or years[1]
        rows = programme_statistics(conn, year, scheme)
    return render(
        request,
        "statistics.html",
        year=year,
        scheme=scheme,
        years=sorted({*years, year}, reverse=True),
        schemes=schemes,
        scheme_names={s["code"]: s for s in schemes},
        rows=rows,
        measures=[(m, gettext(MEASURE_NAMES[m])) for m in MEASURES],
        chart=chart(rows),
    )
