"""Case studies through the claims checker: every figure read in two or more places must agree.

Each reading of a case's figures (outcomes and the quantity bought) becomes a
:class:`~ecoprocure.domain.claims.Claim` with its source; each figure with two or more readings
becomes an ``equal`` :class:`~ecoprocure.domain.claims.Relation`. The checker of
:mod:`ecoprocure.domain.claims` then judges them within the stated precisions and names likely
unit slips (八亿 rendered as "8 million", 1.36 万 t as "1.36 million t"). No second checker.
"""

from __future__ import annotations

from collections.abc import Iterable

from ecoprocure.domain.case_model import CaseStudy, Figure, pick
from ecoprocure.domain.claims import CheckResult, Claim, Relation, Source, check_all


def case_claims(cases: Iterable[CaseStudy]) -> tuple[dict[str, Claim], list[Relation]]:
    """The claims (one per reading) and ``equal`` checks (one per figure read more than once)."""
    claims: dict[str, Claim] = {}
    relations: list[Relation] = []
    for case in cases:
        figures: list[tuple[str, str, Figure, str]] = []
        if case.bought.quantity is not None:
            figures.append(("quantity", pick(case.bought.what, "en"), case.bought.quantity, ""))
        figures += [(o.id, pick(o.what, "en"), o.figure, o.note) for o in case.outcomes]
        for figure_id, what, figure, note in figures:
            ids = []
            for number, reading in enumerate(figure.readings, start=1):
                claim_id = f"{case.id}.{figure_id}.{number}-{reading.lang}"
                source = Source(reading.document, reading.quote, reading.location, reading.title)
                claims[claim_id] = Claim(claim_id, reading.unit, reading.value, what, source, reading.note)
                ids.append(claim_id)
            if len(ids) >= 2:
                relations.append(Relation(f"{case.id}.{figure_id}", "equal", None, tuple(ids), note))
    return claims, relations


def check_cases(cases: Iterable[CaseStudy]) -> list[CheckResult]:
    """Every figure read in two or more places, judged by the claims checker."""
    claims, relations = case_claims(cases)
    return check_all(relations, claims)
