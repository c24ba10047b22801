"""Checking published figures against each other, with the arithmetic shown.

A :class:`Claim` is one figure as a document printed it (value, multiplier, unit, precision,
source and quote), or a figure nobody printed that a check can derive (a claim without a value).
A :class:`Relation` says how claims should agree:

========  =====================================  ==========================================
kind      relation                               example
========  =====================================  ==========================================
product   result = factor × factor × …           1.719 Mt × 40 CNY/t = 650 million CNY?
ratio     result = numerator ÷ denominator       sink rate = CO2 ÷ forest area
sum       result = term + term + …               total = furniture + computers + paper
share     result (%) = part ÷ whole              81.35 billion CNY = 85.5 % of the whole
growth    result (%) = (to − from) ÷ from        4,408 → 4,722 licensees: +7 %
equal     every claim is the same quantity       Suwon benefit: 800 million vs 8 million KRW
========  =====================================  ==========================================

:func:`check` recomputes the relation on the stated values and on the ranges their precision
allows (see :mod:`ecoprocure.domain.claim_quantities`) and returns a :class:`CheckResult`:

- ``consistent``: some values within the stated precisions satisfy the relation;
- ``contradiction``: none do; the result says by what factor the figures are off and, when a
  power of ten (10, 100, 1,000, 10,000) would reconcile them, that it looks like a unit slip;
- ``derived``: one claim of the relation is not stated; its value is computed and shown;
- ``cannot_check``: the units do not fit together (t and ha, CNY and KRW) or a divisor may be 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from ecoprocure.domain.claim_arithmetic import Outcome, solve
from ecoprocure.domain.claim_quantities import (
    DivisorMayBeZero,
    Span,
    Stated,
    UnitMismatch,
    format_number,
    is_percent,
    plain,
    unit_factor,
    unit_suffix,
)
from ecoprocure.errors import DataError

Kind = Literal["product", "ratio", "sum", "share", "growth", "equal"]
Verdict = Literal["consistent", "contradiction", "derived", "cannot_check"]
KINDS: tuple[Kind, ...] = ("product", "ratio", "sum", "share", "growth", "equal")
VERDICTS: tuple[Verdict, ...] = ("contradiction", "cannot_check", "consistent", "derived")
SLIP_FACTORS = (10, 100, 1000, 10000)
_SLIP_WORDS = {
    10: "a decimal point one place off, or 亿 (10⁸) read as billion (10⁹)",
    100: "万 (10⁴) or 亿 (10⁸) rendered as million (10⁶), or a percentage used as a fraction",
    1000: "t and kt (or kg and t) confused, or thousand, million and billion one step apart",
    10000: "a 万 (10⁴) dropped or added, or 万 and 亿 (10⁸) confused",
}


class ClaimsError(DataError):
    """A claim or check that cannot be used as given (missing claim, wrong number of terms …)."""


@dataclass(frozen=True)
class Source:
    """Where a figure was printed: the document (a key of the claims file's ``[documents]``),
    the place in it, and the words quoted verbatim."""

    document: str
    quote: str
    location: str = ""
    title: str = ""


@dataclass(frozen=True)
class Claim:
    """A figure as printed (``value`` set) or one to derive (``value`` is ``None``)."""

    id: str
    unit: str
    value: Stated | None = None
    what: str = ""
    source: Source | None = None
    note: str = ""

    @property
    def stated(self) -> bool:
        return self.value is not None

    def span(self) -> Span:
        if self.value is None:
            raise ClaimsError(f"claim {self.id!r} has no stated value")
        return self.value.span()

    def shown(self) -> str:
        """``"1,719,000 t"``, ``"≥ 800,000,000 KRW"``, ``"85.5 %"``."""
        if self.value is None:
            return f"[{self.id}]"
        prefix = {"lower": "≥ ", "upper": "≤ ", None: ""}[self.value.bound]
        signed = is_percent(self.unit) and self.value.text.startswith("+")
        return (
            f"{prefix}{format_number(self.value.magnitude, digits=40, signed=signed)}{unit_suffix(self.unit)}"
        )


@dataclass(frozen=True)
class Relation:
    """How claims should agree. ``result`` is the claim the others compute (``None`` for
    ``equal``); ``operands`` are, in order: the factors (product), numerator and denominator
    (ratio), the terms (sum), part and whole (share), from and to (growth), or the claims that
    must be equal."""

    id: str
    kind: Kind
    result: str | None
    operands: tuple[str, ...]
    note: str = ""

    @property
    def claim_ids(self) -> tuple[str, ...]:
        return (self.result, *self.operands) if self.result is not None else self.operands


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check, with the arithmetic written out."""

    relation: Relation
    verdict: Verdict
    arithmetic: str
    target: str | None = None
    recomputed: Span | None = None
    stated: Span | None = None
    unit: str | None = None
    factor: Decimal | None = None
    hint: str | None = None
    reason: str | None = None
    sources: tuple[tuple[str, Source], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        def span(value: Span | None) -> dict[str, str | None] | None:
            if value is None:
                return None
            return {"value": plain(value.value), "low": plain(value.low), "high": plain(value.high)}

        return {
            "id": self.relation.id,
            "kind": self.relation.kind,
            "verdict": self.verdict,
            # true / false where the figures could be checked against each other, else null
            "consistent": {"consistent": True, "contradiction": False}.get(self.verdict),
            "claims": list(self.relation.claim_ids),
            "target": self.target,
            "recomputed": span(self.recomputed),
            "stated": span(self.stated),
            "unit": self.unit,
            "factor": plain(self.factor) if self.factor is not None else None,
            "arithmetic": self.arithmetic,
            "hint": self.hint,
            "reason": self.reason,
            "note": self.relation.note or None,
            "sources": [
                {"claim": claim_id, "document": s.document, "title": s.title or None}
                | {"location": s.location or None, "quote": s.quote}
                for claim_id, s in self.sources
            ],
        }


# --- validation -------------------------------------------------------------------------------------


def relation_problems(relation: Relation, claims: Mapping[str, Claim]) -> list[str]:
    """What is wrong with a relation given the claims (empty when it can be checked)."""
    problems: list[str] = []
    if relation.kind not in KINDS:
        return [f"kind {relation.kind!r} is not one of {', '.join(KINDS)}"]
    if (relation.kind == "equal") != (relation.result is None):
        problems.append("equal takes no result; every other kind needs one")
    fixed = relation.kind in ("ratio", "share", "growth")
    if len(relation.operands) < 2 or (fixed and len(relation.operands) != 2):
        problems.append(f"{relation.kind} needs {'exactly' if fixed else 'at least'} 2 claims to relate")
    missing = [i for i in relation.claim_ids if i not in claims]
    problems += [f"no claim {i!r} in the file" for i in dict.fromkeys(missing)]
    unstated = [i for i in relation.claim_ids if i in claims and not claims[i].stated]
    if relation.kind == "equal" and unstated:
        problems.append(f"equal compares stated figures; {', '.join(unstated)} has no value")
    elif len(unstated) > 1:
        problems.append(f"at most one claim of a check may be unstated; {', '.join(unstated)} are")
    return problems


# --- checking ------------------------------------------------------------------------------------


def check(relation: Relation, claims: Mapping[str, Claim]) -> CheckResult:
    """Recompute ``relation`` from ``claims`` and judge it (see the module docstring)."""
    problems = relation_problems(relation, claims)
    if problems:
        raise ClaimsError(f"check {relation.id!r}: {'; '.join(problems)}")
    sources = tuple(
        (i, source) for i in dict.fromkeys(relation.claim_ids) if (source := claims[i].source) is not None
    )
    try:
        if relation.kind == "equal":
            result = _check_equal(relation, [claims[i] for i in relation.operands])
        else:
            result = _judge(relation, claims, solve(relation, claims))
    except (UnitMismatch, DivisorMayBeZero) as exc:
        result = CheckResult(relation, "cannot_check", f"cannot check: {exc}", reason=str(exc))
    return replace(result, sources=sources)


def check_all(relations: Iterable[Relation], claims: Mapping[str, Claim]) -> list[CheckResult]:
    return [check(relation, claims) for relation in relations]


def summary(results: Sequence[CheckResult]) -> dict[str, int]:
    """How many checks got each verdict (every verdict listed, zero included)."""
    return {verdict: sum(r.verdict == verdict for r in results) for verdict in VERDICTS}


def _judge(relation: Relation, claims: Mapping[str, Claim], outcome: Outcome) -> CheckResult:
    target = claims[outcome.target]
    computed, unit = outcome.computed, target.unit
    signed = relation.kind == "growth" and target.id == relation.result
    equation = f"{outcome.expression} {_equals(computed.value, signed=signed)}{unit_suffix(unit)}"
    if target.value is None:
        text = f"{equation}{_range(computed, unit)}; {target.id} is not stated: derived"
        return CheckResult(relation, "derived", text, target.id, computed, unit=unit)
    stated = target.span()
    factor = stated.value / computed.value if computed.value != 0 else None
    if computed.overlaps(stated):
        text = f"{equation}; stated {target.shown()}{_range(stated, unit)}: consistent"
        return CheckResult(relation, "consistent", text, target.id, computed, stated, unit, factor)
    off = f"; off by ×{_bare(factor)}" if factor is not None else ""
    text = (
        f"{equation}; stated {target.shown()}{off} (rounding allows {_ends(computed, unit)}, "
        f"stated {_ends(stated, unit)})"
    )
    others = [claims[i] for i in relation.claim_ids if i != target.id]
    hint = _slip_hint(stated, computed, target, others)
    return CheckResult(relation, "contradiction", text, target.id, computed, stated, unit, factor, hint)


def _equals(value: Decimal, *, signed: bool = False) -> str:
    """``= 68,760,000`` or ``≈ +7.123``."""
    text = format_number(value, signed=signed)
    return text if text.startswith("≈ ") else f"= {text}"


def _bare(value: Decimal) -> str:
    return format_number(value).removeprefix("≈ ")


def _ends(span: Span, unit: str) -> str:
    """The range in words: ``1,718,500 … 1,719,500 t``, ``at least 1,450,000``."""
    low, high, suffix = _bare(span.low), _bare(span.high), unit_suffix(unit)
    if span.low == span.high:
        return f"exactly {low}{suffix}"
    if not span.high.is_finite():
        return f"at least {low}{suffix}"
    if not span.low.is_finite():
        return f"at most {high}{suffix}"
    return f"{low} … {high}{suffix}"


def _range(span: Span, unit: str) -> str:
    return "" if span.low == span.high else f" ({_ends(span, unit)})"


# --- equality across sources --------------------------------------------------------------------------


def _check_equal(relation: Relation, claims: Sequence[Claim]) -> CheckResult:
    unit = claims[0].unit
    spans = [c.span().scaled(unit_factor(c.unit, unit)) for c in claims]

    def shown(c: Claim, s: Span) -> str:
        same = unit_factor(c.unit, unit) == 1
        return f"{c.id}: {c.shown()}" + ("" if same else f" (= {format_number(s.value)}{unit_suffix(unit)})")

    listing = "; ".join(shown(c, s) for c, s in zip(claims, spans, strict=True))
    low, high = max(s.low for s in spans), min(s.high for s in spans)
    if all(a.overlaps(b) for a in spans for b in spans):
        common = Span(spans[0].value, low, high) if low <= high else spans[0]
        text = f"{listing}: the same within their stated precision ({_ends(common, unit)} fits all)"
        return CheckResult(relation, "consistent", text, unit=unit)
    conflicts, hints, first_factor = [], [], None
    for i, (a, sa) in enumerate(zip(claims, spans, strict=True)):
        for b, sb in list(zip(claims, spans, strict=True))[i + 1 :]:
            if sa.overlaps(sb):
                continue
            factor = sb.value / sa.value if sa.value != 0 else None
            first_factor = first_factor if first_factor is not None else factor
            ratio = f"×{_bare(factor)}" if factor is not None else "≠"
            conflicts.append(f"{b.id} is {ratio} {a.id}")
            hint = _slip_hint(sb, sa, b, [a], against=a.id)
            if hint is not None:
                hints.append(hint)
    text = f"{listing}: not the same quantity ({'; '.join(conflicts)})"
    return CheckResult(
        relation, "contradiction", text, unit=unit, factor=first_factor, hint=" | ".join(hints) or None
    )


# --- unit-slip hints ---------------------------------------------------------------------------------


def _slip_hint(
    stated: Span,
    computed: Span,
    claim: Claim,
    others: Sequence[Claim],
    *,
    against: str = "the recomputed value",
) -> str | None:
    """Say so when dividing or multiplying the stated figure by 10, 100, 1,000 or 10,000
    reconciles it (within the stated precisions) with the recomputed or other figure."""
    for power in SLIP_FACTORS:
        p = Decimal(power)
        if stated.scaled(1 / p).overlaps(computed):
            direction, ratio = f"{power:,} times", p
        elif stated.scaled(p).overlaps(computed):
            direction, ratio = f"1/{power:,} of", 1 / p
        else:
            continue
        words = _multiplier_slip(claim, others, ratio) or _SLIP_WORDS[power]
        return f"looks like a unit slip: {claim.id} is {direction} {against} ({words})"
    return None


def _multiplier_slip(claim: Claim, others: Sequence[Claim], ratio: Decimal) -> str | None:
    """``"8 million"`` against ``"8 亿"``: name the two multiplier words when they explain the ratio."""
    mine = claim.value
    if mine is None or mine.multiplier is None:
        return None
    for other in others:
        theirs = other.value
        if theirs is not None and theirs.multiplier is not None and mine.factor / theirs.factor == ratio:
            return (
                f"as if {theirs.multiplier} (×{theirs.factor:,}) had been rendered as "
                f"{mine.multiplier} (×{mine.factor:,})"
            )
    return None
