"""Text keys: two spellings of the same brand, model or certificate number share one key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.domain.text import certificate_key, clean_text, match_key

WHITESPACE = [" ", "  ", "\t", "\n", "\u00a0", "\u3000", "\u2009", "\u202f"]
DASHES = [
    "-",
    "\u2010",
    "\u2011",
    "\u2012",
    "\u2013",
    "\u2014",
    "\u2015",
    "\u2212",
    "\ufe58",
    "\ufe63",
    "\uff0d",
]


def test_full_width_and_half_width_fold_to_the_same_key() -> None:
    assert match_key("ＴｈｉｎｋＣｅｎｔｒｅ Ｍ７２０") == match_key("ThinkCentre M720") == "thinkcentrem720"


def test_case_folds() -> None:
    assert match_key("THINKPAD x1") == match_key("thinkpad X1") == "thinkpadx1"
    # casefold, not lower: German sharp s folds to "ss"
    assert match_key("STRASSE") == match_key("straße")


@pytest.mark.parametrize("space", WHITESPACE)
def test_any_white_space_disappears_from_the_key(space: str) -> None:
    assert match_key(f"Vostro{space}3580") == "vostro3580"
    assert match_key(f"{space}Vostro 3580{space}") == "vostro3580"


@pytest.mark.parametrize("dash", DASHES)
def test_dash_variants_fold_to_hyphen_minus(dash: str) -> None:
    assert match_key(f"LR{dash}21282") == "lr-21282"
    assert certificate_key(f"cec{dash}2021{dash}0001") == "CEC-2021-0001"


def test_clean_text_keeps_single_spaces_but_collapses_runs() -> None:
    assert clean_text("  Dell\u3000\u00a0Inc.\t ") == "Dell Inc."
    assert clean_text("ＡＢＣ\u2014１２３") == "ABC-123"


def test_certificate_key_is_upper_case_without_white_space() -> None:
    assert certificate_key(" ｃｅｃ２０２１－０００１ ") == "CEC2021-0001"
    assert certificate_key("cec 2021 0001") == certificate_key("CEC20210001") == "CEC20210001"


def test_different_models_keep_different_keys() -> None:
    assert match_key("M720q") != match_key("M720s")
    assert match_key("X1-2") != match_key("X12")


@given(st.text())
def test_match_key_is_idempotent(value: str) -> None:
    key = match_key(value)
    assert match_key(key) == key


@given(st.text())
def test_certificate_key_is_idempotent(value: str) -> None:
    key = certificate_key(value)
    assert certificate_key(key) == key


@given(st.text(), st.data())
def test_match_key_ignores_inserted_white_space(value: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(value)), label="position")
    space = data.draw(st.sampled_from(WHITESPACE), label="space")
    spaced = value[:position] + space + value[position:]
    assert match_key(spaced) == match_key(value)
    assert certificate_key(spaced) == certificate_key(value)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_keys_ignore_ascii_case(value: str) -> None:
    assert match_key(value.upper()) == match_key(value.lower()) == match_key(value)
    assert certificate_key(value.lower()) == certificate_key(value.upper()) == certificate_key(value)


@given(st.text())
def test_keys_never_contain_white_space(value: str) -> None:
    assert not any(c.isspace() for c in match_key(value))
    assert not any(c.isspace() for c in certificate_key(value))
