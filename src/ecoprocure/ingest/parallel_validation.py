"""Read and validate a large file in a second process while this one writes to the database.

At national scale (1.5 million product models) reading and validating rows in Python takes as
long as SQLite takes to store them; on two cores the two halves can overlap. The worker is
forked so it inherits the registry snapshot without pickling it, never touches the database, and
hands over bounded batches through a queue (at most ``_QUEUE_BATCHES`` in flight), so memory stays
flat whatever the file size. Where ``fork`` is unavailable the caller validates in-process.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecoprocure.errors import DataError, EcoprocureError
from ecoprocure.ingest.tabular import Row, read_rows

_QUEUE_BATCHES = 4

# validate(row) -> (record or None, reject or None); reject = (row number, field, value, reason)
Validate = Callable[[Row], tuple[Any, tuple[int, str | None, str | None, str] | None]]


@dataclass
class Batch:
    records: list[tuple[int, Any]]
    rejects: list[tuple[int, str | None, str | None, str]]
    rows_read: int
    bytes_read: int


def available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _worker(path: Path, validate: Validate, batch_size: int, out: Any) -> None:
    position = [0]
    batch = Batch([], [], 0, 0)
    try:
        for row in read_rows(path, progress=lambda done: position.__setitem__(0, done)):
            record, reject = validate(row)
            batch.rows_read += 1
            if reject is not None:
                batch.rejects.append(reject)
            elif record is not None:
                batch.records.append((row.number, record))
            if len(batch.records) >= batch_size:
                batch.bytes_read = position[0]
                out.put(("batch", batch))
                batch = Batch([], [], 0, 0)
        batch.bytes_read = position[0]
        out.put(("batch", batch))
        out.put(("done", None))
    except EcoprocureError as exc:
        out.put(("error", str(exc)))
    except Exception as exc:
        out.put(("error", f"{path.name}: unexpected error while reading: {exc!r}"))


def validated_batches(path: Path, validate: Validate, batch_size: int) -> Iterator[Batch]:
    """Batches of validated records and rejects, produced by a forked worker."""
    context = multiprocessing.get_context("fork")
    out = context.Queue(maxsize=_QUEUE_BATCHES)
    process = context.Process(target=_worker, args=(path, validate, batch_size, out), daemon=True)
    process.start()
    try:
        while True:
            try:
                kind, payload = out.get(timeout=5)
            except queue_module.Empty:
                if not process.is_alive():
                    raise DataError(
                        f"{path.name}: the reading process stopped unexpectedly "
                        f"(exit code {process.exitcode})"
                    ) from None
                continue
            if kind == "done":
                return
            if kind == "error":
                raise DataError(payload)
            yield payload
    finally:
        if process.is_alive():
            process.terminate()
        process.join(timeout=10)
