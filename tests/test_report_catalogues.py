"""The report catalogues (events.po, cases.po, sdg.po): one translation per message across every
catalogue of the locale (they are merged, the last file winning), and pgettext for words whose
meaning differs between areas."""

from __future__ import annotations

from babel.messages.pofile import read_po

from ecoprocure import i18n

MINE = ("events.po", "cases.po", "sdg.po")


def _entries(name: str) -> dict[tuple[str, str], str]:
    with (i18n.LOCALES_DIR / "zh_Hans" / "LC_MESSAGES" / name).open("rb") as handle:
        return {
            (m.context or "", m.id): m.string
            for m in read_po(handle, locale="zh_Hans")
            if m.id and isinstance(m.id, str) and isinstance(m.string, str)
        }


def test_report_messages_agree_with_every_other_catalogue() -> None:
    others = sorted(p.name for p in (i18n.LOCALES_DIR / "zh_Hans" / "LC_MESSAGES").glob("*.po"))
    disagree = []
    for name in MINE:
        mine = _entries(name)
        for other in others:
            if other == name:
                continue
            for key, text in _entries(other).items():
                if key in mine and mine[key] != text:
                    disagree.append(f"{key}: {name} {mine[key]!r} ≠ {other} {text!r}")
    assert not disagree, "\n".join(disagree)


def test_pgettext_picks_the_context_and_english_stays_the_source() -> None:
    with i18n.use_locale("zh_Hans"):
        assert i18n.pgettext("reduction", "Measure") == "措施"
        assert i18n.pgettext("emission", "Source") == "排放源"
        assert i18n.pgettext("SDG score", "points") == "得分"
        assert i18n.gettext("Total") == "合计"
    assert i18n.pgettext("reduction", "Measure") == "Measure"


def test_templates_call_pgettext_in_both_languages() -> None:
    env = i18n.jinja_environment([])
    template = env.from_string('{{ pgettext("reduction", "Measure") }} / {{ _("Offsets") }}')
    assert template.render() == "Measure / Offsets"
    with i18n.use_locale("zh_Hans"):
        assert template.render() == "措施 / 抵消"
