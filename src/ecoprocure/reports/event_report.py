"""The qualifying explanatory statement (QES) of a carbon-neutral event, PAS 2060 style.

HTML and Markdown from the Jinja2 templates in ``templates/events/`` (labels through ``_()``,
Chinese from the gettext catalogue ``i18n/locales/zh_Hans/LC_MESSAGES/events.po``); PDF from the
HTML; JSON is the check's own dictionary plus the declaration in the chosen language.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import jinja2

from ecoprocure.domain.events import VERIFICATION_WORDING, EventResult
from ecoprocure.i18n import N_, gettext, jinja_environment, parse_locale, use_locale
from ecoprocure.reports.files import write_text_atomic
from ecoprocure.reports.pdf import write_pdf

FORMATS = ("html", "json", "md", "pdf")
TEMPLATES = Path(__file__).with_name("templates")
# The short language code the JSON carries ("language"), by locale.
LANGUAGE_CODES = {"en": "en", "zh_Hans": "zh"}
# The domain's VERIFICATION_WORDING, marked here so the catalogue carries them.
_WORDINGS = (
    N_("independent third-party certification"),
    N_("other party validation"),
    N_("self-validation"),
)


def declaration(result: EventResult, lang: str) -> str | None:
    """PAS 2060's declaration of achievement in ``lang`` (``None`` when neutrality is not shown)."""
    if result.declaration() is None:
        return None
    info, verification = result.event.info, result.event.verification
    assert verification is not None
    with use_locale(parse_locale(lang)):
        return gettext(
            "Carbon neutrality of %(subject)s achieved by %(organiser)s in accordance with "
            "%(standard)s on %(date)s with %(verification)s.",
            subject=info.subject or info.name,
            organiser=info.organiser,
            standard=verification.standard,
            date=verification.date.isoformat(),
            verification=gettext(VERIFICATION_WORDING[verification.type]),
        )


def number(value: str | None) -> str:
    """A decimal string with thousands separators (``165833`` → ``165,833``)."""
    if value is None:
        return ""
    try:
        return f"{Decimal(value):,f}"
    except InvalidOperation:
        return value


def markdown_cell(value: Any) -> Any:
    """Text from the event file cannot break a Markdown table: pipes escaped, lines joined."""
    if not isinstance(value, str):
        return value
    return " ".join(value.replace("|", "\\|").split())


def report_data(result: EventResult, lang: str) -> dict[str, Any]:
    locale = parse_locale(lang)
    data = result.to_dict() | {"language": LANGUAGE_CODES[locale], "declaration": declaration(result, locale)}
    verification = result.event.verification
    if data["verification"] is not None and verification is not None:
        with use_locale(locale):
            wording = gettext(VERIFICATION_WORDING[verification.type])
        data["verification"] = data["verification"] | {"wording": wording}
    return data


def _environment(output_format: str) -> jinja2.Environment:
    env = jinja_environment([TEMPLATES])
    if output_format == "md":
        env = env.overlay(finalize=markdown_cell, keep_trailing_newline=True)
    else:
        env = env.overlay(keep_trailing_newline=True)
    env.filters["num"] = number
    return env


def render(result: EventResult, output_format: str, lang: str = "en") -> str:
    """The report as text (html, md or json; a PDF is rendered from the html)."""
    if output_format not in FORMATS or output_format == "pdf":
        text_formats = ", ".join(f for f in FORMATS if f != "pdf")
        raise ValueError(f"unknown report format {output_format!r}; use one of {text_formats}")
    locale = parse_locale(lang)
    data = report_data(result, locale)
    if output_format == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    template = _environment(output_format).get_template(f"events/qes.{output_format}")
    with use_locale(locale):
        return template.render(d=data)


def write_report(result: EventResult, output_format: str, path: Path, lang: str = "en") -> Path:
    """Render, then write ``path`` atomically (a PDF from the HTML)."""
    if output_format == "pdf":
        return write_pdf(path, render(result, "html", lang))
    return write_text_atomic(path, render(result, output_format, lang))
