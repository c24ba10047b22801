"""What every command needs: settings, the database, printing and error translation."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from ecoprocure.errors import EcoprocureError
from ecoprocure.settings import Settings, load_settings
from ecoprocure.store.db import Database

console = Console(soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])

# An option shared by the commands that decide what counts as green (indicators, impact). Typer
# reads the Annotated metadata at run time: kept a real alias, not a string annotation.
AcceptScheme = Annotated[
    str | None,
    typer.Option(
        help="Count only certificates of this scheme or recognised by it through a mutual-recognition "
        "agreement (default: every certificate in the registry)."
    ),
]


def settings() -> Settings:
    return load_settings()


@contextmanager
def database(*, migrate: bool = True) -> Iterator[Database]:
    db = Database.from_settings(settings(), migrate=migrate)
    try:
        yield db
    finally:
        db.close()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def print_csv(rows: list[dict[str, Any]], also: Iterable[str] = ()) -> None:
    """Rows as CSV with a header: the columns of every row in the order first seen (a later row
    may carry columns an earlier one lacks), then ``also`` (columns always present, maybe empty)."""
    columns = list(dict.fromkeys([*(key for row in rows for key in row), *also]))
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    sys.stdout.write(buffer.getvalue())


def fail(message: str, code: int = 1) -> None:
    """Exit non-zero with a one-line reason on stderr (the CLI contract)."""
    sys.stderr.write("error: " + " ".join(message.split()) + "\n")
    raise typer.Exit(code)


def locale_option(lang: str) -> str:
    """The locale a ``--lang`` value names (en, zh, zh-Hans …); an unknown one is the one-line error."""
    from ecoprocure.i18n import UnknownLocale, parse_locale

    try:
        return parse_locale(lang)
    except UnknownLocale as exc:
        fail(f"--lang: {exc}")
        raise  # unreachable: fail exits


def handles_errors(func: F) -> F:
    """Translate ecoprocure errors into the one-line stderr message and exit code 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EcoprocureError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"{exc.filename or ''}: {exc.strerror or exc}")
        return None

    return wrapper  # type: ignore[return-value]
