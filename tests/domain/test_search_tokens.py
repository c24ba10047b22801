"""Search tokens: CJK bigrams, folded Latin words, and query terms that match them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.domain.search_tokens import QueryTerm, index_tokens, parse_query


def test_cjk_run_becomes_overlapping_bigrams() -> None:
    assert index_tokens("联想电脑") == "联想 想电 电脑"


def test_two_character_run_is_one_bigram() -> None:
    assert index_tokens("联想") == "联想"


def test_single_cjk_character_is_kept() -> None:
    assert index_tokens("联") == "联"
    assert index_tokens("A 联 B") == "a 联 b"


def test_kana_and_hangul_are_bigrammed_too() -> None:
    assert index_tokens("エコマーク") == "エコ コマ マー ーク"
    assert index_tokens("한국어") == "한국 국어"


def test_latin_words_are_case_and_width_folded() -> None:
    assert index_tokens("ThinkCentre M720q") == "thinkcentre m720q"
    assert index_tokens("ＴｈｉｎｋＰａｄ Ｘ１") == "thinkpad x1"


def test_punctuation_separates_words() -> None:
    assert index_tokens("Dell Inc., (US)") == "dell inc us"
    assert index_tokens("x_y-z/1.5") == "x y z 1 5"


def test_latin_word_stops_where_a_cjk_run_starts() -> None:
    # Chinese product names glue Latin and Chinese: the Chinese part must still be searchable.
    assert index_tokens("华为MateBook笔记本") == "华为 matebook 笔记 记本"
    assert index_tokens("ThinkPad联想电脑") == "thinkpad 联想 想电 电脑"


def test_empty_text_has_no_tokens() -> None:
    assert index_tokens(None) == ""
    assert index_tokens("") == ""
    assert index_tokens(" \u3000 ,;") == ""


def test_query_last_latin_word_is_a_prefix_with_type_ahead() -> None:
    assert parse_query("lenovo thinkc") == [QueryTerm(("lenovo",), False), QueryTerm(("thinkc",), True)]


def test_query_without_type_ahead_has_no_prefix() -> None:
    assert parse_query("lenovo thinkc", type_ahead=False) == [
        QueryTerm(("lenovo",), False),
        QueryTerm(("thinkc",), False),
    ]


def test_query_only_the_last_term_is_a_latin_prefix() -> None:
    terms = parse_query("dell vostro 3580")
    assert [t.prefix for t in terms] == [False, False, True]


def test_query_cjk_run_is_one_phrase_term() -> None:
    assert parse_query("联想电脑") == [QueryTerm(("联想", "想电", "电脑"), False)]
    assert parse_query("联想电脑", type_ahead=False) == [QueryTerm(("联想", "想电", "电脑"), False)]


def test_query_cjk_phrase_before_a_latin_prefix() -> None:
    assert parse_query("联想 think") == [QueryTerm(("联想",), False), QueryTerm(("think",), True)]


def test_query_lone_cjk_character_is_the_start_of_a_bigram() -> None:
    assert parse_query("联") == [QueryTerm(("联",), True)]
    assert parse_query("电脑 联") == [QueryTerm(("电脑",), False), QueryTerm(("联",), True)]


def test_query_is_folded_like_the_index() -> None:
    assert parse_query("ＤＥＬＬ") == [QueryTerm(("dell",), True)]


def test_query_with_nothing_searchable_has_no_terms() -> None:
    assert parse_query("  ,.;  ") == []


@given(st.one_of(st.none(), st.text()))
def test_index_tokens_never_raises_and_tokens_have_no_spaces(value: str | None) -> None:
    tokens = index_tokens(value)
    assert isinstance(tokens, str)
    if tokens:
        for token in tokens.split(" "):
            assert token
            assert not any(c.isspace() for c in token)


@given(st.text())
def test_a_text_found_by_its_own_words(value: str) -> None:
    """Every query term of a text is an adjacent run of that text's index tokens (phrase match)."""
    indexed = index_tokens(value).split()
    for term in parse_query(value, type_ahead=False):
        n = len(term.tokens)
        assert any(tuple(indexed[i : i + n]) == term.tokens for i in range(len(indexed) - n + 1)), term


@given(st.lists(st.sampled_from("联想电脑华为笔记本环境标志"), min_size=2, max_size=12))
def test_cjk_run_has_one_bigram_per_adjacent_pair(chars: list[str]) -> None:
    run = "".join(chars)
    bigrams = index_tokens(run).split(" ")
    assert len(bigrams) == len(run) - 1
    assert all(len(b) == 2 for b in bigrams)
    assert bigrams[0] + "".join(b[1] for b in bigrams[1:]) == run


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_ascii_fast_path_tokenises_like_the_general_path(value: str) -> None:
    # A trailing CJK character sends the same text down the general (non-ASCII) path.
    general = index_tokens(value + " 联").split(" ")
    assert general[-1] == "联"
    assert index_tokens(value) == " ".join(general[:-1])
