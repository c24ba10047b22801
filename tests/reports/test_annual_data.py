"""The annual report's figures are those of ``ecoprocure indicators`` and ``ecoprocure impact`` on
the same data: the report restricts the items to its years and scope, it does not recompute."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection

from ecoprocure.domain.benefit_summary import compare_years
from ecoprocure.domain.factors import DEFAULT_FACTOR_SET, find_factor_set
from ecoprocure.domain.report_scope import Scope, UnknownScope
from ecoprocure.errors import DataError
from ecoprocure.ingest.procurement_files import items_dir
from ecoprocure.pipeline.registry_snapshot import Snapshot, export
from ecoprocure.pipeline.run import run_benefits, run_indicators
from ecoprocure.reports.annual_data import AnnualReport, annual_report_data
from ecoprocure.settings import Settings
from ecoprocure.store.db import Database
from tests.reports.demo_home import YEAR


class Workspace:
    def __init__(self, conn: Connection, files: list[Path], snapshot: Snapshot) -> None:
        self.conn, self.files, self.snapshot = conn, files, snapshot
        self.factor_set = find_factor_set(DEFAULT_FACTOR_SET)

    def report(self, year: int = YEAR, scope: Scope | None = None, **options: Any) -> AnnualReport:
        return annual_report_data(
            self.conn, self.files, self.snapshot, self.factor_set, year=year, scope=scope, **options
        )


@pytest.fixture(scope="module")
def ws(demo_conf: Settings) -> Iterator[Workspace]:
    db = Database.from_settings(demo_conf)
    with db.engine.connect() as conn:
        snapshot = export(conn, demo_conf.home / "pipeline")
        yield Workspace(conn, sorted(items_dir(demo_conf.home).glob("*.parquet")), snapshot)
    db.close()


@pytest.fixture(scope="module")
def country(ws: Workspace) -> AnnualReport:
    return ws.report(carbon_price_id="cn-ets-2024")


def _row(rows: list[dict[str, Any]], **keys: Any) -> dict[str, Any]:
    found = [r for r in rows if all(r[k] == v for k, v in keys.items())]
    assert len(found) == 1, keys
    return found[0]


def test_green_share_is_the_indicators_green_share(ws: Workspace, country: AnnualReport) -> None:
    by_year = run_indicators(ws.files, ws.snapshot, by=["year"]).rows
    expected = _row(by_year, year=YEAR)
    for key in ("items", "eligible_items", "green_items", "eligible_spend", "green_spend", "green_share"):
        assert country.current[key] == pytest.approx(expected[key], rel=1e-9), key
    assert country.current["green_share_change"] == pytest.approx(expected["green_share_change"])
    assert country.previous is not None
    assert country.previous["green_share"] == pytest.approx(_row(by_year, year=YEAR - 1)["green_share"])
    assert 0 < country.current["green_share"] < 1


def test_breakdowns_are_the_indicators_breakdowns(ws: Workspace, country: AnnualReport) -> None:
    rows = run_indicators(ws.files, ws.snapshot, by=["year", "category"]).rows
    table = country.table("green_share_by_category").rows
    assert len(table) == len([r for r in rows if r["year"] == YEAR]) > 1
    for row in table:
        expected = _row(rows, year=YEAR, category=row["category"])
        assert row["green_spend"] == pytest.approx(expected["green_spend"])
        assert row["green_share"] == pytest.approx(expected["green_share"])
        before = [r for r in rows if r["year"] == YEAR - 1 and r["category"] == row["category"]]
        assert row["previous_green_share"] == (pytest.approx(before[0]["green_share"]) if before else None)
    spends = [r["eligible_spend"] for r in table]
    assert spends == sorted(spends, reverse=True)


def test_benefits_and_year_over_year_are_impacts(ws: Workspace, country: AnnualReport) -> None:
    result = run_benefits(ws.files, ws.snapshot, ws.factor_set, by=["year"])
    reductions = country.table("benefits").rows
    assert reductions
    for row in reductions:
        expected = _row(result.rows, year=YEAR, impact=row["impact"], measure="reduction")
        for key in ("low", "central", "high"):
            assert row[key] == pytest.approx(expected[key], rel=1e-9)
    expected_yoy = compare_years(result.by_year, YEAR - 1, YEAR)
    yoy = country.table("year_over_year").rows
    assert [r["impact"] for r in yoy] == [r["impact"] for r in expected_yoy]
    for row, want in zip(yoy, expected_yoy, strict=True):
        assert row["current"] == pytest.approx(float(want[str(YEAR)]))
        assert row["previous"] == pytest.approx(float(want[str(YEAR - 1)]))


def test_money_equivalents_and_sources(country: AnnualReport) -> None:
    assert country.money_total is not None and country.money_total["currency"] == "CNY"
    assert [r["price"] for r in country.table("money").rows] == ["cn-ets-2024"]
    assert country.table("equivalents").rows
    factors = country.table("factors").rows
    assert factors and all("sources " in f["trace"] for f in factors)
    sources = {r["id"] for r in country.table("sources").rows}
    assert "cn-ets-2024" in sources
    for factor in factors:
        cited = factor["trace"].split("sources ", 1)[1].split(";")[0].split(", ")
        assert set(cited) <= sources, factor["trace"]


def test_programme_statistics_and_coverage(country: AnnualReport) -> None:
    programme = country.table("programme_statistics").rows
    assert any(r["scheme"] == "CEL" and r["certificates"] > 0 for r in programme)
    coverage = {r["measure"]: r["value"] for r in country.table("coverage").rows}
    assert coverage["items"] == country.current["items"]
    assert 0 <= coverage["share_spend_matched"] <= 1


def test_a_region_scope_gives_the_regions_figures(ws: Workspace, country: AnnualReport) -> None:
    rows = run_indicators(ws.files, ws.snapshot, by=["year", "region"]).rows
    region = country.table("green_share_by_region").rows[0]["buyer_region"]
    scoped = ws.report(scope=Scope("region", region))
    expected = _row(rows, year=YEAR, buyer_region=region)
    assert scoped.current["eligible_spend"] == pytest.approx(expected["eligible_spend"])
    assert scoped.current["green_share"] == pytest.approx(expected["green_share"])
    assert scoped.current["eligible_spend"] < country.current["eligible_spend"]
    assert [r["buyer_region"] for r in scoped.table("green_share_by_region").rows] == [region]


def test_a_buyer_scope_gives_the_buyers_figures(ws: Workspace, country: AnnualReport) -> None:
    buyer = country.table("top_buyers").rows[0]["buyer_id"]
    scoped = ws.report(scope=Scope("buyer", buyer))
    rows = run_indicators(ws.files, ws.snapshot, by=["year", "buyer"]).rows
    assert scoped.current["green_spend"] == pytest.approx(
        _row(rows, year=YEAR, buyer_id=buyer)["green_spend"]
    )
    assert scoped.scope == f"buyer:{buyer}"


def test_an_unknown_region_names_some_that_exist(ws: Workspace, country: AnnualReport) -> None:
    region = country.table("green_share_by_region").rows[0]["buyer_region"]
    with pytest.raises(UnknownScope, match="'Atlantis'") as raised:
        ws.report(scope=Scope("region", "Atlantis"))
    assert region in str(raised.value)


def test_a_year_without_purchases_is_an_error(ws: Workspace) -> None:
    with pytest.raises(DataError, match="no purchases in 2019"):
        ws.report(year=2019)
