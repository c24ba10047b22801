"""Any OCDS file as one stream of releases, with every problem reported instead of raised.

Publishers ship OCDS as release packages, record packages, bare releases or records, JSON arrays
and JSON Lines, any of them gzipped. ``iter_releases`` streams the releases out of all of these
with bounded memory and appends what it could not use to a ``ShapeReport``: empty files, malformed
JSON, text that is not UTF-8, linked releases that cannot be fetched offline, releases without an
ocid, duplicate releases. ``write_release_lines`` writes the releases of many files as one JSON
Lines file for the columnar pipeline, each line naming the file and place it came from.

How a file is read:

* gzip is recognised by its magic bytes, whatever the file is called; a UTF-8 byte-order mark is
  dropped; byte offsets in problems count from 0 in the uncompressed text.
* A file of objects is JSON Lines when one of its first four lines, at column 0, holds a whole
  JSON object and more lines follow (or the file is named .jsonl/.ndjson); when the first line
  is over 1 MiB, when a second JSON value follows the first. It is read a line at a time with
  orjson; a bad line is reported and skipped, the rest still loads.
* Any other object or array is one JSON document, streamed with ijson in two passes: the first
  only notes the top-level keys (a record's ``compiledRelease`` may come after its ``releases``),
  the second yields the releases. Parsing stops at the first malformed byte; releases before it
  are kept and the problem names byte, line and column.
* The shape comes from the top-level keys: ``records`` → record package; ``compiledRelease``,
  ``versionedRelease`` or ``ocid`` with ``releases`` → record; ``releases`` → release package;
  anything else → release. A record gives its ``compiledRelease``, else its embedded releases.
* Numbers come out as ``int`` or ``float`` as with ``json.loads`` (a number beyond a C double, which
  only a document can hold, stays a ``Decimal``). Releases are otherwise passed through unchanged.
* Duplicates (same ocid and id within one file) are found through a 64-bit hash per release kept in
  a flat array, about 12 bytes a release.
"""

from __future__ import annotations

import codecs
import dataclasses
import gzip
import io
import json
import zlib
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import ijson
import orjson

SHAPES = ("release-package", "record-package", "release", "record", "jsonl", "json-array", "empty", "unknown")

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024
_SNIFF_LINE = 1024 * 1024  # a JSON Lines file is recognised from lines up to this long
_SNIFF_LINES = 4
_WHITESPACE = b" \t\r\n"
_LINES_SUFFIXES = {".jsonl", ".ndjson", ".jsonlines"}
_OTHER_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_OCDS_11_FIELDS = ("parties", "relatedProcesses")  # added in OCDS 1.1
_VALUE_TYPES = {
    "start_map": "an object",
    "start_array": "a list",
    "string": "a text",
    "number": "a number",
    "boolean": "true/false",
    "null": "null",
}


@dataclass(frozen=True)
class ShapeProblem:
    """One thing in a file that could not be used as given."""

    file: str  # file name
    location: str  # "line 17", "releases[3]", "records[2].releases[0]"; "" for the whole file
    field: str | None  # "releases", "ocid", "id" … when one field is at fault
    reason: str

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.location, self.field, self.reason) if part)


@dataclass
class ShapeReport:
    """What one file held: its shape, OCDS version, releases yielded and every problem met."""

    file: str
    shape: str = "unknown"  # one of SHAPES
    ocds_version: str | None = None  # package "version" (absent → "1.0"), else inferred
    releases: int = 0
    problems: list[ShapeProblem] = dataclasses.field(default_factory=list)

    def add(self, location: str, field: str | None, reason: str) -> None:
        self.problems.append(ShapeProblem(self.file, location, field, reason))


def iter_releases(path: Path, report: ShapeReport) -> Iterator[dict[str, Any]]:
    """Yield each release (a dict) from any OCDS shape, streaming; append problems to report."""
    for _location, release in _located_releases(path, report):
        yield release


