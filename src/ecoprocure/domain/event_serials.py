"""Carbon-credit serial numbers: ranges, counts and overlaps (the double-counting check).

A registry issues credits in blocks and names each block by a serial range. An event file gives
an offset either as

* ``serial_range = "PREFIX-START-END"``: the last two dash-separated groups are the first and
  last unit numbers (integers, ``START ≤ END``), the rest is the block's prefix; the range holds
  ``END − START + 1`` credits of 1 t CO2e each, or
* ``serial = "ID"``: one opaque identifier for a whole block (a forestry-sink certificate, a
  registry's retirement certificate); it overlaps only a block with the same identifier.

Two serials overlap when their prefixes are equal after normalisation (white space collapsed,
upper case) and their unit numbers intersect. The prefix is compared whatever registry the file
names, so a credit listed under two spellings of a registry is still caught.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecoprocure.errors import DataError

_RANGE = re.compile(r"^(?P<prefix>.*\S)\s*-\s*(?P<start>\d+)\s*-\s*(?P<end>\d+)$")


class SerialError(DataError):
    """A serial number or range that cannot be read (wrong shape, end before start)."""


@dataclass(frozen=True, order=True)
class SerialBlock:
    """A block of credits: ``prefix`` plus unit numbers ``start..end`` (inclusive).

    An opaque serial (``is_range`` false) has ``start == end == 0`` and its whole text as prefix.
    """

    prefix: str
    start: int
    end: int
    is_range: bool
    text: str

    @property
    def count(self) -> int | None:
        """Credits in the range; ``None`` for an opaque serial (its size is the stated quantity)."""
        return self.end - self.start + 1 if self.is_range else None

    def overlaps(self, other: SerialBlock) -> bool:
        return self.prefix == other.prefix and self.start <= other.end and other.start <= self.end

    def describe(self) -> str:
        return self.text


def normalise_prefix(text: str) -> str:
    return " ".join(text.split()).upper()


def parse_range(text: str) -> SerialBlock:
    """``"VCS-VCU-1491-100-199"`` → prefix ``VCS-VCU-1491``, units 100..199 (100 credits)."""
    match = _RANGE.match(text.strip())
    if match is None:
        raise SerialError(
            f"serial range {text!r}: write it as PREFIX-START-END (the last two dash-separated "
            "groups are the first and last unit numbers), or use serial for a single block identifier"
        )
    start, end = int(match["start"]), int(match["end"])
    if end < start:
        raise SerialError(f"serial range {text!r}: the last unit number {end} is before the first {start}")
    return SerialBlock(normalise_prefix(match["prefix"]), start, end, True, text.strip())


def parse_serial(text: str) -> SerialBlock:
    """An opaque block identifier (compared as a whole)."""
    key = normalise_prefix(text)
    if not key:
        raise SerialError("serial: empty")
    return SerialBlock(key, 0, 0, False, text.strip())


def overlapping_pairs(blocks: list[tuple[str, SerialBlock]]) -> list[tuple[str, str, SerialBlock]]:
    """Pairs of labelled blocks that overlap: ``(label_a, label_b, block_a)``, each pair once.

    Sorted by (prefix, start) then swept, so the work is n log n plus the overlaps found.
    """
    ordered = sorted(blocks, key=lambda item: (item[1].prefix, item[1].start, item[1].end))
    found: list[tuple[str, str, SerialBlock]] = []
    active: list[tuple[str, SerialBlock]] = []
    for label, block in ordered:
        active = [(lab, b) for lab, b in active if b.prefix == block.prefix and b.end >= block.start]
        found.extend((lab, label, b) for lab, b in active)
        active.append((label, block))
    return found
