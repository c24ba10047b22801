"""Roll-ups of grouped indicator and benefit rows (domain.rollup): summing in two steps is summing in
one, sums are preserved, shares stay within [0, 1] with the pipeline's null rules, filters keep
only their rows, trends compare adjacent years of the same group."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.domain import rollup

KEYS = ("year", "buyer_region", "category", "buyer_level")

# one purchase: its dimensions, whether it is eligible, certified, declared green, its value
purchase = st.fixed_dictionaries(
    {
        "year": st.sampled_from([2021, 2022, 2023, None]),
        "buyer_region": st.sampled_from(["Beijing", "Hubei", None]),
        "category": st.sampled_from(["paper.copy", "it.laptop", None]),
        "buyer_level": st.sampled_from(["central", "county"]),
        "eligible": st.booleans(),
        "certified": st.booleans(),
        "declared": st.booleans(),
        "value": st.integers(min_value=0, max_value=10**9),  # whole yuan: the sums compare exactly
    }
)
purchases = st.lists(purchase, max_size=60)
subset = st.lists(st.sampled_from(KEYS), unique=True).map(lambda ks: [k for k in KEYS if k in ks])


def fine_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the pipeline's fine-grained run gives: the additive sums by every key."""
    rows = [
        {
            **{k: item[k] for k in KEYS},
            "items": 1,
            "eligible_items": int(item["eligible"]),
            "green_items": int(item["eligible"] and item["certified"]),
            "spend": item["value"],
            "eligible_spend": item["value"] if item["eligible"] else 0,
            "green_spend": item["value"] if item["eligible"] and item["certified"] else 0,
            "declared_green_spend": item["value"] if item["eligible"] and item["declared"] else 0,
        }
        for item in items
    ]
    return rollup.roll_up(rows, KEYS, rollup.INDICATOR_SUMS)


@given(purchases, subset, subset)
def test_two_steps_are_one(items: list[dict[str, Any]], first: list[str], second: list[str]) -> None:
    fine = fine_rows(items)
    coarse = [k for k in first if k in second]  # coarser than ``first``
    assert rollup.roll_up(
        rollup.roll_up(fine, first, rollup.INDICATOR_SUMS), coarse, rollup.INDICATOR_SUMS
    ) == (rollup.roll_up(fine, coarse, rollup.INDICATOR_SUMS))
    assert rollup.indicators(rollup.roll_up(fine, first, rollup.INDICATOR_SUMS), coarse) == rollup.indicators(
        fine, coarse
    )


@given(purchases, subset)
def test_sums_are_preserved_and_shares_within_0_and_1(items: list[dict[str, Any]], keys: list[str]) -> None:
    rows = rollup.indicators(fine_rows(items), keys)
    assert sum(r["items"] for r in rows) == len(items)
    assert sum(r["spend"] for r in rows) == sum(i["value"] for i in items)
    assert sum(r["green_items"] for r in rows) == sum(i["eligible"] and i["certified"] for i in items)
    for row in rows:
        for share in ("green_share", "green_share_by_count", "declared_green_share"):
            assert row[share] is None or 0 <= row[share] <= 1
        assert (row["green_share"] is None) == (row["eligible_spend"] <= 0)
        assert (row["green_share_by_count"] is None) == (row["eligible_items"] == 0)
        if "year" in keys:
            assert "green_share_change" in row and "green_spend_growth" in row
    assert len({tuple(r[k] for k in keys) for r in rows}) == len(rows)  # one row per group


@given(purchases, subset, st.sampled_from(["Beijing", "Hubei"]))
def test_a_filter_keeps_its_rows_only(items: list[dict[str, Any]], keys: list[str], region: str) -> None:
    fine = fine_rows(items)
    kept = [r for r in fine if r["buyer_region"] == region]
    assert rollup.indicators(fine, keys, {"buyer_region": region}) == rollup.indicators(kept, keys)
    assert sum(
        r["items"] for r in rollup.roll_up(fine, [], rollup.INDICATOR_SUMS, {"buyer_region": region})
    ) == (sum(1 for i in items if i["buyer_region"] == region))


def test_zero_eligible_spend_has_no_share_and_trends_need_adjacent_years() -> None:
    def row(year: int, region: str, green: int, eligible: int) -> dict[str, Any]:
        return {
            "year": year,
            "buyer_region": region,
            "items": 1,
            "eligible_items": 1 if eligible else 0,
            "green_items": 1 if green else 0,
            "spend": eligible,
            "eligible_spend": eligible,
            "green_spend": green,
            "declared_green_spend": 0,
        }

    rows = [row(2021, "A", 1, 4), row(2022, "A", 3, 4), row(2024, "A", 1, 2), row(2022, "B", 0, 0)]
    out = {(r["year"], r["buyer_region"]): r for r in rollup.indicators(rows, ["year", "buyer_region"])}
    assert out[(2022, "B")]["green_share"] is None and out[(2022, "B")]["declared_green_share"] is None
    assert out[(2021, "A")]["green_share_change"] is None  # the group's first year
    assert out[(2022, "A")]["green_share_change"] == pytest.approx(0.5)
    assert out[(2022, "A")]["green_spend_growth"] == pytest.approx(2.0)
    assert out[(2024, "A")]["green_share_change"] is None  # 2023 missing: no change
    by_year = rollup.indicators(rows, ["year"])
    assert [r["year"] for r in by_year] == [2021, 2022, 2024]
    assert by_year[1]["green_share"] == pytest.approx(3 / 4)  # B's zero adds nothing


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "year": st.sampled_from([2022, 2023]),
                "category": st.sampled_from(["paper.copy", "it.laptop"]),
                "impact": st.sampled_from(["co2e", "so2"]),
                "measure": st.sampled_from(["reduction", "footprint"]),
                "items": st.integers(0, 1000),
                "items_without_amount": st.integers(0, 10),
                "low": st.integers(0, 10**6),
                "central": st.integers(0, 10**6),
                "high": st.integers(0, 10**6),
            }
        ),
        max_size=40,
    )
)
def test_benefit_sums(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        row["unit"] = "kg"
    out = rollup.benefits(rows, ["year"])
    for name in rollup.BENEFIT_SUMS:
        assert sum(r[name] for r in out) == sum(r[name] for r in rows)
    assert rollup.benefits(rollup.benefits(rows, ["year", "category"]), ["year"]) == out
    assert [(r["year"], r["measure"], r["impact"]) for r in out] == sorted(
        (r["year"], r["measure"], r["impact"]) for r in out
    )
    assert len({(r["year"], r["impact"], r["measure"]) for r in out}) == len(out)