def write_release_lines(paths: Iterable[Path], out: Path) -> list[ShapeReport]:
    """Stream every release of every file as one compact JSON line (orjson) into ``out``.

    Each line carries two extra top-level keys, ``_source_file`` (file name) and
    ``_source_location`` (e.g. "releases[3]", "line 17"), so later rejects can name file and
    release. ``out`` appears only when complete. Returns one report per input file.
    """
    reports: list[ShapeReport] = []
    partial = out.with_name(out.name + ".part")
    try:
        with partial.open("wb") as sink:
            for path in paths:
                report = ShapeReport(file=path.name)
                reports.append(report)
                for location, release in _located_releases(path, report):
                    release["_source_file"] = report.file
                    release["_source_location"] = location
                    sink.write(_json_line(release))
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return reports


def _json_line(release: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(release, default=_unusual_number, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # an integer beyond 64 bits or a lone surrogate: the standard library copes
        return (json.dumps(release, separators=(",", ":"), default=_unusual_number) + "\n").encode()


def _unusual_number(value: object) -> str:
    if isinstance(value, Decimal):  # beyond a double: keep its digits rather than write null
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


# --- releases: checks shared by every shape -------------------------------------------------


def _located_releases(path: Path, report: ShapeReport) -> Iterator[tuple[str, dict[str, Any]]]:
    checks = _ReleaseChecks(report)
    for location, candidate in _candidates(path, report):
        if checks.accept(candidate, location):
            yield location, candidate


class _ReleaseChecks:
    """Lets a release through unless it is a link, lacks an ocid or repeats an ocid + id."""

    def __init__(self, report: ShapeReport) -> None:
        self._report = report
        self._seen = _SeenHashes()

    def accept(self, release: object, location: str) -> bool:
        report = self._report
        if not isinstance(release, dict):
            report.add(
                location, None, f"a release must be a JSON object, found {_type_name(release)}; skipped"
            )
            return False
        ocid = release.get("ocid")
        if not isinstance(ocid, str) or not ocid.strip():
            if ocid is None and "url" in release:
                report.add(
                    location,
                    "url",
                    f"linked release {release['url']} not embedded; cannot be fetched offline",
                )
            elif ocid is None:
                report.add(location, "ocid", "the release has no ocid; skipped")
            else:
                found = "empty" if isinstance(ocid, str) else f"{_type_name(ocid)}, not a text"
                report.add(location, "ocid", f"the ocid is {found}; skipped")
            return False
        release_id = release.get("id")
        if release_id is not None and not self._seen.add(hash((ocid, str(release_id)))):
            report.add(
                location, "id", f"duplicate release: ocid {ocid} id {release_id} was read before; skipped"
            )
            return False
        if report.ocds_version is None:
            report.ocds_version = _release_version(release)
        report.releases += 1
        return True


class _SeenHashes:
    """A set of 64-bit hashes in one flat array (open addressing): ~12 bytes an entry, not ~70."""

    def __init__(self) -> None:
        self._slots = array("q", bytes(8 * 1024))
        self._used = 0

    def add(self, value: int) -> bool:
        """Add ``value``; False when it was already there."""
        value = value or 1  # 0 marks an empty slot
        slots = self._slots
        mask = len(slots) - 1
        index = value & mask
        while (current := slots[index]) != 0:
            if current == value:
                return False
            index = (index + 1) & mask
        slots[index] = value
        self._used += 1
        if self._used * 10 > len(slots) * 7:
            self._grow()
        return True

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("q", bytes(16 * len(old)))
        mask = len(self._slots) - 1
        for value in old:
            if value:
                index = value & mask
                while self._slots[index]:
                    index = (index + 1) & mask
                self._slots[index] = value


def _release_version(release: dict[str, Any]) -> str:
    """A release's own "version" (not standard, but common), else 1.1 when it uses 1.1 fields."""
    version = release.get("version")
    if isinstance(version, str) and version.strip():
        return version.strip()
    return "1.1" if any(name in release for name in _OCDS_11_FIELDS) else "1.0"


def _package_version(version: object) -> str:
    """A package's "version"; OCDS says a package without one is 1.0."""
    if version is None or isinstance(version, (dict, list, bool)):
        return "1.0"
    return str(version).strip() or "1.0"


# --- shapes ----------------------------------------------------------------------------------


def _shape_of(keys: Iterable[str]) -> str:
    keys = set(keys)
    if "records" in keys:
        return "record-package"
    if "compiledRelease" in keys or "versionedRelease" in keys or {"ocid", "releases"} <= keys:
        return "record"
    if "releases" in keys:
        return "release-package"
    return "release"


def _candidates(path: Path, report: ShapeReport) -> Iterator[tuple[str, object]]:
    """(location, object that should be a release) for every release-like thing in the file."""
    try:
        head = _sniff(path)
        if head.bom:
            report.add("", None, f"the file is {head.bom} text, not UTF-8; save it as UTF-8")
        elif not head.start:
            report.shape = "empty"
            report.add("", None, "the file is empty")
        elif head.start.startswith(b"["):
            report.shape = "json-array"
            yield from _array(path, report)
        elif not head.start.startswith(b"{"):
            starts = head.start.strip(_WHITESPACE)[:40]
            report.add("", None, f"not a JSON object or array: the file starts with {starts!r}")
        elif head.json_lines:
            yield from _lines(path, report)
        else:
            yield from _document(path, report, may_be_lines=head.json_lines is None)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        report.add(
            "", None, f"the gzip data are corrupt or truncated ({exc}); releases before the damage kept"
        )
    except OSError as exc:
        report.add("", None, f"cannot read the file: {exc.strerror or exc}")


def _expand(value: object, location: str, report: ShapeReport) -> Iterator[tuple[str, object]]:
    """Release candidates in a value already in memory (a JSON Lines line, an array item)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _expand(item, _at(location, f"[{index}]"), report)
        return
    if not isinstance(value, dict):
        yield location, value  # the checks report it
        return
    shape = _shape_of(value)
    if shape == "record":
        yield from _record_candidates(value, location, report)
    elif shape in {"release-package", "record-package"}:
        if report.ocds_version is None:
            report.ocds_version = _package_version(value.get("version"))
        key = "records" if shape == "record-package" else "releases"
        items = value[key]
        if not isinstance(items, list):
            report.add(location, key, f"{key} must be a list, found {_type_name(items)}")
            return
        for index, item in enumerate(items):
            if key == "records":
                yield from _record_candidates(item, _at(location, f"records[{index}]"), report)
            else:
                yield _at(location, f"releases[{index}]"), item
    else:
        yield location, value


def _record_candidates(record: object, location: str, report: ShapeReport) -> Iterator[tuple[str, object]]:
    """A record's compiledRelease, else its embedded releases (links among them are reported)."""
    if not isinstance(record, dict):
        report.add(location, None, f"a record must be a JSON object, found {_type_name(record)}; skipped")
        return
    compiled = record.get("compiledRelease")
    if isinstance(compiled, dict):
        yield _at(location, "compiledRelease"), compiled
        return
    embedded = record.get("releases")
    if isinstance(embedded, list) and embedded:
        for index, release in enumerate(embedded):
            yield _at(location, f"releases[{index}]"), release
        return
    report.add(location, "compiledRelease", _no_release_in_record(record))


def _no_release_in_record(keys: Iterable[str]) -> str:
    reason = "the record has neither a compiledRelease nor embedded releases; skipped"
    if "versionedRelease" in keys:
        reason += " (its versionedRelease is not read)"
    return reason


def _at(base: str, part: str) -> str:
    if not base:
        return part
    if base.startswith("line ") and base[5:].isdigit():
        return f"{base} {part}"
    return f"{base}{part}" if part.startswith("[") else f"{base}.{part}"


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    return {str: "a text", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


# --- JSON Lines --------------------------------------------------------------------------------


def _lines(path: Path, report: ShapeReport) -> Iterator[tuple[str, object]]:
    report.shape = "jsonl"
    with _binary(path) as stream:
        offset = 0
        for number, raw_line in enumerate(stream, start=1):
            start, offset = offset, offset + len(raw_line)
            line = raw_line
            if number == 1 and line.startswith(codecs.BOM_UTF8):
                line, start = line[3:], start + 3
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                if line.strip(_WHITESPACE):
                    report.add(f"line {number}", None, _bad_line(line, start))
                continue
            yield from _expand(value, f"line {number}", report)


def _bad_line(line: bytes, start: int) -> str:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"not UTF-8 text at byte {start + bad.start} (column {bad.start + 1}); line skipped"
    try:  # again without the line end, so that the column is on this line
        orjson.loads(line.rstrip(_WHITESPACE))
    except orjson.JSONDecodeError as exc:
        return f"malformed JSON: {exc.msg} at column {exc.colno}; line skipped"
    return "malformed JSON; line skipped"


# --- one JSON document (or array), streamed ------------------------------------------------------


def _array(path: Path, report: ShapeReport) -> Iterator[tuple[str, object]]:
    try:
        for index, item in enumerate(_items(path, "item")):
            yield from _expand(item, f"[{index}]", report)
    except _BrokenJson as broken:
        report.add(*_describe(path, broken))


def _document(path: Path, report: ShapeReport, *, may_be_lines: bool) -> Iterator[tuple[str, object]]:
    scan = _scan(path)
    if scan.more_values and may_be_lines:  # JSON Lines with a first line too long to sniff
        yield from _lines(path, report)
        return
    shape = _shape_of(scan.kinds)
    if scan.broken is not None and shape == "release" and "ocid" not in scan.kinds:
        report.add(*_describe(path, scan.broken))  # broken before anything tells what it is
        return
    report.shape = shape
    if scan.more_values:
        report.add("", None, "more JSON follows the end of the first document; only the first is read")
    try:
        yield from _document_candidates(path, report, scan)
    except _BrokenJson as broken:
        if not scan.more_values:  # else it is the trailing JSON already reported
            report.add(*_describe(path, broken))


def _document_candidates(path: Path, report: ShapeReport, scan: _Scan) -> Iterator[tuple[str, object]]:
    if report.shape == "record":
        yield from _bare_record_candidates(path, report, scan)
    elif report.shape == "release":
        for item in _items(path, ""):
            yield "", item
    else:
        report.ocds_version = _package_version(scan.version)
        key = "records" if report.shape == "record-package" else "releases"
        kind = scan.kinds[key]
        if kind != "start_array":
            report.add("", key, f"{key} must be a list, found {_VALUE_TYPES.get(kind, kind)}")
            return
        for index, item in enumerate(_items(path, f"{key}.item")):
            if key == "records":
                yield from _record_candidates(item, f"records[{index}]", report)
            else:
                yield f"releases[{index}]", item


def _bare_record_candidates(path: Path, report: ShapeReport, scan: _Scan) -> Iterator[tuple[str, object]]:
    """Streamed like a package: a record may embed many releases."""
    found = 0
    if scan.kinds.get("compiledRelease") == "start_map":
        for item in _items(path, "compiledRelease"):
            found += 1
            yield "compiledRelease", item
    elif scan.kinds.get("releases") == "start_array":
        for index, item in enumerate(_items(path, "releases.item")):
            found += 1
            yield f"releases[{index}]", item
    if not found and scan.broken is None and not scan.damaged:
        report.add("", "compiledRelease", _no_release_in_record(scan.kinds))


@dataclass
class _Scan:
    kinds: dict[str, str]  # top-level key → first parser event of its value ("start_array" …)
    version: object  # the top-level "version" when it is a plain value
    more_values: bool  # another JSON value follows the first
    broken: _BrokenJson | None
    damaged: bool = False  # the gzip data end or break


class _BrokenJson(Exception):
    """Parsing stopped: not UTF-8 at ``offset``, or a syntax error in the block from ``block_start``."""

    def __init__(self, message: str, *, offset: int | None = None, block_start: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.block_start = block_start


class _NotUtf8(Exception):
    def __init__(self, offset: int) -> None:
        super().__init__(f"not UTF-8 text at byte {offset}")
        self.offset = offset


def _scan(path: Path) -> _Scan:
    """Top-level keys of the first value, each with how its value starts; stops at a second value."""
    kinds: dict[str, str] = {}
    version: object = None
    depth = 0
    values = 0
    pending: str | None = None
    with _binary(path) as stream:
        reader = _Utf8Reader(stream)
        try:
            for event, value in ijson.basic_parse(reader, multiple_values=True):
                if pending is not None:
                    kinds[pending] = event
                    if pending == "version":
                        version = value
                    pending = None
                if event == "map_key":
                    if depth == 1:
                        pending = value
                elif event in {"start_map", "start_array"}:
                    if depth == 0:
                        values += 1
                        if values > 1:
                            return _Scan(kinds, version, True, None)
                    depth += 1
                elif event in {"end_map", "end_array"}:
                    depth -= 1
                elif depth == 0:
                    return _Scan(kinds, version, True, None)
        except (ijson.JSONError, _NotUtf8) as exc:
            return _Scan(kinds, version, False, _broken(exc, reader))
        except (EOFError, zlib.error, gzip.BadGzipFile):  # reading the releases again will report it
            return _Scan(kinds, version, False, None, damaged=True)
    return _Scan(kinds, version, False, None)


def _items(path: Path, prefix: str) -> Iterator[Any]:
    """The values at ``prefix`` (ijson syntax), streamed; raises ``_BrokenJson`` where parsing stops."""
    done = 0
    with _binary(path) as stream:
        reader = _Utf8Reader(stream)
        try:
            for item in ijson.items(reader, prefix, use_float=True):
                yield item
                done += 1
            return
        except (ijson.JSONError, _NotUtf8) as exc:
            if "overflow" not in str(exc):
                raise _broken(exc, reader) from exc
    # A number beyond int64 or a double: read again with exact numbers, from where we were.
    with _binary(path) as stream:
        reader = _Utf8Reader(stream)
        try:
            for index, item in enumerate(ijson.items(reader, prefix)):
                if index >= done:
                    yield _plain_numbers(item)
        except (ijson.JSONError, _NotUtf8) as exc:
            raise _broken(exc, reader) from exc


def _plain_numbers(value: Any) -> Any:
    """Decimals as floats, as json.loads gives them (unless beyond a double)."""
    if isinstance(value, Decimal):
        number = float(value)
        return value if number in {float("inf"), float("-inf")} else number
    if isinstance(value, dict):
        return {key: _plain_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(item) for item in value]
    return value


def _broken(exc: Exception, reader: _Utf8Reader) -> _BrokenJson:
    if isinstance(exc, _NotUtf8):
        return _BrokenJson("not UTF-8 text", offset=exc.offset)
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    for prefix in ("lexical error: ", "parse error: "):
        message = message.removeprefix(prefix)
    return _BrokenJson(message.rstrip("."), block_start=reader.offset - reader.last)


def _describe(path: Path, broken: _BrokenJson) -> tuple[str, None, str]:
    """Location and reason for a stop in a document: the exact byte, its line and column."""
    if broken.offset is not None:
        offset, what = broken.offset, "not UTF-8 text"
    else:
        offset = _error_offset(path, broken.block_start)
        what = (
            "the JSON ends before the document is complete (truncated file?)"
            if broken.message == "premature EOF"
            else f"malformed JSON: {broken.message}"
        )
    line, column = _line_and_column(path, offset)
    reason = f"{what} at byte {offset} (line {line}, column {column}); the rest of the file is not read"
    return f"line {line}", None, reason


def _error_offset(path: Path, block_start: int) -> int:
    """Parse again, a byte at a time from the block that failed, to find the offending byte."""
    with _binary(path) as stream:
        reader = _Utf8Reader(stream, slow_from=block_start)
        try:
            deque(ijson.basic_parse(reader), maxlen=0)
        except (ijson.JSONError, _NotUtf8):
            return reader.offset if reader.last == 0 else reader.offset - 1
    return reader.offset


def _line_and_column(path: Path, offset: int) -> tuple[int, int]:
    line, seen, last_newline = 1, 0, -1
    with _binary(path) as stream:
        while seen < offset:
            block = stream.read1(min(_CHUNK, offset - seen))
            if not block:
                break
            if newlines := block.count(b"\n"):
                line += newlines
                last_newline = seen + block.rindex(b"\n")
            seen += len(block)
    return line, offset - last_newline


# --- bytes -----------------------------------------------------------------------------------------


@contextmanager
def _binary(path: Path) -> Iterator[io.BufferedIOBase]:
    """The file's bytes, uncompressed when it starts with the gzip magic bytes.

    Readers use ``read1``: a damaged gzip stream then gives up everything before the damage.
    """
    with path.open("rb") as raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == _GZIP_MAGIC:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield unzipped
        else:
            yield raw


class _Utf8Reader:
    """A file for ijson: drops a UTF-8 BOM, checks UTF-8 as it goes and counts the bytes.

    From byte ``slow_from`` on it hands over one byte per read, so that a parse error is raised at
    the offending byte.
    """

    def __init__(self, stream: io.BufferedIOBase, slow_from: int | None = None) -> None:
        self._stream = stream
        self._slow_from = slow_from
        self._carry = b""  # an incomplete UTF-8 sequence at the end of the last block
        self._error: _NotUtf8 | None = None  # met in the last block, raised on the next read
        self.offset = 0  # bytes of the file handed over (or dropped) so far
        self.last = 0  # size of the last block handed over
        self._head = stream.read(3)
        if self._head == codecs.BOM_UTF8:
            self._head, self.offset = b"", 3

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson asks for nothing to learn whether we give bytes or text
            return b""
        if self._error is not None:
            raise self._error
        if size < 0:
            size = _CHUNK
        if self._slow_from is not None and self.offset >= self._slow_from:
            size = 1
        block, self._head = self._head[:size], self._head[size:]
        if len(block) < size:
            block += self._stream.read1(size - len(block))
        block = self._utf8_part(block)
        self.offset += len(block)
        self.last = len(block)
        return block

    def _utf8_part(self, block: bytes) -> bytes:
        """The block up to its first byte that is not UTF-8; the error is raised on the next read."""
        data = self._carry + block
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if block and exc.end == len(data) and exc.reason == "unexpected end of data":
                self._carry = data[exc.start :]  # the rest of the character is in the next block
                return block
            error = _NotUtf8(self.offset - len(self._carry) + exc.start)
            good = exc.start - len(self._carry)
            if good <= 0:
                raise error from None
            self._error = error
            return block[:good]
        self._carry = b""
        return block


@dataclass
class _Head:
    start: bytes  # the start of the first non-blank line, without leading whitespace
    json_lines: bool | None  # None: the first line is too long to tell
    bom: str | None = None  # a UTF-16 or UTF-32 byte-order mark


def _sniff(path: Path) -> _Head:
    """Look at the first lines: empty, array, object, JSON Lines, or not UTF-8 at all."""
    head, at_end = b"", False
    with _binary(path) as stream:
        mark = stream.read(4)
        for bom, name in _OTHER_BOMS:
            if mark.startswith(bom):
                return _Head(b"", False, name)
        stream.seek(0)
        try:
            block = stream.read1(_CHUNK).removeprefix(codecs.BOM_UTF8)
            while block:
                head += block.lstrip(_WHITESPACE) if not head else block
                if len(head) >= _SNIFF_LINE or head.count(b"\n") > 4 * _SNIFF_LINES:
                    break
                block = stream.read1(_CHUNK)
            at_end = not block
        except (EOFError, zlib.error, gzip.BadGzipFile):
            if not head:
                raise
    pieces = head.split(b"\n")
    lines = [  # non-blank lines, each with "read to its end"
        (piece, index < len(pieces) - 1 or at_end)
        for index, piece in enumerate(pieces)
        if piece.strip(_WHITESPACE)
    ][:_SNIFF_LINES]
    if not lines:
        return _Head(b"", False)
    start, first_complete = lines[0]
    if not start.startswith(b"{"):
        return _Head(start[:80], False)
    if not first_complete:
        return _Head(start[:80], None)
    if _is_object_line(start):  # one line alone is a JSON document, unless the name says otherwise
        return _Head(start[:80], len(lines) > 1 or _named_like_lines(path))
    others = any(complete and _is_object_line(line) for line, complete in lines[1:])
    return _Head(start[:80], others)


def _named_like_lines(path: Path) -> bool:
    suffixes = [suffix.lower() for suffix in path.suffixes if suffix.lower() != ".gz"]
    return bool(suffixes) and suffixes[-1] in _LINES_SUFFIXES


def _is_object_line(line: bytes) -> bool:
    """A line that starts at column 0 with "{" and holds one whole JSON object."""
    if not line.startswith(b"{"):
        return False
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False
