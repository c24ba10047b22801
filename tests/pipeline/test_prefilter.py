"""Keeping only the copies of items the filter can keep, before the dedupe, changes nothing:
dedupe → filter gives the same rows with or without the prefilter (``run._copies_of_kept_items``)."""

from __future__ import annotations

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoprocure.pipeline.normalise import latest_per_item
from ecoprocure.pipeline.run import _copies_of_kept_items

_copy = st.tuples(
    st.sampled_from(["a", "b", None]),  # ocid
    st.sampled_from(["x", None]),  # award id
    st.sampled_from(["2023-01-01", "2024-06-01", "2025-01-01"]),  # release date
    st.integers(2022, 2025),  # purchase year
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_copy, min_size=1, max_size=12))
def test_prefilter_keeps_the_same_latest_items(copies: list[tuple[str | None, str | None, str, int]]) -> None:
    table = ibis.memtable(
        pa.table(
            {
                "ocid": [c[0] for c in copies],
                "source": ["award"] * len(copies),
                "award_id": [c[1] for c in copies],
                "item_id": ["1"] * len(copies),
                "release_date": [c[2] for c in copies],
                "release_id": [f"r{n}" for n in range(len(copies))],
                "source_file": ["f"] * len(copies),
                "year": pa.array([c[3] for c in copies], pa.int64()),
            }
        )
    )

    def where(items: ibis.Table) -> ibis.ir.BooleanValue:
        return items.year.between(2023, 2024)

    def kept(items: ibis.Table) -> list[str]:
        latest = latest_per_item(items)
        return sorted(latest.filter(where(latest)).release_id.to_pyarrow().to_pylist())

    assert kept(_copies_of_kept_items(table, where)) == kept(table)
