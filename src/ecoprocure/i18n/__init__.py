"""Translations of pages and reports: English (the source language) and Simplified Chinese.

Strings live in gettext catalogues (``locales/<locale>/LC_MESSAGES/<area>.po``: one file per area
— web pages, reports … — so they can be edited apart; a locale's files are merged), extracted from
the templates and code with Babel (``babel.cfg``; see docs/translations.md). The ``.po`` files ship
as package data and are compiled in memory at first use (milliseconds), so a wheel, an editable
install or a stale ``.mo`` all give the catalogue that is in the source tree.

The locale of the current request or report is kept in a context variable, so one shared Jinja
environment serves every request (``use_locale``) and templates call ``_()`` / ``ngettext()`` /
``pgettext()`` (a context where one English word needs two translations).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from io import BytesIO
from pathlib import Path

import jinja2
from babel import Locale, dates, numbers
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LOCALE = "en"
LOCALES = ("en", "zh_Hans")
# What a person or an Accept-Language header may say, mapped to the catalogue that answers it.
ALIASES = {
    "en": "en",
    "zh": "zh_Hans",
    "zh_hans": "zh_Hans",
    "zh_cn": "zh_Hans",
    "zh_sg": "zh_Hans",
    "zh-hans": "zh_Hans",
    "zh-cn": "zh_Hans",
}
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文"}
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans"}

_current: ContextVar[str] = ContextVar("ecoprocure_locale", default=DEFAULT_LOCALE)


class UnknownLocale(ValueError):
    pass


def normalise_locale(value: str | None) -> str | None:
    """``zh``, ``zh-CN``, ``zh_Hans`` … → ``zh_Hans``; ``en-GB`` → ``en``; None when unsupported."""
    if not value:
        return None
    key = value.strip().replace("-", "_").lower()
    if key in ALIASES:
        return ALIASES[key]
    base = key.split("_")[0]
    return ALIASES.get(base)


def parse_locale(value: str) -> str:
    """A locale named on the command line; an unsupported one is an error, not English."""
    found = normalise_locale(value)
    if found is None:
        raise UnknownLocale(f"language {value!r} is not available: use en or zh")
    return found


def negotiate(accept_language: str | None) -> str:
    """The first supported language of an ``Accept-Language`` header, by quality."""
    if not accept_language:
        return DEFAULT_LOCALE
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, position, tag))
    for _quality, _position, tag in sorted(weighted):
        found = normalise_locale(tag)
        if found is not None:
            return found
    return DEFAULT_LOCALE


@functools.cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of ``locale`` (English is the source: no catalogue)."""
    po_files = sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po"))
    if locale == DEFAULT_LOCALE or not po_files:
        return NullTranslations()
    merged = Catalog(locale=locale, fuzzy=False)
    for po_file in po_files:
        with po_file.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and message.string and not message.fuzzy:
                    merged[message.id] = message
    buffer = BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(fp=buffer)


def current_locale() -> str:
    return _current.get()


@contextmanager
def use_locale(locale: str) -> Iterator[str]:
    token = _current.set(locale)
    try:
        yield locale
    finally:
        _current.reset(token)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark a string for translation where it is defined; it is translated where it is shown."""
    return message


def gettext(message: str, **variables: object) -> str:
    """``message`` in the current language; ``%(name)s`` placeholders filled from ``variables``."""
    text = translations(current_locale()).gettext(message)
    return text % variables if variables else text


def pgettext(context: str, message: str, **variables: object) -> str:
    """``message`` in the current language, as translated for ``context`` (``msgctxt``): for a word
    whose translation differs between areas whose catalogues are merged ("Measure": an indicator
    on one page, a reduction measure in a report)."""
    text = translations(current_locale()).pgettext(context, message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def _babel_locale() -> Locale:
    return Locale.parse(current_locale())


def format_number(value: float | int | None, digits: int = 0) -> str:
    """Grouped digits in the current locale; an empty value is an en dash."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return numbers.format_decimal(value, format=pattern, locale=_babel_locale())


def format_percent(value: float | None, digits: int = 1) -> str:
    """A share (0.125) as a percentage (12.5 %)."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return numbers.format_percent(value, format=pattern, locale=_babel_locale())


def format_date(value: date | None) -> str:
    if value is None:
        return "–"
    return dates.format_date(value, format="medium", locale=_babel_locale())


def jinja_environment(template_dirs: Sequence[Path]) -> jinja2.Environment:
    """A Jinja environment with autoescaping, ``_``/``ngettext`` in the current locale and the
    locale-aware filters ``number``, ``percent`` and ``date``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=jinja2.select_autoescape(("html", "xml", "svg")),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=True, pgettext=pgettext
    )
    env.filters["number"] = format_number
    env.filters["percent"] = format_percent
    env.filters["date"] = format_date
    env.globals["current_locale"] = current_locale
    env.globals["html_lang"] = lambda: HTML_LANG[current_locale()]
    return env
