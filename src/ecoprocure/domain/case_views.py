"""Case studies as plain dictionaries (JSON, reports): one shape for the CLI, the web and exports.

Numbers are strings (``plain``: no exponent, at most 15 significant digits) so JSON readers never
round them; texts are given in the language asked for, falling back to English, and the full
table of languages is kept beside them in :func:`case_detail`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ecoprocure.domain.case_model import CaseStudy, Figure, Outcome, Reading, pick
from ecoprocure.domain.case_studies import Aggregate, Normalised, Total
from ecoprocure.domain.claim_quantities import plain


def number(value: Decimal | None) -> str | None:
    return None if value is None else plain(value)


def case_summary(case: CaseStudy, lang: str = "en") -> dict[str, Any]:
    """One line of ``cases list``."""
    quantity = case.bought.quantity
    return {
        "id": case.id,
        "title": pick(case.title, lang),
        "authority": pick(case.authority, lang),
        "country": case.country,
        "city": pick(case.city, lang),
        "year": case.year,
        "category": case.category,
        "quantity": number(quantity.adopted.magnitude) if quantity else None,
        "item": pick(case.bought.item, lang) or None,
        "outcomes": [o.id for o in case.outcomes],
        "languages": list(case.languages),
        "file": case.origin,
    }


def reading_dict(reading: Reading) -> dict[str, Any]:
    return {
        "shown": reading.shown(),
        "value": number(reading.magnitude),
        "unit": reading.unit,
        "bound": reading.value.bound,
        "lang": reading.lang,
        "adopted": reading.adopted,
        "document": reading.document,
        "title": reading.title or None,
        "location": reading.location or None,
        "quote": reading.quote,
        "note": reading.note or None,
    }


def figure_dict(figure: Figure) -> list[dict[str, Any]]:
    adopted = figure.adopted
    return [reading_dict(r) | {"adopted": r is adopted} for r in figure.readings]


def outcome_dict(outcome: Outcome, lang: str = "en") -> dict[str, Any]:
    return {
        "id": outcome.id,
        "kind": outcome.kind,
        "gas": outcome.gas or None,
        "what": pick(outcome.what, lang),
        "period": outcome.period,
        "years": number(outcome.years),
        "per": outcome.per,
        "confidence": outcome.confidence,
        "note": outcome.note or None,
        "sources": figure_dict(outcome.figure),
    }


def case_detail(case: CaseStudy, lang: str = "en") -> dict[str, Any]:
    """Everything a case file says, texts in ``lang`` (``texts``: every language given)."""
    return case_summary(case, lang) | {
        "region": pick(case.region, lang) or None,
        "year_note": case.year_note or None,
        "category_note": case.category_note or None,
        "bought": {
            "what": pick(case.bought.what, lang),
            "item": pick(case.bought.item, lang) or None,
            "sources": figure_dict(case.bought.quantity) if case.bought.quantity else [],
        },
        "baseline": pick(case.baseline, lang),
        "criteria": pick(case.criteria, lang),
        "labels": list(case.labels),
        "note": pick(case.note, lang) or None,
        "outcomes": [outcome_dict(o, lang) for o in case.outcomes],
        "texts": {
            "title": dict(case.title),
            "authority": dict(case.authority),
            "city": dict(case.city),
            "bought": dict(case.bought.what),
            "baseline": dict(case.baseline),
            "criteria": dict(case.criteria),
        },
    }


def normalised_dict(row: Normalised) -> dict[str, Any]:
    conversion = row.conversion
    return {
        "case": row.case,
        "outcome": row.outcome,
        "kind": row.kind,
        "gas": row.gas or None,
        "stated": row.stated,
        "period": row.period,
        "basis": row.basis,
        "unit": row.unit,
        "value": number(row.value),
        "annual": number(row.annual),
        "total": number(row.total),
        "per_unit": number(row.per_unit),
        "per_unit_of": row.per_unit_label or None,
        "confidence": row.confidence,
        "arithmetic": list(row.arithmetic),
        "rate": None
        if conversion is None
        else {
            "rate": number(conversion.rate),
            "year": conversion.rate_year,
            "requested_year": conversion.requested_year,
            "low_confidence": conversion.low_confidence,
            "source": conversion.source,
        },
        "problem": row.problem,
    }


def total_dict(total: Total) -> dict[str, Any]:
    return {
        "kind": total.kind,
        "unit": total.unit,
        "basis": total.basis,
        "value": number(total.value),
        "terms": [{"outcome": key, "value": number(value)} for key, value in total.terms],
        "arithmetic": total.arithmetic,
    }


def aggregate_dict(aggregate: Aggregate) -> dict[str, Any]:
    return {
        "totals": [total_dict(t) for t in aggregate.totals],
        "left_out": [{"outcome": key, "reason": reason} for key, reason in aggregate.left_out],
    }
