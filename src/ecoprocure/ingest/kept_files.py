"""Keep the original of every imported file, content-addressed, before anything reads it."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def keep_original(path: Path, uploads_dir: Path, area: str) -> tuple[Path, str]:
    """Copy ``path`` to ``uploads_dir/area/<sha256 prefix>-<name>`` (once); return (kept path, sha256)."""
    digest = sha256_of(path)
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
