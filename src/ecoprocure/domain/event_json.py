"""A checked event as plain JSON-ready data: Decimals as strings, dates ISO (docs/events.md, JSON)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ecoprocure.domain.claim_quantities import plain
from ecoprocure.domain.events import VERIFICATION_WORDING, EmissionLine, EventResult, OffsetVerdict


def _line_dict(line: EmissionLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "scope": line.scope,
        "iso_14064_category": line.iso_category,
        "source": line.source,
        "activity": plain(line.activity) if line.activity is not None else None,
        "activity_unit": line.activity_unit or None,
        "factor": plain(line.factor) if line.factor is not None else None,
        "factor_unit": line.factor_unit or None,
        "factor_source": line.factor_source,
        "tco2e": plain(line.tco2e),
        "arithmetic": line.arithmetic,
        "note": line.note or None,
    }


def _offset_dict(verdict: OffsetVerdict) -> dict[str, Any]:
    o = verdict.offset
    return {
        "id": o.id,
        "type": o.type,
        "project": o.project or None,
        "registry": o.registry,
        "serial": o.serial.text,
        "serial_is_range": o.serial.is_range,
        "serial_count": o.serial.count,
        "vintage": o.vintage,
        "quantity_t": plain(o.quantity),
        "retired_on": o.retired_on.isoformat() if o.retired_on else None,
        "retirement_reference": o.retirement_reference or None,
        "source": o.source or None,
        "counted": verdict.counted,
        "reasons": list(verdict.reasons),
    }


def result_dict(result: EventResult) -> dict[str, Any]:
    """The check as plain JSON-ready data (Decimals as strings, dates ISO)."""
    event, info = result.event, result.event.info
    verification = event.verification
    return {
        "file": event.origin,
        "event": {
            "id": info.id,
            "name": info.name,
            "organiser": info.organiser,
            "start": info.start.isoformat(),
            "end": info.end.isoformat(),
            "location": info.location or None,
            "boundary": info.boundary or None,
            "period": info.period or None,
            "baseline": info.baseline or None,
            "subject": info.subject or info.name,
            "commitment": info.commitment or None,
        },
        "inventory": {
            "total_tco2e": plain(result.inventory_total),
            "by_scope": {str(scope): plain(value) for scope, value in result.by_scope.items()},
            "by_source": {source: plain(value) for source, value in result.by_source.items()},
            "lines": [_line_dict(line) for line in event.emissions],
        },
        "reductions": {
            "total_tco2e": plain(sum((r.tco2e for r in event.reductions), Decimal(0))),
            "subtracted_from_balance": False,
            "lines": [
                {"id": r.id, "measure": r.measure, "tco2e": plain(r.tco2e), "source": r.source}
                | {"note": r.note or None}
                for r in event.reductions
            ],
        },
        "offsets": {
            "counted_tco2e": plain(result.offsets_counted),
            "by_type": {kind: plain(value) for kind, value in result.by_type().items()},
            "lines": [_offset_dict(v) for v in result.offsets],
        },
        "balance": {
            "offsets_counted_tco2e": plain(result.offsets_counted),
            "inventory_tco2e": plain(result.inventory_total),
            "balance_tco2e": plain(result.balance),
            "arithmetic": result.balance_arithmetic(),
        },
        "neutral": result.neutral,
        "verification": None
        if verification is None
        else {
            "type": verification.type,
            "wording": VERIFICATION_WORDING[verification.type],
            "body": verification.body,
            "date": verification.date.isoformat(),
            "standard": verification.standard,
        },
        "rules": {
            "max_vintage_age": event.rules.max_vintage_age,
            "retirement_window_months": event.rules.retirement_window_months,
        },
        "declaration": result.declaration(),
        "problems": [p.to_dict() for p in result.problems],
    }
