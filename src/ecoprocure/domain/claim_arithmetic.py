"""The arithmetic of each kind of check, forward and solved for its one unstated claim.

Every relation is written once as an equation between the claims' values in their own units, a
unit-conversion factor ``f`` (from pint) making the units meet: ``result = f · a · b`` (product),
``result = f · a ÷ b`` (ratio, share), ``result = Σ fᵢ · termᵢ`` (sum),
``rate = f · (to ÷ from − 1)`` (growth). With every claim stated, the equation computes the
result; with one claim unstated, it is solved for that claim. The computation is done on
:class:`~ecoprocure.domain.claim_quantities.Span` values, so the range the stated precisions
allow comes with it, and the expression is written out for people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import TYPE_CHECKING

from ecoprocure.domain.claim_quantities import Span, format_number, unit_factor, unit_suffix

if TYPE_CHECKING:
    from ecoprocure.domain.claims import Claim, Relation


@dataclass(frozen=True)
class Outcome:
    """What a relation computes: the value (and range) of ``target`` and the expression shown."""

    target: str
    computed: Span
    expression: str


def _unknown(relation: Relation, claims: Mapping[str, Claim]) -> str | None:
    return next((i for i in relation.claim_ids if not claims[i].stated), None)


def _conversion(factor: Decimal, from_unit: str, to_unit: str, *, inverse: bool = False) -> str:
    if factor == 1:
        return ""
    operator = "÷" if inverse else "×"
    return f" {operator} {format_number(factor)} ({from_unit} → {to_unit})"


def _product_of(spans: Iterable[Span]) -> Span:
    return reduce(lambda a, b: a * b, spans, Span.exact(Decimal(1)))


def _units_product(claims: Sequence[Claim]) -> str:
    return "*".join(_paren(c.unit) for c in claims)


def _paren(unit: str) -> str:
    return f"({unit.strip() or 'dimensionless'})"


def _product(relation: Relation, claims: Mapping[str, Claim]) -> Outcome:
    assert relation.result is not None
    result, factors = claims[relation.result], [claims[i] for i in relation.operands]
    f = unit_factor(_units_product(factors), result.unit)
    conversion = _conversion(f, "·".join(c.unit for c in factors), result.unit)
    unknown = _unknown(relation, claims)
    if unknown is None or unknown == result.id:
        computed = _product_of(c.span() for c in factors).scaled(f)
        return Outcome(result.id, computed, " × ".join(c.shown() for c in factors) + conversion)
    others = [c for c in factors if c.id != unknown]
    computed = result.span() / _product_of(c.span() for c in others).scaled(f)
    expression = f"{result.shown()} ÷ ({' × '.join(c.shown() for c in others)}{conversion})"
    return Outcome(unknown, computed, expression)


def _quotient(relation: Relation, claims: Mapping[str, Claim], *, percent: bool) -> Outcome:
    """ratio: result = f · a ÷ b; share: the same with the result a dimensionless share (%)."""
    assert relation.result is not None
    result, (a, b) = claims[relation.result], (claims[i] for i in relation.operands)
    if percent:
        to_number = unit_factor(f"{_paren(a.unit)}/{_paren(b.unit)}", "dimensionless")
        f = to_number * unit_factor("dimensionless", result.unit)
        conversion = _conversion(to_number, f"{a.unit}/{b.unit}", "1")
        inverse = _conversion(to_number, f"{a.unit}/{b.unit}", "1", inverse=True)
    else:
        f = unit_factor(f"{_paren(a.unit)}/{_paren(b.unit)}", result.unit)
        conversion = _conversion(f, f"{a.unit}/{b.unit}", result.unit)
        inverse = _conversion(f, f"{a.unit}/{b.unit}", result.unit, inverse=True)
    unknown = _unknown(relation, claims)
    if unknown is None or unknown == result.id:
        computed = (a.span() / b.span()).scaled(f)
        return Outcome(result.id, computed, f"{a.shown()} ÷ {b.shown()}{conversion}")
    if unknown == a.id:
        computed = (result.span() * b.span()).scaled(1 / f)
        return Outcome(a.id, computed, f"{result.shown()} × {b.shown()}{inverse}")
    computed = (a.span() / result.span()).scaled(f)
    return Outcome(b.id, computed, f"{a.shown()} ÷ {result.shown()}{conversion}")


def _ratio(relation: Relation, claims: Mapping[str, Claim]) -> Outcome:
    return _quotient(relation, claims, percent=False)


def _share(relation: Relation, claims: Mapping[str, Claim]) -> Outcome:
    return _quotient(relation, claims, percent=True)


def _sum(relation: Relation, claims: Mapping[str, Claim]) -> Outcome:
    assert relation.result is not None
    result, terms = claims[relation.result], [claims[i] for i in relation.operands]
    factors = {c.id: unit_factor(c.unit, result.unit) for c in terms}

    def term(c: Claim) -> str:
        if factors[c.id] == 1:
            return c.shown()
        converted = format_number(c.span().value * factors[c.id])
        return f"{c.shown()} (= {converted}{unit_suffix(result.unit)})"

    unknown = _unknown(relation, claims)
    if unknown is None or unknown == result.id:
        computed = reduce(lambda s, c: s + c.span().scaled(factors[c.id]), terms, Span.exact(Decimal(0)))
        return Outcome(result.id, computed, " + ".join(term(c) for c in terms))
    others = [c for c in terms if c.id != unknown]
    rest = reduce(lambda s, c: s - c.span().scaled(factors[c.id]), others, result.span())
    expression = " − ".join([result.shown(), *(term(c) for c in others)])
    own = factors[unknown]
    return Outcome(
        unknown,
        rest.scaled(1 / own),
        expression + _conversion(own, claims[unknown].unit, result.unit, inverse=True),
    )


def _growth(relation: Relation, claims: Mapping[str, Claim]) -> Outcome:
    assert relation.result is not None
    rate, (start, end) = claims[relation.result], (claims[i] for i in relation.operands)
    same = unit_factor(end.unit, start.unit)
    to_rate = unit_factor("dimensionless", rate.unit)
    one = Span.exact(Decimal(1))
    unknown = _unknown(relation, claims)
    if unknown is None or unknown == rate.id:
        end_text = end.shown() + _conversion(same, end.unit, start.unit)
        computed = (end.span().scaled(same) / start.span() - one).scaled(to_rate)
        return Outcome(rate.id, computed, f"({end_text} − {start.shown()}) ÷ {start.shown()}")
    factor = one + rate.span().scaled(1 / to_rate)
    if unknown == end.id:
        computed = (start.span() * factor).scaled(1 / same)
        back = _conversion(same, end.unit, start.unit, inverse=True)
        expression = f"{start.shown()} × (1 + {rate.shown()}){back}"
        return Outcome(end.id, computed, expression)
    computed = end.span().scaled(same) / factor
    expression = f"{end.shown()}{_conversion(same, end.unit, start.unit)} ÷ (1 + {rate.shown()})"
    return Outcome(start.id, computed, expression)


_SOLVERS = {"product": _product, "ratio": _ratio, "sum": _sum, "share": _share, "growth": _growth}


def solve(relation: Relation, claims: Mapping[str, Claim]) -> Outcome:
    """The relation computed for its target: its one unstated claim, else its result."""
    return _SOLVERS[relation.kind](relation, claims)
