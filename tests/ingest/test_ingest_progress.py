"""``ingest_procurement_file(on_progress=…)``: the share done rises from 0 to 1 and the callback
changes nothing in what is ingested (the upload jobs of the web app show it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecoprocure.ingest.procurement_files import ingest_procurement_file

HEADER = "contract_id,item_id,date,buyer_name,description,quantity,unit_price,currency\n"


def _csv(path: Path, rows: int) -> Path:
    lines = [f"HT-{n},1,2023-05-10,Buyer {n % 7},desk,{n % 5 - 1},100,CNY" for n in range(rows)]
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _package(path: Path) -> Path:
    release = {
        "ocid": "ocds-x-1",
        "id": "1",
        "date": "2023-05-10T00:00:00Z",
        "tag": ["award"],
        "buyer": {"name": "Buyer"},
        "awards": [
            {
                "id": "a",
                "items": [{"id": "1", "quantity": 2, "unit": {"value": {"amount": 5, "currency": "CNY"}}}],
            }
        ],
    }
    path.write_text(json.dumps({"releases": [release]}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "make", [lambda p: _csv(p / "big.csv", 5000), lambda p: _package(p / "package.json")]
)
def test_progress_rises_to_one_and_changes_nothing(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    source = make(tmp_path)
    seen: list[float] = []
    followed = ingest_procurement_file(
        source, home=tmp_path / "a", uploads_dir=tmp_path / "ua", on_progress=seen.append
    ).to_dict()
    plain = ingest_procurement_file(source, home=tmp_path / "b", uploads_dir=tmp_path / "ub").to_dict()
    assert seen and seen == sorted(seen) and all(0.0 <= s <= 1.0 for s in seen) and seen[-1] == 1.0
    for key in ("status", "shape", "releases", "items", "items_with_issue", "issues", "problems", "sha256"):
        assert followed[key] == plain[key], key
    if source.suffix == ".csv":
        assert len(seen) > 3  # bytes read while the rows are read, not only the stages
