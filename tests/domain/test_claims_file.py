"""Claims files: the shipped seeds, the documented example, errors that name file, claim and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ecoprocure.domain.claims import ClaimsError
from ecoprocure.domain.claims_file import CLAIM_FIELDS, OPERAND_FIELDS, SEEDS_FILE, load_claims

ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = ROOT.parent / "shared" / "seeds"  # the project's seed documents, next to the checkout

CLAIM = """
[documents.d]
title = "a document"

[[claim]]
id = "a"
value = "1.719"
multiplier = "million"
unit = "t"
document = "d"
quote = "1.719 million tons"

[[claim]]
id = "b"
value = "40"
unit = "CNY/t"
document = "d"
quote = "40 yuan/t"

[[claim]]
id = "c"
unit = "CNY"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ClaimsError) as info:
        load_claims(write(tmp_path, text))
    return str(info.value)


# --- the shipped seeds file ------------------------------------------------------------------------


def test_the_seeds_file_loads_and_every_stated_claim_cites_a_seed_file() -> None:
    claim_set = load_claims(SEEDS_FILE)
    assert len(claim_set.relations) >= 15
    for claim in claim_set.claims.values():
        if claim.stated:
            assert claim.source is not None
            assert re.fullmatch(
                r"\d{3}_[0-9a-f]{16}\.txt", claim_set.documents[claim.source.document]["file"]
            )


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="the seed documents are not next to this checkout")
def test_every_seed_quote_is_verbatim_in_its_seed_file() -> None:
    claim_set = load_claims(SEEDS_FILE)
    texts = {
        key: " ".join((SEEDS_DIR / doc["file"]).read_text(encoding="utf-8").split())
        for key, doc in claim_set.documents.items()
    }
    for claim in claim_set.claims.values():
        if claim.source is not None:
            quote = " ".join(claim.source.quote.split())
            assert quote in texts[claim.source.document], (claim.id, quote)


def test_the_seeds_verdicts() -> None:
    verdicts = {r.relation.id: r.verdict for r in load_claims(SEEDS_FILE).check()}
    assert verdicts["co2_market_value"] == "contradiction"
    assert verdicts["suwon_benefit"] == "contradiction"
    assert verdicts["shenzhen_co2e"] == "contradiction"
    assert verdicts["licensees_growth"] == "consistent"
    assert verdicts["certificates_growth"] == "consistent"
    assert verdicts["forest_sink_rate"] == "derived"
    assert verdicts["gpp_same_types_2020"] == "derived"
    assert "cannot_check" not in verdicts.values()


# --- the documented example ------------------------------------------------------------------------


def test_the_example_in_the_docs_loads_and_checks(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "claims.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", doc, re.DOTALL)
    assert example is not None
    results = {r.relation.id: r for r in load_claims(write(tmp_path, example.group(1))).check()}
    assert results["licensees_growth"].verdict == "consistent"
    assert results["market_value"].verdict == "contradiction"
    assert "68,760,000 yuan" in results["market_value"].arithmetic


def test_every_check_kind_and_claim_field_is_documented() -> None:
    doc = (ROOT / "docs" / "claims.md").read_text(encoding="utf-8")
    for kind, fields in OPERAND_FIELDS.items():
        assert f"| `{kind}` |" in doc
        assert all(f"`{f}`" in doc for f in fields)
    assert all(f"`{f}`" in doc for f in CLAIM_FIELDS)


# --- errors name the file, the claim or check, and the field -------------------------------------------


def test_a_derived_claim_is_loaded_without_a_source(tmp_path: Path) -> None:
    claim_set = load_claims(
        write(tmp_path, CLAIM + '[[check]]\nid = "v"\nkind = "product"\nresult = "c"\nfactors = ["a", "b"]\n')
    )
    (result,) = claim_set.check()
    assert result.verdict == "derived"
    assert result.arithmetic.startswith("1,719,000 t × 40 CNY/t = 68,760,000 CNY")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[claim]\n", "claims.toml: not valid TOML: "),
        (
            CLAIM.replace('unit = "CNY/t"', 'unit = "kwon"'),
            "claims.toml: claim 'b': field unit: unknown unit 'kwon'",
        ),
        (
            CLAIM.replace('value = "40"', "value = 40.0"),
            "claims.toml: claim 'b': field value: write the figure as a string",
        ),
        (
            CLAIM.replace('value = "40"', 'value = "4O"'),
            "claims.toml: claim 'b': field value: '4O' is not a number",
        ),
        (
            CLAIM.replace('multiplier = "million"', 'multiplier = "lakh"'),
            "claims.toml: claim 'a': field multiplier: unknown multiplier",
        ),
        (CLAIM.replace('quote = "40 yuan/t"', ""), "claims.toml: claim 'b': field quote: required"),
        (
            CLAIM.replace('document = "d"\nquote = "40', 'document = "e"\nquote = "40'),
            "claims.toml: claim 'b': field document: 'e' is not in [documents]",
        ),
        (CLAIM.replace('id = "b"', 'id = "a"'), "claims.toml: claim 'a': field id: given twice"),
        (CLAIM.replace('id = "b"', 'id = "b c"'), "claims.toml: claim #2: field id: 'b c' is not an id"),
        (
            CLAIM.replace('unit = "CNY"\n', 'unit = "CNY"\nquote = "x"\n'),
            "claims.toml: claim 'c': field quote: a claim without a value",
        ),
        (CLAIM + 'mulitplier = "x"\n', "claims.toml: claim 'c': field mulitplier: unknown field"),
        (
            CLAIM.replace('value = "40"', 'value = "40"\nbound = "more"'),
            "claims.toml: claim 'b': field bound: 'more' is not lower or upper",
        ),
        (
            CLAIM + '[[check]]\nid = "v"\nkind = "times"\n',
            "claims.toml: check 'v': field kind: 'times' is not one of",
        ),
        (
            CLAIM + '[[check]]\nid = "v"\nkind = "product"\nresult = "c"\nfactors = ["a", "x"]\n',
            "claims.toml: check 'v': field factors: no claim 'x' in the file",
        ),
        (
            CLAIM + '[[check]]\nid = "v"\nkind = "product"\nresult = "c"\nfactors = ["a"]\n',
            "claims.toml: check 'v': field factors: required: a list of at least 2",
        ),
        (
            CLAIM + '[[check]]\nid = "v"\nkind = "ratio"\nresult = "c"\nnumerator = "a"\n',
            "claims.toml: check 'v': field denominator: required",
        ),
        (
            CLAIM + '[[check]]\nid = "v"\nkind = "equal"\nclaims = ["a", "c"]\n',
            "claims.toml: check 'v': equal compares stated figures; c has no value",
        ),
        (
            CLAIM + '[[claim]]\nid = "d"\nunit = "t"\n'
            '[[check]]\nid = "v"\nkind = "product"\nresult = "c"\nfactors = ["a", "d"]\n',
            "at most one claim of a check may be unstated",
        ),
        (
            CLAIM
            + '[[check]]\nid = "v"\nkind = "growth"\nresult = "c"\nfrom = "a"\nto = "b"\nfactors = ["a"]\n',
            "claims.toml: check 'v': field factors: unknown field",
        ),
    ],
)
def test_bad_input_names_file_claim_and_field(tmp_path: Path, text: str, message: str) -> None:
    assert message in error(tmp_path, text)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ClaimsError, match=r"nope\.toml: cannot read the claims file"):
        load_claims(tmp_path / "nope.toml")
