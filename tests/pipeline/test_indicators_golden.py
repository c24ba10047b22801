"""Green-share indicators on a hand-checked fixture: every figure below was computed by hand.

Registry: certificate CEC-OK (office furniture, valid 2021-01-01 … 2022-12-31, model Huasen
HS-100), CEC-SUSP (furniture, suspended since 2022-03-01), CEC-PC (portable computers, valid).
Rates (a user file): 1 USD = 7 CNY = 0.9 EUR in 2022 and 2023, so 1 EUR = 7/0.9 CNY.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecoprocure.ingest.procurement_files import ingest_procurement_file, items_dir
from ecoprocure.ingest.registry_import import import_registry_file
from ecoprocure.pipeline.registry_snapshot import Snapshot, export
from ecoprocure.pipeline.run import run_indicators
from ecoprocure.store.db import Database

EUR = 7 / 0.9  # CNY per EUR


def _csv(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _item(item_id: str, cpv: str, qty: float, price: float, currency: str, **attributes: str) -> dict:
    item = {
        "id": item_id,
        "description": f"item {item_id}",
        "classification": {"scheme": "CPV", "id": cpv},
        "quantity": qty,
        "unit": {"id": "H87", "name": "piece", "value": {"amount": price, "currency": currency}},
    }
    if attributes:
        item["attributes"] = [{"name": k, "value": v} for k, v in attributes.items()]
    return item


def _release(ocid: str, buyer: tuple[str, str, str, str], date: str, items: list[dict], green: bool) -> dict:
    buyer_id, name, region, level = buyer
    return {
        "ocid": ocid,
        "id": f"{ocid}-1",
        "date": date + "T00:00:00Z",
        "buyer": {"id": buyer_id, "name": name},
        "parties": [
            {
                "id": buyer_id,
                "name": name,
                "roles": ["buyer"],
                "address": {"region": region},
                "details": {"level": level},
            }
        ],
        "tender": {"hasSustainability": green},
        "awards": [
            {
                "id": f"{ocid}-a1",
                "date": date,
                "suppliers": [{"id": "S1", "name": "Supplier"}],
                "items": items,
            }
        ],
        "contracts": [{"id": f"{ocid}-c1", "dateSigned": date, "items": items}],  # repeats: not counted twice
    }


B1 = ("B1", "Beijing Finance Bureau", "Beijing", "provincial")
B2 = ("B2", "Shanghai Procurement Centre", "Shanghai", "municipal")
RELEASES = [
    _release(
        "ocds-t-1",
        B1,
        "2022-05-01",
        [
            _item("i1", "39130000-2", 10, 100, "CNY", brand="Huasen", model="HS-100"),
            _item("i2", "39130000", 5, 200, "CNY", **{"certificate number": "CEC-SUSP"}),
            _item("i3", "79341000-6", 1, 500, "CNY"),
        ],
        green=True,
    ),
    _release(
        "ocds-t-2",
        B2,
        "2022-07-01",
        [
            _item("i4", "30213100-6", 2, 100, "EUR", certificate="cec-pc"),
            _item("i5", "30213100", 1, 300, "XYZ"),
            _item("i6", "30213100", -1, 100, "CNY"),
            _item("i7", "99999999", 1, 100, "CNY"),
        ],
        green=False,
    ),
    _release(
        "ocds-t-3",
        B2,
        "2023-02-01",
        [
            _item("i8", "39130000-2", 1, 1000, "CNY", Brand="HUASEN", Model=" hs-100 "),
        ],
        green=False,
    ),
]


def golden_workspace(reference_db: Database, tmp_path: Path) -> tuple[list[Path], Snapshot, Path]:
    """The registry, the ingested fixture and the rates file: (item files, snapshot, rates)."""
    uploads = tmp_path / "uploads"
    _csv(tmp_path / "licensees.csv", "registration_id,name_en", "L1,Huasen Furniture Co.")
    _csv(
        tmp_path / "certificates.csv",
        "number,scheme,licensee_registration_id,criterion,category,issued_on,expires_on,status,status_since",
        "CEC-OK,CEL,L1,HJ 2547-2016,office.furniture,2021-01-01,2022-12-31,valid,",
        "CEC-SUSP,CEL,L1,HJ 2547-2016,office.furniture,2021-06-01,2024-12-31,suspended,2022-03-01",
        "CEC-PC,CEL,L1,HJ 2536-2014,ict.computer.portable,2021-01-01,2024-12-31,valid,",
    )
    _csv(tmp_path / "models.csv", "certificate_number,brand,model", "CEC-OK,Huasen,HS-100")
    for name in ("licensees", "certificates", "models"):
        assert (
            import_registry_file(reference_db, tmp_path / f"{name}.csv", uploads_dir=uploads).status == "ok"
        )
    data = tmp_path / "releases.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in RELEASES) + "\n", encoding="utf-8")
    home = tmp_path / "home"
    report = ingest_procurement_file(data, home=home, uploads_dir=uploads)
    assert (report.releases, report.items) == (3, 8)
    rates = _csv(
        tmp_path / "rates.csv",
        "currency,year,per_usd,low_confidence,source",
        *[f"{c},{y},{r},false,test" for y in (2022, 2023) for c, r in (("USD", 1), ("CNY", 7), ("EUR", 0.9))],
    )
    with reference_db.engine.connect() as conn:
        snapshot = export(conn, home / "pipeline")
    return sorted(items_dir(home).glob("*.parquet")), snapshot, rates


@pytest.fixture
def result_by(reference_db: Database, tmp_path: Path):  # type: ignore[no-untyped-def]
    files, snapshot, rates = golden_workspace(reference_db, tmp_path)

    def run(*by: str, engine: str = "duckdb", **options):  # type: ignore[no-untyped-def]
        return run_indicators(files, snapshot, by=list(by), rates_file=rates, engine=engine, **options)

    return run


def test_green_share_by_year(result_by) -> None:  # type: ignore[no-untyped-def]
    rows = {row["year"]: row for row in result_by("year").rows}
    y2022 = rows[2022]
    assert y2022["eligible_items"] == 3  # i1, i2, i4 (i5 has no rate, i6 a negative quantity)
    assert y2022["green_items"] == 2  # i1 by brand + model, i4 by certificate number
    assert y2022["eligible_spend"] == pytest.approx(1000 + 1000 + 200 * EUR)
    assert y2022["green_spend"] == pytest.approx(1000 + 200 * EUR)
    assert y2022["green_share"] == pytest.approx(0.71875)  # (1000 + 1555.56) / 3555.56 = 23/32
    assert y2022["green_share_by_count"] == pytest.approx(2 / 3)
    assert y2022["declared_green_share"] == pytest.approx(2000 / (2000 + 200 * EUR))  # release 1 only
    assert y2022["spend"] == pytest.approx(1000 + 1000 + 500 + 200 * EUR + 100)
    y2023 = rows[2023]  # CEC-OK expired on 2022-12-31: i8 is matched but not green
    assert (y2023["eligible_items"], y2023["green_items"], y2023["green_share"]) == (1, 0, 0)
    # trends: 2023 against 2022, in share points and spend growth; the first year has none
    assert y2022["green_share_change"] is None and y2022["green_spend_growth"] is None
    assert y2023["green_share_change"] == pytest.approx(-0.71875)
    assert y2023["green_spend_growth"] == pytest.approx(-1.0)  # no green spend in 2023


def test_coverage_and_issues_show_what_was_left_out(result_by) -> None:  # type: ignore[no-untyped-def]
    result = result_by("year")
    cover = result.coverage
    assert cover["items"] == 8
    assert cover["items_with_issue"] == 1  # i6
    assert cover["items_converted"] == 6  # all but i5 (XYZ) and i6
    assert cover["items_classified"] == 6  # i3 maps to no category, i7 is not a CPV code
    assert cover["items_matched"] == 4  # i1, i2, i4, i8
    assert cover["items_certified"] == 2
    assert cover["items_unit_recognised"] == 8  # every item gives UN/CEFACT H87 (piece)
    reasons = {issue["reason"]: issue["items"] for issue in result.issues}
    assert reasons == {"quantity is zero or negative": 1, "no exchange rate for XYZ in 2022": 1}


def test_green_share_by_buyer_region_level_and_category(result_by) -> None:  # type: ignore[no-untyped-def]
    rows = result_by("year", "region", "level", "category").rows
    furniture_2022 = next(r for r in rows if r["year"] == 2022 and r["category"] == "office.furniture")
    assert (furniture_2022["buyer_region"], furniture_2022["buyer_level"]) == ("Beijing", "provincial")
    assert furniture_2022["green_share"] == pytest.approx(0.5)  # i1 green, i2 suspended
    computers = next(r for r in rows if r["year"] == 2022 and r["category"] == "ict.computer.portable")
    assert computers["green_share"] == pytest.approx(1.0)
    by_buyer = {r["buyer_id"]: r for r in result_by("buyer").rows}
    assert by_buyer["B1"]["buyer_name"] == "Beijing Finance Bureau"
    assert by_buyer["B2"]["eligible_items"] == 2  # i4 and i8
