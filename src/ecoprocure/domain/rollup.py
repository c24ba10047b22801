"""Roll-ups of grouped result rows: the green-share indicators and the benefits by fewer dimensions
than a fine-grained run computed them by, with filters, without running the pipeline again.

Only additive measures are summed (item counts, spends, benefit amounts); the derived ones are
recomputed from the sums exactly as the pipeline computes them (``pipeline.indicators._shares``:
a share is None where its denominator is not positive; :func:`trends` is the pipeline's own
``with_trends``). Nothing that is not a sum (a distinct count across groups, a median …) may be
rolled up: such a measure is not in :data:`INDICATOR_SUMS` / :data:`BENEFIT_SUMS` and is dropped.

Rows are plain dicts keyed by column name (``year``, ``buyer_region``, ``category``,
``buyer_level``, ``buyer_id``, ``buyer_name`` …); ``where`` keeps the rows whose columns equal the
given values before summing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Row = dict[str, Any]

# The additive measures of an indicator row (pipeline.indicators._sums) and of a benefit row
# (pipeline.benefits.totals); every other measure of theirs is derived from these.
INDICATOR_SUMS = (
    "items",
    "eligible_items",
    "green_items",
    "spend",
    "eligible_spend",
    "green_spend",
    "declared_green_spend",
)
BENEFIT_SUMS = ("items", "items_without_amount", "low", "central", "high")
BENEFIT_KEYS = ("impact", "measure", "unit")  # a benefit row is per impact and measure (its unit)


def _order(value: Any) -> tuple[bool, Any]:
    """Ascending with nulls last, as the pipeline's ``order_by`` (DuckDB) sorts."""
    return (value is None, value if value is not None else 0)


def roll_up(
    rows: Iterable[Mapping[str, Any]],
    keys: Sequence[str],
    sums: Sequence[str],
    where: Mapping[str, Any] | None = None,
) -> list[Row]:
    """The rows kept by ``where``, grouped by the ``keys`` columns, with the ``sums`` columns
    summed (a null counts as 0, as the pipeline's ``sum().fill_null(0)``); ordered by the keys."""
    chosen = list((where or {}).items())
    groups: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        if chosen and not all(row.get(column) == value for column, value in chosen):
            continue
        group = tuple(row.get(k) for k in keys)
        found = groups.get(group)
        if found is None:
            groups[group] = {**dict(zip(keys, group, strict=True)), **{s: row.get(s) or 0 for s in sums}}
        else:
            for s in sums:
                found[s] += row.get(s) or 0
    return [groups[g] for g in sorted(groups, key=lambda g: tuple(_order(v) for v in g))]


def with_shares(row: Row) -> Row:
    """The shares of an indicator row from its sums (None where the denominator is not > 0)."""
    eligible_spend, eligible_items = row["eligible_spend"], row["eligible_items"]
    row["green_share"] = row["green_spend"] / eligible_spend if eligible_spend > 0 else None
    row["green_share_by_count"] = row["green_items"] / eligible_items if eligible_items > 0 else None
    row["declared_green_share"] = row["declared_green_spend"] / eligible_spend if eligible_spend > 0 else None
    return row


def trends(rows: list[Row], others: Sequence[str]) -> list[Row]:
    """Each row's change against the previous year of the same group (the same values of the
    ``others`` columns): ``green_share_change`` in share points and ``green_spend_growth`` as a
    ratio − 1. None for a group's first year or a gap in the years. The rows keep their order."""
    previous: dict[tuple[Any, ...], Row] = {}
    for row in sorted(rows, key=lambda r: (tuple(str(r[c]) for c in others), r["year"] or 0)):
        group = tuple(row[c] for c in others)
        before = previous.get(group)
        adjacent = before is not None and row["year"] is not None and before["year"] == row["year"] - 1
        share = row["green_share"]
        last_share = before["green_share"] if adjacent and before is not None else None
        row["green_share_change"] = (
            share - last_share if share is not None and last_share is not None else None
        )
        last_spend = before["green_spend"] if adjacent and before is not None else None
        row["green_spend_growth"] = row["green_spend"] / last_spend - 1 if last_spend else None
        previous[group] = row
    return rows


def indicators(
    rows: Iterable[Mapping[str, Any]], keys: Sequence[str], where: Mapping[str, Any] | None = None
) -> list[Row]:
    """Indicator rows by the ``keys`` columns: sums, shares and (with ``year`` among the keys)
    the trends, as the pipeline answers the same question."""
    out = [with_shares(row) for row in roll_up(rows, keys, INDICATOR_SUMS, where)]
    if "year" in keys:
        trends(out, [k for k in keys if k != "year"])
    return out


def benefits(
    rows: Iterable[Mapping[str, Any]], keys: Sequence[str], where: Mapping[str, Any] | None = None
) -> list[Row]:
    """Benefit rows by the ``keys`` columns and impact: items and low/central/high summed;
    ordered by the keys, the measure and the impact (as ``pipeline.benefits.totals``)."""
    out = roll_up(rows, [*keys, *BENEFIT_KEYS], BENEFIT_SUMS, where)
    return sorted(out, key=lambda r: (*(_order(r[k]) for k in keys), r["measure"], r["impact"]))
