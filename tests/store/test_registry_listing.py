"""Paged, filtered, sorted registry lists (store.registry_listing) on both backends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ecoprocure.store.db import Database
from ecoprocure.store.registry_listing import (
    BadListing,
    list_categories,
    list_certificates,
    list_criteria,
    list_products,
    list_schemes,
)
from tests.store import registry_builders as rb


@pytest.fixture
def catalogue(reference_db: Database, tmp_path: Path) -> Database:
    rb.build_catalogue(reference_db, tmp_path)
    return reference_db


def test_pages_cover_every_row_once(catalogue: Database) -> None:
    with catalogue.engine.connect() as conn:
        whole = list_certificates(conn, limit=200)
        pages = [list_certificates(conn, limit=3, offset=o).rows for o in (0, 3, 6)]
    assert whole.total == len(rb.CERTIFICATES) == len(whole.rows)
    assert [r["number"] for page in pages for r in page] == [r["number"] for r in whole.rows]
    assert [r["number"] for r in whole.rows] == sorted(r["number"] for r in whole.rows)


def test_status_is_today_s_and_filters_agree(catalogue: Database) -> None:
    with catalogue.engine.connect() as conn:
        ended = list_certificates(conn, status="expired")
        valid = list_certificates(conn, status="valid", sort="-expires_on")
        later = list_certificates(conn, status="valid", today=dt.date(rb.FUTURE.year + 1, 1, 1))
    assert [(r["number"], r["status"], r["stored_status"]) for r in ended.rows] == [
        (rb.FURNITURE_ENDED, "expired", "valid")
    ]
    assert rb.NOTEBOOK_SUSPENDED not in {r["number"] for r in valid.rows}
    assert all(r["status"] == "valid" for r in valid.rows) and valid.total == 6
    assert all(r["status"] == "expired" for r in later.rows)  # the calendar applied on that day


def test_criteria_carry_categories_and_requirements(catalogue: Database) -> None:
    with catalogue.engine.connect() as conn:
        found = list_criteria(conn, scheme="CEL", code="HJ 2536-2014").rows
        none = list_criteria(conn, in_force_on=dt.date(1900, 1, 1))
    assert len(found) == 1 and "ict.computer.desktop" in found[0]["categories"]
    assert all(isinstance(r["limit"], float) for r in found[0]["requirements"])
    assert none.total == 0 and none.rows == []


def test_schemes_categories_products(catalogue: Database) -> None:
    with catalogue.engine.connect() as conn:
        cel = list_schemes(conn, code="CEL").rows
        children = list_categories(conn, parent="office.furniture").rows
        products = list_products(conn, "cec-2020-0008", sort="-model")
        nothing = list_products(conn, "NO-SUCH")
    assert cel[0]["name_en"] == "China Environmental Labelling" and cel[0]["gen_member"] in (True, False)
    assert all(c["parent"] == "office.furniture" for c in children) and children
    assert products.total == 3
    assert [p["model"] for p in products.rows] == sorted((p["model"] for p in products.rows), reverse=True)
    assert (nothing.total, nothing.rows) == (0, [])


@pytest.mark.parametrize(
    ("sort", "limit", "offset"), [("issued_on; DROP TABLE x", 10, 0), ("number", 0, 0), ("number", 10, -1)]
)
def test_unknown_sort_keys_and_bad_pages_are_refused(
    catalogue: Database, sort: str, limit: int, offset: int
) -> None:
    with catalogue.engine.connect() as conn, pytest.raises(BadListing):
        list_certificates(conn, sort=sort, limit=limit, offset=offset)
