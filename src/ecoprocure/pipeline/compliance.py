"""Mandatory and priority categories: how much of their spend went to certified products.

A compliance list names categories where green purchasing is required (``mandatory``, with a
target share, 100 % by default) or preferred (``priority``, a target only when the list gives
one), each with the dates it applies. The shipped list ``cn-2019`` follows China's 2019 lists
(财库〔2019〕18号 environmental-label products: priority; 财库〔2019〕19号 energy-saving products:
mandatory for the ★ items); users pass their own CSV with the same columns. A listed category
covers its sub-categories (``ict.computer`` covers ``ict.computer.desktop``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from ecoprocure.errors import DataError
from ecoprocure.pipeline.indicators import DIMENSIONS
from ecoprocure.reference import DATA_DIR

SHIPPED = DATA_DIR / "compliance_lists.csv"
DEFAULT_LIST = "cn-2019"
REQUIREMENTS = ("mandatory", "priority")
COLUMNS = ("list", "category_code", "requirement", "target_share", "valid_from", "valid_to", "source")


@dataclass(frozen=True)
class Requirement:
    list: str
    category: str
    requirement: str
    target_share: float | None
    valid_from: str
    valid_to: str | None
    source: str


def _parse(path: Path, number: int, row: dict[str, str | None]) -> Requirement:
    def field(name: str) -> str:
        return (row.get(name) or "").strip()

    def fail(name: str, problem: str) -> DataError:
        return DataError(f"{path}: row {number}: {name}: {problem}")

    for name in ("list", "category_code", "requirement", "valid_from", "source"):
        if not field(name):
            raise fail(name, "required")
    if field("requirement") not in REQUIREMENTS:
        raise fail("requirement", f"{field('requirement')!r} is not one of {', '.join(REQUIREMENTS)}")
    target: float | None = None
    if field("target_share"):
        try:
            target = float(field("target_share"))
        except ValueError:
            raise fail("target_share", f"{field('target_share')!r} is not a number") from None
        if not 0 <= target <= 1:
            raise fail("target_share", f"{target} is not a share between 0 and 1")
    elif field("requirement") == "mandatory":
        target = 1.0  # mandatory means every purchase, unless the list says otherwise
    for name in ("valid_from", "valid_to"):
        value = field(name)
        if value and not (len(value) == 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit()):
            raise fail(name, f"{value!r} is not a date (YYYY-MM-DD)")
    return Requirement(
        list=field("list"),
        category=field("category_code"),
        requirement=field("requirement"),
        target_share=target,
        valid_from=field("valid_from"),
        valid_to=field("valid_to") or None,
        source=field("source"),
    )


def load_list(path: Path | None = None, name: str | None = None) -> list[Requirement]:
    """The rows of one compliance list (``name``; a file holding one list needs none)."""
    path = path or SHIPPED
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
            rows = [_parse(path, n, row) for n, row in enumerate(reader, start=2)]
    except OSError as exc:
        raise DataError(f"{path}: {exc.strerror or exc}") from None
    names = sorted({r.list for r in rows})
    chosen = name or (DEFAULT_LIST if path == SHIPPED else (names[0] if len(names) == 1 else None))
    if chosen is None:
        raise DataError(f"{path} holds several lists ({', '.join(names)}): name one")
    picked = [r for r in rows if r.list == chosen]
    if not picked:
        raise DataError(f"{path}: no compliance list {chosen!r}; it has {', '.join(names) or 'none'}")
    return picked


def _table(requirements: list[Requirement]) -> ir.Table:
    return ibis.memtable(
        pa.table(
            {
                "req_category": pa.array([r.category for r in requirements], pa.string()),
                "requirement": pa.array([r.requirement for r in requirements], pa.string()),
                "target_share": pa.array([r.target_share for r in requirements], pa.float64()),
                "valid_from": pa.array([r.valid_from for r in requirements], pa.string()),
                "valid_to": pa.array([r.valid_to or "9999-12-31" for r in requirements], pa.string()),
            }
        )
    )


def compliance(enriched: ir.Table, requirements: list[Requirement], by: list[str]) -> ir.Table:
    """Per listed category (and the dimensions asked for, except ``category``): eligible and green
    spend of the items bought while the requirement applied, the share, the target, whether it
    was met, and the spend that fell short (non-certified spend in the category)."""
    listed = _table(requirements)
    t = enriched.filter(enriched.value_reporting.notnull())
    joined = t.join(
        listed,
        [
            (t.category == listed.req_category) | t.category.startswith(listed.req_category + "."),
            t.date >= listed.valid_from,
            t.date <= listed.valid_to,
        ],
    )
    dims = [c for name in by if name != "category" for c in DIMENSIONS[name]]
    green = joined.certified
    grouped = joined.group_by(["requirement", "req_category", "target_share", *dims]).aggregate(
        items=joined.count(),
        green_items=green.sum().fill_null(0),
        spend=joined.value_reporting.sum().fill_null(0),
        green_spend=ibis.ifelse(green, joined.value_reporting, 0).sum().fill_null(0),
    )
    share = ibis.ifelse(grouped.spend > 0, grouped.green_spend / grouped.spend, None)
    return grouped.select(
        "requirement",
        *dims,
        category=grouped.req_category,
        items=grouped["items"],
        green_items=grouped.green_items,
        spend=grouped.spend,
        green_spend=grouped.green_spend,
        green_share=share,
        target_share=grouped.target_share,
        meets_target=ibis.ifelse(grouped.target_share.notnull(), share >= grouped.target_share, None),
        shortfall_spend=grouped.spend - grouped.green_spend,
    ).order_by(["requirement", "category", *dims])
