"""Keep the original of every imported file, content-addressed, before anything reads it."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

_BLOCK = 1 << 22


def sha256_of(path: Path) -> str:
    return FileDigest(path).run().sha256


class Digest(NamedTuple):
    sha256: str
    line_feeds: int
    object_lines: int  # lines whose first byte is "{": the records of a JSON Lines file


class FileDigest:
    """The sha256 of a file and its line counts, in one read, optionally in a thread.

    A multi-GB upload can be hashed while DuckDB parses it (hashlib and ``bytes.count`` release
    the GIL on large blocks), instead of reading it twice one after the other.
    ``on_digest`` runs in the thread as soon as the digest is known (the ingest uses it to stop
    the parse of a file it has seen before).
    """

    def __init__(self, path: Path, on_digest: Callable[[str], None] | None = None) -> None:
        self.path, self.on_digest = path, on_digest
        self._result: Digest | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def run(self) -> Digest:
        digest, line_feeds, objects, last = hashlib.sha256(), 0, 0, b"\n"
        with self.path.open("rb") as fh:
            while block := fh.read(_BLOCK):
                digest.update(block)
                line_feeds += block.count(b"\n")
                objects += block.count(b"\n{") + (last == b"\n" and block[:1] == b"{")
                last = block[-1:]
        self._result = Digest(digest.hexdigest(), line_feeds, objects)
        if self.on_digest is not None:
            self.on_digest(self._result.sha256)
        return self._result

    def start(self) -> FileDigest:
        def work() -> None:
            try:
                self.run()
            except BaseException as exc:  # re-raised in the caller's thread by result()
                self._error = exc

        self._thread = threading.Thread(target=work, name=f"digest {self.path.name}", daemon=True)
        self._thread.start()
        return self

    def result(self) -> Digest:
        """The digest and counts, waiting for the thread when there is one."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result if self._result is not None else self.run()


def keep_original(path: Path, uploads_dir: Path, area: str, *, digest: str | None = None) -> tuple[Path, str]:
    """Copy ``path`` to ``uploads_dir/area/<sha256 prefix>-<name>`` (once); return (kept path,
    sha256). ``digest``: the file's sha256 when the caller has it already."""
    digest = digest or sha256_of(path)
    target_dir = uploads_dir / area
    target_dir.mkdir(parents=True, exist_ok=True)
    kept = target_dir / f"{digest[:16]}-{path.name}"
    if not kept.exists():
        tmp = kept.with_suffix(kept.suffix + ".part")
        tmp.unlink(missing_ok=True)
        try:
            # A hard link keeps a multi-GB original without copying it (same file system only).
            # Editors and uploads replace files rather than rewrite them in place, so the kept
            # link keeps the content that was imported; the sha256 in the report pins it.
            os.link(path, tmp)
        except OSError:
            shutil.copyfile(path, tmp)
        tmp.replace(kept)  # atomic: a kept file is always complete
    return kept, digest
