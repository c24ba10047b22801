"""The registry snapshot is written aside and renamed: exports running at once (server workers
warming their dashboards at start) leave whole, readable files and nothing half-written."""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow.parquet as pq

from ecoprocure.pipeline.registry_snapshot import TABLES, Snapshot, export
from ecoprocure.store.db import Database
from tests.web.conftest import build_registry


def test_concurrent_exports_leave_whole_files(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ecoprocure.db'}"
    build_registry(tmp_path, url)
    db = Database(url)
    found: list[Snapshot] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with db.engine.connect() as conn:
                found.append(export(conn, tmp_path / "pipeline"))
        except BaseException as exc:
            failures.append(exc)

    try:
        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        db.close()
    assert not failures and len({s.folder for s in found}) == 1
    snapshot = found[0]
    assert not list(snapshot.folder.glob("*.part"))
    products = pq.read_table(snapshot.path("products"))
    assert products.num_rows > 0
    for name in TABLES:
        pq.read_table(snapshot.path(name))  # every table whole
