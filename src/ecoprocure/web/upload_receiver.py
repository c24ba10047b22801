"""Receiving an uploaded file: the multipart body is streamed to
``<uploads_dir>/incoming/<job id>/<safe name>`` in chunks, never held in memory.

Refused, with nothing left on disk (the job's folder is removed):

- a ``Content-Length`` that already says the body is over the limit (413, before reading it);
- a file that passes the limit while it streams (413, as soon as it does);
- a name whose ending the import cannot read, or a start that is not what the ending says
  (415, naming the accepted types; decided on the first 8 KiB);
- no file, an empty file, a second file, a malformed body (400);
- whatever the caller's ``before_file`` refuses (a page's CSRF token, which comes before the
  file in the form: the file is not read at all).

Messages are English for the API; pages show :attr:`UploadRefused.page_message` translated.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from fastapi import Request
from python_multipart.multipart import (
    MultipartParseError,
    MultipartParser,
    MultipartState,
    parse_options_header,
)

from ecoprocure.errors import EcoprocureError
from ecoprocure.i18n import N_
from ecoprocure.ingest import upload_files

MIB = 1024 * 1024
# Multipart boundaries, part headers and small form fields around the file.
_ENVELOPE = 64 * 1024
_MAX_FIELD = 1000
_MAX_FIELDS = 10


class UploadRefused(EcoprocureError, ValueError):
    """An upload that cannot be taken: HTTP status, API code, English message, and the message
    for pages as a translatable text with its values."""

    def __init__(self, status: int, code: str, message: str, page_text: str, **values: object) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.page_text, self.values = page_text, values


def mib(size: int) -> str:
    return f"{size / MIB:,.1f}".removesuffix(".0") + " MiB"


def too_large(size: int | None, limit: int) -> UploadRefused:
    shown = mib(limit)
    if size is not None:
        return UploadRefused(
            413,
            "too_large",
            f"the file is {mib(size)}; the limit is {shown} (ECOPROCURE_UPLOAD_MAX_MB)",
            N_("The file is %(size)s; the limit is %(limit)s (ECOPROCURE_UPLOAD_MAX_MB)."),
            size=mib(size),
            limit=shown,
        )
    return UploadRefused(
        413,
        "too_large",
        f"the file is larger than the limit of {shown} (ECOPROCURE_UPLOAD_MAX_MB)",
        N_("The file is larger than the limit of %(limit)s (ECOPROCURE_UPLOAD_MAX_MB)."),
        limit=shown,
    )


def bad_request(message: str, page_text: str, **values: object) -> UploadRefused:
    return UploadRefused(400, "bad_request", message, page_text, **values)


def wrong_type(problem: upload_files.TypeProblem, name: str) -> UploadRefused:
    return UploadRefused(
        415,
        "unsupported_media_type",
        problem.message,
        N_("%(name)s cannot be imported here. Accepted file types: %(accepted)s."),
        name=name,
        accepted=", ".join(problem.accepted),
    )


@dataclass
class Received:
    """A stored upload: the job id it was stored under, where, and the form's other fields."""

    job_id: str
    folder: Path
    path: Path
    filename: str  # as sent by the client (for people); the stored name is ``path.name``
    size: int
    fields: dict[str, str] = field(default_factory=dict)


# What ``before_file`` is handed (the fields sent before the file) and gives back: the kind of
# import the file is for (``procurement`` or ``registry``), which decides the accepted types.
BeforeFile = Callable[[dict[str, str]], str]


