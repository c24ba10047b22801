"""Serial ranges: parsing, counts, overlaps (hypothesis against a brute-force reference)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.domain.event_serials import (
    SerialBlock,
    SerialError,
    overlapping_pairs,
    parse_range,
    parse_serial,
)

prefixes = st.sampled_from(["VCS-VCU-1491", "CCER-2021", "GS1-1-CN", "vcs-vcu-1491 "])
numbers = st.integers(min_value=0, max_value=10**12)


@st.composite
def ranges(draw: st.DrawFn) -> tuple[str, int, int]:
    start = draw(numbers)
    end = draw(st.integers(min_value=start, max_value=start + 10**6))
    return draw(prefixes), start, end


@given(ranges())
def test_a_range_reads_back_its_prefix_start_end_and_count(case: tuple[str, int, int]) -> None:
    prefix, start, end = case
    block = parse_range(f"{prefix}-{start}-{end}")
    assert (block.prefix, block.start, block.end) == (prefix.strip().upper(), start, end)
    assert block.count == end - start + 1


def test_leading_zeros_and_spaces() -> None:
    block = parse_range(" CCER-2021 - 000100 - 000199 ")
    assert (block.prefix, block.start, block.end, block.count) == ("CCER-2021", 100, 199, 100)


@pytest.mark.parametrize("text", ["VCS-100", "100-199", "VCS-a-b", "VCS-200-100", ""])
def test_malformed_ranges_are_refused(text: str) -> None:
    with pytest.raises(SerialError, match="serial range"):
        parse_range(text)


@given(ranges(), ranges())
def test_overlap_is_symmetric_and_means_shared_units(
    a: tuple[str, int, int], b: tuple[str, int, int]
) -> None:
    x, y = parse_range(f"{a[0]}-{a[1]}-{a[2]}"), parse_range(f"{b[0]}-{b[1]}-{b[2]}")
    shared = x.prefix == y.prefix and max(x.start, y.start) <= min(x.end, y.end)
    assert x.overlaps(y) == y.overlaps(x) == shared


def test_an_opaque_serial_overlaps_only_itself() -> None:
    a, b = parse_serial("FCS-2021-0007"), parse_serial(" fcs-2021-0007")
    assert a.overlaps(b)
    assert not a.overlaps(parse_serial("FCS-2021-0008"))
    assert a.count is None


@given(st.lists(ranges(), max_size=12))
def test_the_sweep_finds_exactly_the_overlapping_pairs(cases: list[tuple[str, int, int]]) -> None:
    blocks = [(f"o{i}", parse_range(f"{p}-{s}-{e}")) for i, (p, s, e) in enumerate(cases)]
    found = {frozenset((a, b)) for a, b, _ in overlapping_pairs(blocks)}
    expected = {
        frozenset((la, lb))
        for i, (la, a) in enumerate(blocks)
        for lb, b in blocks[i + 1 :]
        if a.overlaps(b)
    }
    assert found == expected


def test_blocks_sort_and_describe() -> None:
    block = SerialBlock("X", 1, 2, True, "X-1-2")
    assert block.describe() == "X-1-2"
