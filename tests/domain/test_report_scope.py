"""Report scopes: country, region:CODE, buyer:ID."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.domain.report_scope import Scope, UnknownScope, parse_scope


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("country", Scope("country")),
        (" Country ", Scope("country")),
        ("region:北京 Beijing", Scope("region", "北京 Beijing")),
        ("REGION: Shanghai ", Scope("region", "Shanghai")),
        ("buyer:CN-SZ-GPC", Scope("buyer", "CN-SZ-GPC")),
        ("buyer:a:b", Scope("buyer", "a:b")),
    ],
)
def test_scopes(text: str, expected: Scope) -> None:
    assert parse_scope(text) == expected


@pytest.mark.parametrize("text", ["", "world", "region", "region:", "buyer: ", "country:CN", "city:Beijing"])
def test_bad_scopes_name_the_forms(text: str) -> None:
    with pytest.raises(UnknownScope, match="country, region:CODE or buyer:ID"):
        parse_scope(text)


def test_columns() -> None:
    assert Scope("country").column is None
    assert Scope("region", "X").column == "buyer_region"
    assert Scope("buyer", "X").column == "buyer_id"


_values = st.text(min_size=1).map(str.strip).filter(bool)


@given(st.sampled_from(["region", "buyer"]), _values)
def test_a_scope_reads_back_from_its_text(kind: str, value: str) -> None:
    scope = Scope(kind, value)  # type: ignore[arg-type]
    assert parse_scope(str(scope)) == scope


@given(st.text())
def test_anything_else_is_refused_or_a_scope(text: str) -> None:
    try:
        scope = parse_scope(text)
    except UnknownScope:
        return
    assert scope.kind in ("country", "region", "buyer")
    assert (scope.value is None) == (scope.kind == "country")
