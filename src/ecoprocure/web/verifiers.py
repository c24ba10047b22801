"""A bounded pool of :class:`~ecoprocure.store.verification.Verifier` objects for the web app.

A Verifier holds a database connection and prepared statements and is not thread-safe, so each
request borrows one and gives it back. On SQLite the lookup takes tens of microseconds: the
verification route runs it on the event loop (one thread, so one Verifier is ever in use there),
which is cheaper than a hop to a worker thread. On PostgreSQL a lookup waits on the network, so
the route runs it in the thread pool and borrows from here; the pool never holds more than
``size`` Verifiers (each keeps two connections of the engine's pool).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from ecoprocure.domain.verification import VerificationAnswer
from ecoprocure.store.db import Database
from ecoprocure.store.verification import Verifier

T = TypeVar("T")


class VerifierPool:
    def __init__(self, db: Database, keys_dir: Path | None, size: int = 4) -> None:
        self.db, self.keys_dir, self.size = db, keys_dir, size
        self.inline = db.dialect == "sqlite"
        self._idle: queue.LifoQueue[Verifier] = queue.LifoQueue()
        self._made = 0
        self._lock = threading.Lock()
        self._closed = False

    def _take(self) -> Verifier:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._made < self.size:
                self._made += 1
                make = True
            else:
                make = False
        if make:
            try:
                return Verifier(self.db, self.keys_dir)
            except BaseException:
                with self._lock:
                    self._made -= 1
                raise
        return self._idle.get(timeout=30)

    def _give_back(self, verifier: Verifier, broken: bool) -> None:
        if broken or self._closed:
            with self._lock:
                self._made -= 1
            with contextlib.suppress(Exception):  # a broken connection may fail to close
                verifier.close()
            return
        self._idle.put(verifier)

    def run(self, work: Callable[[Verifier], T]) -> T:
        """``work`` with a borrowed Verifier; a Verifier whose query failed is closed, not reused."""
        verifier = self._take()
        try:
            result = work(verifier)
        except BaseException:
            self._give_back(verifier, broken=True)
            raise
        self._give_back(verifier, broken=False)
        return result

    async def answer(self, work: Callable[[Verifier], VerificationAnswer]) -> VerificationAnswer:
        if self.inline:
            return self.run(work)
        return await run_in_threadpool(self.run, work)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                verifier = self._idle.get_nowait()
            except queue.Empty:
                return
            verifier.close()


def by_number(number: str, day: dt.date | None) -> Callable[[Verifier], VerificationAnswer]:
    return lambda verifier: verifier.by_number(number, day)


def by_brand_model(brand: str, model: str, day: dt.date | None) -> Callable[[Verifier], VerificationAnswer]:
    return lambda verifier: verifier.by_brand_model(brand, model, day)


def by_qr(qr_text: str, day: dt.date | None) -> Callable[[Verifier], VerificationAnswer]:
    return lambda verifier: verifier.by_qr(qr_text, day)
