"""Results of the procurement pipeline (indicators, benefits), kept per state of their inputs.

A dashboard asks the same questions again and again; a pipeline run takes seconds. Results are
kept under a key made of the question, the registry's fingerprint (``pipeline.registry_snapshot``)
and the name, size and modification time of every ingested item file, so a new ingest or any
registry change gives a new key. One run at a time: the runs share the registry snapshot folder
and would only slow each other down on two cores.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any


def files_signature(files: list[Path]) -> tuple[tuple[str, int, int], ...]:
    signature = []
    for path in files:
        stat = path.stat()
        signature.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(signature)


class AnalysisCache:
    def __init__(self, max_entries: int = 64) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()
        self.runs = 0  # how many computations ran (the tests read it)

    def _get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return True, self._entries[key]
        return False, None

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        found, value = self._get(key)
        if found:
            return value
        with self._run_lock:
            found, value = self._get(key)  # another request may have computed it meanwhile
            if found:
                return value
            value = compute()
            self.runs += 1
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value
