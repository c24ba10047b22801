from sqlalchemy import inspect

from ecoprocure.store.db import Database, current_revision, upgrade


def test_schema_is_at_head_and_has_the_search_index(db: Database) -> None:
    names = set(inspect(db.engine).get_table_names())
    assert {"scheme", "certificate", "certificate_event", "product_model", "product_search"} <= names
    before = current_revision(db.engine)
    upgrade(db.engine)  # idempotent
    assert current_revision(db.engine) == before
