"""QR codes (PNG and SVG) carrying a certificate's signed payload."""

from __future__ import annotations

from pathlib import Path

import segno


def write_qr(qr_text: str, out_dir: Path, stem: str) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg``; error correction M survives light wear of a label."""
    out_dir.mkdir(parents=True, exist_ok=True)
    code = segno.make(qr_text, error="m", micro=False)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)
    paths = [out_dir / f"{safe}.png", out_dir / f"{safe}.svg"]
    code.save(paths[0], scale=6, border=4)
    code.save(paths[1], scale=6, border=4, title=stem)
    return paths
