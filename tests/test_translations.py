"""Every string shown to people has a Simplified Chinese translation that keeps its placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from ecoprocure import i18n

SOURCE = Path(i18n.__file__).parents[1]
METHOD_MAP = [("**/templates/**.html", "jinja2"), ("**/templates/**.md", "jinja2"), ("**.py", "python")]
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}
OPTIONS = {"**/templates/**.html": JINJA_OPTIONS, "**/templates/**.md": JINJA_OPTIONS}
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _source_messages() -> dict[tuple[str, str], str]:
    """(msgctxt or "", msgid) → where the source uses it."""
    found: dict[tuple[str, str], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        SOURCE, METHOD_MAP, options_map=OPTIONS, keywords=KEYWORDS
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault((context or "", msgid), f"{filename}:{lineno}")
    return found


def _catalogue(locale: str) -> dict[tuple[str, str], str | tuple[str, ...]]:
    entries: dict[tuple[str, str], str | tuple[str, ...]] = {}
    for po_file in sorted((i18n.LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with po_file.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and not message.fuzzy:
                    ids = message.id if isinstance(message.id, tuple) else (message.id,)
                    for msgid in ids:
                        entries[(message.context or "", msgid)] = message.string
    return entries


def test_every_source_string_has_a_chinese_translation() -> None:
    catalogue = _catalogue("zh_Hans")
    missing = [
        f"{where}: {key[1]!r}" + (f" (context {key[0]!r})" if key[0] else "")
        for key, where in sorted(_source_messages().items())
        if not catalogue.get(key) or catalogue.get(key) == ("",)
    ]
    assert not missing, "untranslated strings:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders() -> None:
    wrong = []
    for (_context, msgid), translated in _catalogue("zh_Hans").items():
        strings = translated if isinstance(translated, tuple) else (translated,)
        for text in strings:
            if text and set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(msgid)):
                wrong.append(f"{msgid!r} → {text!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR, zh-Hans;q=0.5", "zh_Hans"),
        ("fr-FR", "en"),
        ("en;q=0.2, zh;q=0.8", "zh_Hans"),
        ("", "en"),
        (None, "en"),
        ("zh;q=abc", "zh_Hans"),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected


def test_cli_locale_names() -> None:
    assert i18n.parse_locale("zh") == "zh_Hans"
    assert i18n.parse_locale("en") == "en"
    with pytest.raises(i18n.UnknownLocale, match="'fr'"):
        i18n.parse_locale("fr")


def test_locale_formatting() -> None:
    with i18n.use_locale("zh_Hans"):
        assert i18n.format_percent(0.855) == "85.5%"
        assert i18n.format_number(1234567.891, 2) == "1,234,567.89"
    assert i18n.current_locale() == "en"
