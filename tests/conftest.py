"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when
ECOPROCURE_TEST_POSTGRES_URL is set (CI sets it, and ECOPROCURE_REQUIRE_POSTGRES=1 so that a
missing server fails instead of skipping)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ecoprocure.store.db import Database
from ecoprocure.store.reference_loader import load_reference

FIXTURES = Path(__file__).with_name("fixtures")
POSTGRES_URL = os.environ.get("ECOPROCURE_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def database_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'ecoprocure.db'}"
    if not POSTGRES_URL:
        if os.environ.get("ECOPROCURE_REQUIRE_POSTGRES"):
            pytest.fail("ECOPROCURE_REQUIRE_POSTGRES is set but ECOPROCURE_TEST_POSTGRES_URL is not")
        pytest.skip("PostgreSQL tests need ECOPROCURE_TEST_POSTGRES_URL")
    _reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db(backend: str, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database on each backend."""
    database = Database(database_url(backend, tmp_path))
    yield database
    database.close()


@pytest.fixture
def reference_db(db: Database) -> Database:
    """A database holding the shipped reference data."""
    with db.engine.begin() as conn:
        load_reference(conn)
    return db


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ECOPROCURE_HOME for CLI tests (SQLite inside it)."""
    path = tmp_path / "home"
    monkeypatch.setenv("ECOPROCURE_HOME", str(path))
    monkeypatch.delenv("ECOPROCURE_DATABASE_URL", raising=False)
    return path
