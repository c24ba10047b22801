"""Streaming reader for CSV and XLSX files, whatever office they come from.

CSV files from Chinese offices are often GBK/GB18030, from Excel UTF-8 with a byte-order mark;
we detect the encoding from the first block, then stream. XLSX is read in openpyxl's read-only
mode, row by row. Rows come out as dicts keyed by the cleaned header with their 1-based row
number in the file (the header is row 1), so every reject can name file, row and field.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from ecoprocure.errors import DataError

_SNIFF_BYTES = 256 * 1024
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz"}
_EAST_ASIAN_MULTIBYTE = {
    "big5",
    "big5hkscs",
    "cp932",
    "cp949",
    "cp950",
    "euc_jis_2004",
    "euc_jisx0213",
    "euc_jp",
    "euc_kr",
    "johab",
    "shift_jis",
    "shift_jis_2004",
    "shift_jisx0213",
}


@dataclass(frozen=True)
class Row:
    number: int  # row number in the file, header = 1
    values: dict[str, str]


ProgressCallback = Callable[[int], None]  # called with bytes (CSV) or rows (XLSX) consumed so far


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when it decodes; else the best legacy guess (GB18030 for GBK)."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip():
        raise DataError(f"{path.name}: the file is empty")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # A block boundary may cut a multi-byte character: ignore an incomplete tail only.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if len(head) == _SNIFF_BYTES and b"\n" in head:
        # Cut at a line end: a character split by the block end would rule out the right encoding.
        head = head[: head.rindex(b"\n") + 1]
    matches = from_bytes(head)
    best = matches.best()
    if best is None:
        raise DataError(f"{path.name}: cannot tell the text encoding; save the file as UTF-8")
    # Short or repetitive Chinese text decodes cleanly as GBK, Big5, EUC-KR and EUC-JP alike and the
    # detector then ranks them arbitrarily. Chinese offices write GBK, so GB18030 wins a (near) tie
    # with another East Asian multi-byte encoding, or an outright tie with anything else.
    gb = next((m for m in matches if m.encoding.lower() in _GB_FAMILY), None)
    if (
        gb is not None
        and gb.chaos <= best.chaos + 0.01
        and (best.encoding.lower() in _EAST_ASIAN_MULTIBYTE or gb.coherence >= best.coherence)
    ):
        best = gb
    encoding = best.encoding.lower()
    # GB2312 and GBK are subsets of GB18030; decoding with the superset never loses a character.
    return "gb18030" if encoding in _GB_FAMILY else encoding


def clean_header(name: object) -> str:
    return str(name or "").strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def read_rows(path: Path, *, progress: ProgressCallback | None = None) -> Iterator[Row]:
    """Rows of a CSV or XLSX file; raises ``DataError`` for empty or unreadable files."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        yield from _read_xlsx(path, progress)
    elif suffix in {".csv", ".txt", ".tsv"}:
        yield from _read_csv(path, progress)
    else:
        raise DataError(f"{path.name}: unsupported file type {suffix or '(none)'}; use .csv or .xlsx")


def _read_csv(path: Path, progress: ProgressCallback | None) -> Iterator[Row]:
    encoding = detect_encoding(path)
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        sample = text.read(8192)
        text.seek(0)
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
        reader = csv.reader(text, delimiter=delimiter)
        try:
            header = [clean_header(h) for h in next(reader)]
        except StopIteration:
            raise DataError(f"{path.name}: the file is empty") from None
        except UnicodeDecodeError as exc:
            raise DataError(f"{path.name}: not valid {encoding} text: {exc}") from exc
        yield from _rows(path, header, reader, raw, progress)


def _rows(
    path: Path,
    header: list[str],
    reader: Iterator[list[str]],
    raw: io.BufferedReader,
    progress: ProgressCallback | None,
) -> Iterator[Row]:
    width = len(header)
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cells):
                continue
            padded = cells + [""] * (width - len(cells)) if len(cells) < width else cells
            yield Row(number, dict(zip(header, padded, strict=False)))
            if progress is not None and number % 2000 == 0:
                progress(raw.tell())
    except UnicodeDecodeError as exc:
        # The decoder works on 8 KiB blocks, so the row being parsed is not the bad one: find its line.
        line = _undecodable_line(path, exc.encoding) or number + 1
        raise DataError(
            f"{path.name}: line {line}: not valid {exc.encoding} text ({exc.reason}); save the file as UTF-8"
        ) from exc
    except csv.Error as exc:
        raise DataError(f"{path.name}: row {number + 1}: malformed CSV: {exc}") from exc
    if progress is not None:
        progress(raw.tell())


def _undecodable_line(path: Path, encoding: str) -> int | None:
    """The 1-based line of the first byte that ``encoding`` cannot decode, or None."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as fh:
        for line, data in enumerate(fh, start=1):
            try:
                decoder.decode(data)
            except UnicodeDecodeError:
                return line
    return None


def _read_xlsx(path: Path, progress: ProgressCallback | None) -> Iterator[Row]:
    from openpyxl import load_workbook  # only XLSX imports pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise DataError(f"{path.name}: not a readable XLSX workbook: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            header = [clean_header(h) for h in next(rows)]
        except StopIteration:
            raise DataError(f"{path.name}: the first sheet is empty") from None
        for number, cells in enumerate(rows, start=2):
            if not any(c not in (None, "") for c in cells):
                continue
            yield Row(number, {h: _cell_text(c) for h, c in zip(header, cells, strict=False) if h})
            if progress is not None and number % 2000 == 0:
                progress(number)
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "hour"):  # datetime from a date-formatted cell
        return value.date().isoformat()  # type: ignore[union-attr]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
