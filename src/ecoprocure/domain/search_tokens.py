"""Tokens for catalogue search in Chinese and English.

Chinese has no spaces between words, so a word tokenizer sees a whole phrase as one token. We
index overlapping character bigrams of every CJK run ("联想电脑" → 联想 想电 电脑), the standard
n-gram approach used by Lucene's CJKAnalyzer, and match a query's bigrams as an adjacent phrase.
Latin words are case- and width-folded. The same functions feed SQLite FTS5 and PostgreSQL
full-text search, so both backends agree on what matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ecoprocure.domain.text import clean_text

# CJK Unified Ideographs (+ extension A), kana and Hangul syllables.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
# A Latin (or other) word stops where a CJK run starts: "MateBook笔记本" is matebook + 笔记 记本.
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+", re.UNICODE)
_IS_CJK = re.compile(rf"[{_CJK}]")
_ASCII_RUN = re.compile(r"[a-z0-9]+")


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(text: str | None) -> str:
    """The token string stored in the search index for ``text`` (space separated)."""
    if not text:
        return ""
    if text.isascii():  # fast path for the bulk of model numbers: words are [a-z0-9]+ runs
        return " ".join(_ASCII_RUN.findall(text.lower()))
    out: list[str] = []
    for run in _RUN.findall(clean_text(text).casefold()):
        out.extend(_bigrams(run) if _IS_CJK.match(run) else [run])
    return " ".join(out)


@lru_cache(maxsize=8192)
def brand_tokens(brand: str) -> str:
    """``index_tokens`` for brands, cached: a brand repeats across thousands of models."""
    return index_tokens(brand)


@dataclass(frozen=True)
class QueryTerm:
    """One term of a parsed query: a phrase of tokens, the last of which may be a prefix."""

    tokens: tuple[str, ...]
    prefix: bool


def parse_query(query: str, *, type_ahead: bool = True) -> list[QueryTerm]:
    """Split a user query into terms; all terms must match (AND).

    With ``type_ahead`` the last Latin word is treated as a prefix ("thinkc" finds ThinkCentre),
    and a lone trailing CJK character as the start of a bigram.
    """
    runs = _RUN.findall(clean_text(query).casefold())
    terms: list[QueryTerm] = []
    for position, run in enumerate(runs):
        last = position == len(runs) - 1
        if _IS_CJK.match(run):
            terms.append(QueryTerm(tuple(_bigrams(run)), prefix=len(run) == 1))
        else:
            terms.append(QueryTerm((run,), prefix=type_ahead and last))
    return terms
