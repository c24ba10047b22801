"""Catalogue search (store.catalogue_search) over a small bilingual catalogue, on both backends.

The tests only read, so one catalogue per backend serves the whole module (the rebuild test,
last, deletes and restores the index).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from ecoprocure.store.catalogue_search import BadQuery, Hit, SearchFilters, search
from ecoprocure.store.db import Database
from ecoprocure.store.reference_loader import load_reference
from ecoprocure.store.search_index import rebuild
from tests.conftest import BACKENDS, database_url
from tests.store import registry_builders as rb


@pytest.fixture(scope="module", params=BACKENDS)
def catalogue(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder: Path = tmp_path_factory.mktemp("catalogue")
    db = Database(database_url(request.param, folder))
    try:
        with db.engine.begin() as connection:
            load_reference(connection)
        rb.build_catalogue(db, folder)
        yield db
    finally:
        db.close()


@pytest.fixture
def conn(catalogue: Database) -> Iterator[Connection]:
    with catalogue.engine.connect() as connection:
        yield connection


def _models(hits: list[Hit]) -> set[tuple[str, str, str]]:
    return {(h.brand, h.model, h.certificate) for h in hits}


def test_chinese_queries_of_two_three_and_one_character(conn: Connection) -> None:
    lenovo = {
        ("Lenovo", "ThinkCentre M720", rb.DESKTOP),
        ("Lenovo", "ThinkCentre M920", rb.DESKTOP),
        ("联想", "启天M428", rb.DESKTOP),
        ("Lenovo", "ThinkPad X1 Carbon", rb.NOTEBOOK_SUSPENDED),
        ("Lenovo", "ThinkPad X1 Carbon", rb.NOTEBOOK_EU),
    }
    assert _models(search(conn, "联想")) == lenovo  # brand of one, licensee of all
    paint = {("立邦", "净味乳胶漆 5合1", rb.PAINT)}
    assert _models(search(conn, "乳胶漆")) == paint  # bigrams 乳胶 胶漆 as a phrase
    assert _models(search(conn, "净味乳胶漆")) == paint
    assert search(conn, "净漆") == []  # both characters occur, but not side by side
    assert search(conn, "胶乳") == []
    assert _models(search(conn, "乳")) == paint  # type-ahead: the start of a bigram
    assert _models(search(conn, "课")) == {("华森", "KZ-1 课桌椅", rb.SCHOOL_FURNITURE)}
    assert _models(search(conn, "启天")) == {("联想", "启天M428", rb.DESKTOP)}


def test_english_words_and_type_ahead_prefixes(conn: Connection) -> None:
    centres = {("Lenovo", "ThinkCentre M720", rb.DESKTOP), ("Lenovo", "ThinkCentre M920", rb.DESKTOP)}
    assert _models(search(conn, "thinkc")) == centres
    assert _models(search(conn, "ThinkCentre")) == centres
    assert _models(search(conn, "THINKCENTRE m720")) == {("Lenovo", "ThinkCentre M720", rb.DESKTOP)}
    assert _models(search(conn, "ＴｈｉｎｋＣｅｎｔｒｅ m9")) == {("Lenovo", "ThinkCentre M920", rb.DESKTOP)}
    assert _models(search(conn, "x1 carbon")) == {
        ("Lenovo", "ThinkPad X1 Carbon", rb.NOTEBOOK_SUSPENDED),
        ("Lenovo", "ThinkPad X1 Carbon", rb.NOTEBOOK_EU),
    }
    assert _models(search(conn, "kfr-35gw")) == {("GREE", "云佳 KFR-35GW", rb.AIR_CONDITIONER)}
    assert search(conn, "thinkcx") == []
    # Only the last word is a prefix: "thinkc" inside a query must be a whole word.
    assert search(conn, "thinkc m720") == []
    assert search(conn, "thinkc", type_ahead=False) == []


def test_licensee_names_match_in_chinese_and_english(conn: Connection) -> None:
    paint = {("立邦", "净味乳胶漆 5合1", rb.PAINT)}
    assert _models(search(conn, "nippon")) == paint
    assert _models(search(conn, "立邦涂料")) == paint
    air_conditioner = {("GREE", "云佳 KFR-35GW", rb.AIR_CONDITIONER)}
    assert _models(search(conn, "格力")) == air_conditioner
    assert _models(search(conn, "zhuhai")) == air_conditioner
    huasen = {("华森", "HS-100 办公椅", rb.FURNITURE_ENDED), ("华森", "KZ-1 课桌椅", rb.SCHOOL_FURNITURE)}
    assert _models(search(conn, "huasen furniture")) == huasen
    assert _models(search(conn, "天津华森")) == huasen


def test_category_names_match_in_chinese_and_english(conn: Connection) -> None:
    air_conditioner = {("GREE", "云佳 KFR-35GW", rb.AIR_CONDITIONER)}
    assert _models(search(conn, "air conditioners")) == air_conditioner
    assert _models(search(conn, "空气调节器")) == air_conditioner
    assert _models(search(conn, "涂料")) == {("立邦", "净味乳胶漆 5合1", rb.PAINT)}  # category and licensee
    school = {("华森", "KZ-1 课桌椅", rb.SCHOOL_FURNITURE)}
    assert _models(search(conn, "school desks")) == school
    assert _models(search(conn, "学校课桌椅")) == school
    assert {h.category for h in search(conn, "便携式计算机")} == {"ict.computer.portable"}


def test_brand_and_model_matches_rank_before_category_only_matches(conn: Connection) -> None:
    hits = search(conn, "desktop")  # a model name of a stationery product; the category of desktop PCs
    assert (hits[0].brand, hits[0].model) == ("Deli", "Desktop Organizer 9")
    assert {h.category for h in hits[1:]} == {"ict.computer.desktop"}
    assert len(hits) == 4
    assert hits[0].score > hits[1].score

    hits = search(conn, "文具")  # the model of one stationery product; the category of all three
    assert (hits[0].brand, hits[0].model) == ("得力", "文具收纳盒 D9")
    assert {h.model for h in hits[1:]} == {"Desktop Organizer 9", "订书机 0414"}
    assert hits[0].score > max(h.score for h in hits[1:])


def test_hits_carry_the_facts_shown_to_buyers(conn: Connection) -> None:
    (hit,) = search(conn, "ThinkCentre M720")
    assert hit.to_dict() | {"product_id": 0, "score": 0.0} == {
        "product_id": 0,
        "brand": "Lenovo",
        "model": "ThinkCentre M720",
        "certificate": rb.DESKTOP,
        "scheme": "CEL",
        "licensee_en": "Lenovo (Beijing) Co., Ltd.",
        "licensee_zh": "联想(北京)有限公司",
        "category": "ict.computer.desktop",
        "category_en": "Desktop computers (incl. integrated desktops)",
        "category_zh": "台式计算机",
        "status": "valid",
        "score": 0.0,
    }
    statuses = {h.certificate: h.status for h in search(conn, "华森")}
    assert statuses == {rb.FURNITURE_ENDED: "expired", rb.SCHOOL_FURNITURE: "valid"}  # the calendar applies
    assert {h.certificate: h.status for h in search(conn, "thinkpad")} == {
        rb.NOTEBOOK_SUSPENDED: "suspended",
        rb.NOTEBOOK_EU: "valid",
    }


def test_filter_by_scheme(conn: Connection) -> None:
    assert {h.scheme for h in search(conn, "thinkpad")} == {"CEL", "EU-ECOLABEL"}
    assert [h.certificate for h in search(conn, "thinkpad", SearchFilters(scheme="EU-ECOLABEL"))] == [
        rb.NOTEBOOK_EU
    ]
    assert [h.certificate for h in search(conn, "thinkpad", SearchFilters(scheme="CEL"))] == [
        rb.NOTEBOOK_SUSPENDED
    ]
    assert search(conn, "thinkpad", SearchFilters(scheme="JP-ECOMARK")) == []


def test_filter_by_category_includes_sub_categories(conn: Connection) -> None:
    furniture = search(conn, "huasen", SearchFilters(category="office.furniture"))
    assert {h.category for h in furniture} == {"office.furniture", "office.furniture.school"}
    school = search(conn, "huasen", SearchFilters(category="office.furniture.school"))
    assert [h.certificate for h in school] == [rb.SCHOOL_FURNITURE]
    computers = search(conn, "lenovo", SearchFilters(category="ict.computer"))
    assert {h.category for h in computers} == {"ict.computer.desktop", "ict.computer.portable"}
    assert len(computers) == 5
    assert {
        h.certificate for h in search(conn, "lenovo", SearchFilters(category="ict.computer.portable"))
    } == {rb.NOTEBOOK_SUSPENDED, rb.NOTEBOOK_EU}
    assert search(conn, "lenovo", SearchFilters(category="ict.comp")) == []  # a code prefix is not a parent
    assert search(conn, "lenovo", SearchFilters(category="office")) == []


def test_filter_by_status(conn: Connection) -> None:
    valid = search(conn, "huasen", SearchFilters(status="valid"))
    assert [h.certificate for h in valid] == [rb.SCHOOL_FURNITURE]  # excludes the one past its expiry date
    expired = search(conn, "huasen", SearchFilters(status="expired"))
    assert [h.certificate for h in expired] == [rb.FURNITURE_ENDED]
    assert [h.certificate for h in search(conn, "thinkpad", SearchFilters(status="valid"))] == [
        rb.NOTEBOOK_EU
    ]
    suspended = search(conn, "thinkpad", SearchFilters(status="suspended"))
    assert [(h.certificate, h.status) for h in suspended] == [(rb.NOTEBOOK_SUSPENDED, "suspended")]
    assert search(conn, "thinkpad", SearchFilters(status="revoked")) == []
    every_valid = search(conn, "co", SearchFilters(status="valid"), limit=200)  # "co" prefixes "Co., Ltd."
    assert every_valid and all(h.status == "valid" for h in every_valid)
    assert {rb.NOTEBOOK_SUSPENDED, rb.FURNITURE_ENDED}.isdisjoint(h.certificate for h in every_valid)


def test_filters_combine(conn: Connection) -> None:
    hits = search(conn, "lenovo", SearchFilters(scheme="CEL", category="ict.computer", status="valid"))
    assert {h.model for h in hits} == {"ThinkCentre M720", "ThinkCentre M920", "启天M428"}


def test_limit_and_offset_page_through_the_ranked_hits(conn: Connection) -> None:
    everything = search(conn, "lenovo")
    assert len(everything) == 5
    first, second = search(conn, "lenovo", limit=2), search(conn, "lenovo", limit=2, offset=2)
    assert len(first) == len(second) == 2
    assert {h.product_id for h in first}.isdisjoint(h.product_id for h in second)


def test_a_query_with_nothing_to_search_is_a_bad_query(conn: Connection) -> None:
    for query in ["", "   ", "!!!", "—", "\u3000", "（）"]:
        with pytest.raises(BadQuery, match="nothing to search for"):
            search(conn, query)


def test_an_unknown_status_filter_is_a_bad_query(conn: Connection) -> None:
    with pytest.raises(BadQuery, match="unknown status filter 'current'"):
        search(conn, "lenovo", SearchFilters(status="current"))


def test_rebuild_restores_the_index(conn: Connection) -> None:
    """Runs last in the module: it empties the product index and rebuilds it."""
    by_product = ["thinkc", "乳", "x1 carbon", "kfr"]  # words found only in brands and models
    queries = [*by_product, "联想", "nippon", "空气调节器", "desktop", "文具"]
    before = {q: [(h.product_id, h.certificate) for h in search(conn, q)] for q in queries}
    assert all(before.values())
    conn.rollback()  # end the read transaction
    conn.execute(text("DELETE FROM product_search"))
    conn.commit()
    assert all(search(conn, q) == [] for q in by_product)
    assert rebuild(conn) == len(rb.MODELS)
    conn.commit()
    after = {q: [(h.product_id, h.certificate) for h in search(conn, q)] for q in queries}
    assert after == before
    assert rebuild(conn) == len(rb.MODELS)  # twice: still one document per product
    conn.commit()
    assert len(search(conn, "lenovo")) == 5
    assert len(search(conn, "thinkc")) == 2
