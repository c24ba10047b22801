"""Reading TOML data files with messages that name the file, the entry and the field.

Shared by the claims, case-study, event and SDG files: each passes its own error class (a
:class:`~ecoprocure.errors.DataError` subclass), so callers keep catching what they caught.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ecoprocure.errors import DataError


def read_toml(path: Path, error: type[DataError], what: str, *, name: str | None = None) -> dict[str, Any]:
    """The decoded TOML of ``path``; an unreadable, non-UTF-8 or invalid file raises ``error``
    naming the file (``what`` says which kind of file: "claims file", "case-study file"; ``name``
    how messages call it, by default its file name — pass the caller's ``origin`` when its other
    messages use the whole path)."""
    name = path.name if name is None else name
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{name}: cannot read the {what}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{name}: not UTF-8 text: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{name}: not valid TOML: {exc}") from exc


def no_unknown(table: dict[str, Any], allowed: set[str], where: str, error: type[DataError]) -> None:
    """Refuse the first field of ``table`` (alphabetically) that is not in ``allowed``."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise error(f"{where}: field {unknown[0]}: unknown field (allowed: {', '.join(sorted(allowed))})")


def tables(data: dict[str, Any], key: str, where: str, error: type[DataError]) -> list[dict[str, Any]]:
    """The ``[[key]]`` tables of ``data`` (none: an empty list)."""
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise error(f"{where}: {key}: write each {key} as a [[{key}]] table")
    return entries
