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

    def lookup(self, key: Hashable) -> tuple[bool, Any]:
        """(True, value) when the key is cached, else (False, None); never computes."""
        return self._get(key)

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
        self._store({key: value})
        return value

    def get_or_compute_many(
        self, keys: list[Hashable], compute: Callable[[list[Hashable]], dict[Hashable, Any]]
    ) -> dict[Hashable, Any]:
        """Values of several keys; ``compute`` gets the missing ones (in one go: one run)."""
        found = {key: self._get(key) for key in keys}
        if all(hit for hit, _value in found.values()):
            return {key: value for key, (_hit, value) in found.items()}
        with self._run_lock:
            found = {key: self._get(key) for key in keys}
            missing = [key for key, (hit, _value) in found.items() if not hit]
            computed = compute(missing) if missing else {}
            if missing:
                self.runs += 1
        self._store(computed)
        return {key: computed[key] if key in computed else found[key][1] for key in keys}

    def _store(self, values: dict[Hashable, Any]) -> None:
        with self._lock:
            for key, value in values.items():
                self._entries[key] = value
                self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