class _Events:
    """Collects what the (synchronous) multipart parser finds in one chunk, for async handling."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []
        self._field, self._value = b"", b""
        self.headers: dict[bytes, bytes] = {}

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": lambda: self.items.append(("headers", dict(self.headers))),
            "on_part_data": lambda data, start, end: self.items.append(("data", data[start:end])),
            "on_part_end": lambda: self.items.append(("end", None)),
        }

    def _begin(self) -> None:
        self.headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self.headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def take(self) -> list[tuple[str, Any]]:
        items, self.items = self.items, []
        return items


class _Receiver:
    def __init__(self, folder: Path, max_bytes: int, before_file: BeforeFile) -> None:
        self.folder, self.max_bytes, self.before_file = folder, max_bytes, before_file
        self.fields: dict[str, str] = {}
        self.part_name: str | None = None
        self.part_value = b""
        self.file: Any = None
        self.path: Path | None = None
        self.filename = ""
        self.kind = ""
        self.size = 0
        self.head = b""
        self.checked = False
        self.files_seen = 0

    async def headers(self, headers: dict[bytes, bytes]) -> None:
        _, options = parse_options_header(headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is None:
            if len(self.fields) >= _MAX_FIELDS:
                raise bad_request("too many form fields", N_("The form sent too many fields."))
            self.part_name, self.part_value = name, b""
            return
        self.part_name = None
        self.files_seen += 1
        if self.files_seen > 1 or name != "file":
            raise bad_request("send one file, in the form field `file`", N_("Send one file at a time."))
        self.filename = filename.decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1]
        if not self.filename:
            raise bad_request("no file was chosen", N_("Choose a file to upload."))
        self.kind = self.before_file(dict(self.fields))
        problem = upload_files.check_name(self.kind, self.filename)
        if problem is not None:
            raise wrong_type(problem, self.filename)
        self.folder.mkdir(parents=True, exist_ok=False)
        self.path = self.folder / upload_files.safe_name(self.filename)
        self.file = await anyio.to_thread.run_sync(self.path.with_name(self.path.name + ".part").open, "wb")

    async def data(self, chunk: bytes) -> None:
        if self.part_name is not None:
            self.part_value += chunk
            if len(self.part_value) > _MAX_FIELD:
                raise bad_request(f"form field {self.part_name} is too long", N_("A form field is too long."))
            return
        if self.file is None:
            return
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise too_large(None, self.max_bytes)
        if not self.checked:
            self.head += chunk[: upload_files.SNIFF_BYTES - len(self.head)]
            if len(self.head) >= upload_files.SNIFF_BYTES:
                self.check_content()
        await anyio.to_thread.run_sync(self.file.write, chunk)

    def check_content(self) -> None:
        self.checked = True
        problem = upload_files.check_content(self.kind, self.filename, self.head)
        if problem is not None:
            raise wrong_type(problem, self.filename)

    def end(self) -> None:
        if self.part_name is not None:
            self.fields[self.part_name] = self.part_value.decode("utf-8", "replace")
            self.part_name = None

    async def finish(self, job_id: str) -> Received:
        if self.file is None or self.path is None:
            raise bad_request(
                "no file in the request: send it as multipart/form-data in the field `file`",
                N_("Choose a file to upload."),
            )
        await anyio.to_thread.run_sync(self.file.close)
        self.file = None
        if self.size == 0:
            raise bad_request(
                f"{self.filename} is empty", N_("The file %(name)s is empty."), name=self.filename
            )
        if not self.checked:
            self.check_content()
        self.path.with_name(self.path.name + ".part").replace(self.path)
        return Received(job_id, self.folder, self.path, self.filename, self.size, dict(self.fields))

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def _boundary(request: Request) -> bytes:
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UploadRefused(
            415,
            "unsupported_media_type",
            "send the file as multipart/form-data in the form field `file`",
            N_("Send the file with the upload form."),
        )
    return boundary


def check_length(request: Request, max_bytes: int) -> None:
    """413 at once when the declared body is over the limit (plus room for the form around it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + _ENVELOPE:
        raise too_large(int(declared), max_bytes)


async def receive(request: Request, incoming: Path, max_bytes: int, before_file: BeforeFile) -> Received:
    """Stream the request's file into ``incoming/<new job id>/``; see the module's docstring."""
    check_length(request, max_bytes)
    boundary = _boundary(request)
    job_id = uuid.uuid4().hex
    receiver = _Receiver(incoming / job_id, max_bytes, before_file)
    events = _Events()
    parser = MultipartParser(boundary, events.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise bad_request(
                    f"the multipart body is malformed: {exc}",
                    N_("The upload arrived damaged; send it again."),
                ) from exc
            for what, value in events.take():
                if what == "headers":
                    await receiver.headers(value)
                elif what == "data":
                    await receiver.data(value)
                elif what == "end":
                    receiver.end()
        if parser.state != MultipartState.END:
            raise bad_request(
                "the multipart body ended before its closing boundary (was the upload cut off?)",
                N_("The upload arrived damaged; send it again."),
            )
        return await receiver.finish(job_id)
    except BaseException:
        receiver.close()
        shutil.rmtree(receiver.folder, ignore_errors=True)
        raise
