"""What an upload may be: the accepted file types per kind of import, a safe file name, and a
check that the first bytes are what the name says.

A browser or client names the file; the name decides how the ingest reads it (``.csv`` → the
template reader, ``.json`` → the OCDS shape normaliser …), so the name's ending must be one the
import understands *and* the content must look like that type: a PNG renamed ``.csv`` or a
program renamed ``.json`` is refused before anything is stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

# Endings each kind of import reads, and what their content must start like.
_JSON = ("json",)
_JSON_OR_GZIP = ("json", "gzip")
PROCUREMENT_TYPES: dict[str, tuple[str, ...]] = {
    ".json": _JSON_OR_GZIP,
    ".jsonl": _JSON_OR_GZIP,
    ".ndjson": _JSON_OR_GZIP,
    ".jsonlines": _JSON_OR_GZIP,
    ".gz": ("gzip",),
    ".csv": ("text",),
    ".tsv": ("text",),
    ".xlsx": ("zip",),
    ".xlsm": ("zip",),
}
REGISTRY_TYPES: dict[str, tuple[str, ...]] = {
    ".csv": ("text",),
    ".tsv": ("text",),
    ".txt": ("text",),
    ".xlsx": ("zip",),
    ".xlsm": ("zip",),
}
TYPES = {"procurement": PROCUREMENT_TYPES, "registry": REGISTRY_TYPES}
SNIFF_BYTES = 8192
MAX_NAME = 150

# Recognisable starts of files nobody should upload here, to say what the file looks like.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xd0\xcf\x11\xe0", "an old Office (OLE) file such as .xls"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip file"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
_UNSAFE = re.compile(r"[^\w.\- ()\[\]+]", re.UNICODE)


@dataclass(frozen=True)
class TypeProblem:
    """Why a file cannot be used (English; ``accepted`` lists the endings that can)."""

    message: str
    accepted: tuple[str, ...]


def accepted(kind: str) -> tuple[str, ...]:
    return tuple(TYPES[kind])


def extension(name: str) -> str:
    """The ending that decides the reader: ``.json.gz`` counts as ``.gz`` (gzip)."""
    return PurePosixPath(name.lower()).suffix


def safe_name(name: str) -> str:
    """A file name to store under: no folders, no control or shell characters, no leading dot,
    at most ``MAX_NAME`` characters with the ending kept; Chinese letters stay."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" .")
    if len(base) > MAX_NAME:
        path = PurePosixPath(base)
        suffix = "".join(path.suffixes[-2:]) if len("".join(path.suffixes[-2:])) < 20 else path.suffix
        base = base[: MAX_NAME - len(suffix)] + suffix
    return base or "upload"


def check_name(kind: str, name: str) -> TypeProblem | None:
    """A problem when the name's ending is not one the ``kind`` import reads."""
    types = TYPES[kind]
    if extension(name) in types:
        return None
    shown = extension(name) or "(none)"
    return TypeProblem(
        f"{name}: files ending in {shown} cannot be imported as {kind} data; accepted: {', '.join(types)}",
        accepted(kind),
    )


def _looks_like(head: bytes) -> str | None:
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    return None


def content_is(head: bytes, expected: str) -> bool:
    """Whether the first bytes of a file fit ``expected`` (json, gzip, zip, text)."""
    if expected == "gzip":
        return head.startswith(b"\x1f\x8b")
    if expected == "zip":
        return head.startswith(b"PK\x03\x04")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text (Excel's "Unicode text")
        return expected == "text"
    if b"\x00" in head or _looks_like(head) is not None:
        return False
    if expected == "json":
        return head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"{", b"[")
    return expected == "text"


def check_content(kind: str, name: str, head: bytes) -> TypeProblem | None:
    """A problem when the first bytes (up to ``SNIFF_BYTES``) are not what the name's ending says."""
    expected = TYPES[kind].get(extension(name))
    if expected is None:
        return check_name(kind, name)
    if any(content_is(head, what) for what in expected):
        return None
    looks = _looks_like(head) or ("binary data" if b"\x00" in head else "other text")
    wanted = {"json": "JSON", "gzip": "gzip", "zip": "an XLSX workbook", "text": "CSV text"}
    return TypeProblem(
        f"{name}: the content is not {' or '.join(wanted[w] for w in expected)} as its name says "
        f"(it looks like {looks}); accepted: {', '.join(TYPES[kind])}",
        accepted(kind),
    )
