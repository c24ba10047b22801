"""Text normalisation shared by matching, verification and search.

Brand and model strings arrive typed by people: full-width letters from Chinese input methods,
doubled spaces, non-breaking spaces, assorted dashes. A *key* is the form two spellings of the
same model share; it is computed once at import and once per lookup, never in SQL, so every
database and engine compares the same bytes.
"""

from __future__ import annotations

import unicodedata

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-")


def clean_text(value: str) -> str:
    """NFKC-normalise, unify dashes and collapse runs of white space (including U+3000, NBSP)."""
    # ASCII is already NFKC and has no exotic dashes: skip the costly steps on the bulk-import path.
    text = value if value.isascii() else unicodedata.normalize("NFKC", value).translate(_DASHES)
    return " ".join(text.split())  # str.split() splits on every Unicode white space


def match_key(value: str) -> str:
    """The comparison key of a brand or model: case-folded, width-folded, without white space.

    >>> match_key("ＴｈｉｎｋＣｅｎｔｒｅ  M720") == match_key("thinkcentre m720")
    True
    """
    return _without_spaces(clean_text(value).casefold())


def key_of_clean(cleaned: str) -> str:
    """``match_key`` of text that already went through ``clean_text`` (saves a second cleaning)."""
    return _without_spaces(cleaned.casefold())


def certificate_key(value: str) -> str:
    """Certificate numbers compare without case, width or white-space differences."""
    return _without_spaces(clean_text(value).upper())


def _without_spaces(text: str) -> str:
    # Normalise again after folding and dropping spaces: both can leave a letter next to a
    # combining mark ("U ̈" → "ü"), and a key must be its own key. ASCII needs neither.
    joined = "".join(text.split())
    return joined if joined.isascii() else unicodedata.normalize("NFKC", joined)
