"""The publisher's own green signal: environmental goals (eForms BT-774), GPP criteria (BT-805),
hasSustainability without a goal; social-only goals are not green; an item's own lot wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecoprocure.pipeline.engine import connect, read_releases
from ecoprocure.pipeline.normalise import normalise


def _release(ocid: str, tender: dict, related_lot: str | None = None) -> dict:
    item = {
        "id": "1",
        "classification": {"scheme": "CPV", "id": "30213100"},
        "quantity": 1,
        "unit": {"id": "H87", "value": {"amount": 10, "currency": "EUR"}},
    }
    if related_lot:
        item["relatedLot"] = related_lot
    return {
        "ocid": ocid,
        "id": f"{ocid}-1",
        "date": "2023-01-01T00:00:00Z",
        "tender": tender,
        "awards": [{"id": "a", "date": "2023-01-02", "items": [item]}],
    }


CASES = {
    "env-goal": (
        {"sustainability": [{"goal": "environmental.climateChangeMitigation"}]},
        None,
        "environmental goal",
    ),
    "gpp-criteria-lot": (
        {
            "lots": [
                {"id": "L1", "hasSustainability": True, "sustainability": [{"strategies": ["euGPPCriteria"]}]}
            ]
        },
        None,
        "GPP criteria",
    ),
    "unstated": ({"hasSustainability": True}, None, "sustainability, goal not stated"),
    "social-only": (
        {"hasSustainability": True, "sustainability": [{"goal": "social.disabilities"}]},
        None,
        None,
    ),
    "nothing": ({}, None, None),
    "other-lot-is-green": (
        {
            "lots": [
                {"id": "L1", "sustainability": [{"goal": "environmental"}]},
                {"id": "L2", "sustainability": [{"goal": "economic"}]},
            ]
        },
        "L2",
        None,
    ),
    "own-lot-is-green": (
        {
            "lots": [
                {"id": "L1", "sustainability": [{"goal": "environmental"}]},
                {"id": "L2", "sustainability": [{"goal": "economic"}]},
            ]
        },
        "L1",
        "environmental goal",
    ),
    "tender-covers-every-lot": (
        {"sustainability": [{"goal": "environmental"}], "lots": [{"id": "L1"}]},
        "L1",
        "environmental goal",
    ),
}


def _bases(tmp_path: Path, engine: str) -> dict[str, tuple[bool, str | None]]:
    lines = tmp_path / "releases.jsonl"
    lines.write_text(
        "\n".join(json.dumps(_release(name, tender, lot)) for name, (tender, lot, _) in CASES.items()) + "\n",
        encoding="utf-8",
    )
    items = normalise(read_releases(connect(engine), lines))
    rows = items.select("ocid", "declared_green", "declared_green_basis").to_pyarrow().to_pylist()
    return {r["ocid"]: (r["declared_green"], r["declared_green_basis"]) for r in rows}


def test_declared_green_bases_on_duckdb(tmp_path: Path) -> None:
    found = _bases(tmp_path, "duckdb")
    assert found == {name: (basis is not None, basis) for name, (_, _, basis) in CASES.items()}


@pytest.mark.spark
def test_declared_green_bases_on_spark(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    assert _bases(tmp_path, "spark") == _bases(tmp_path, "duckdb")
