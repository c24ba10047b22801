"""Green-share indicators against a direct computation of the documented rules (docs/procurement.md).

Hypothesis writes random awarded items (category, value, currency, certificate number, problem)
as OCDS JSON Lines; they are ingested and run through ``run_indicators(by=["category"])``, and
every category's figures are compared with plain Python:

* an item is *usable* when it has no problem and its currency has a rate in its year;
* it is *eligible* when its category has an ecolabel criterion, *certified* when the certificate
  number it gives belongs to a certificate valid on the award date (issued, not past expiry, not
  suspended or revoked by then);
* eligible_items / eligible_spend count usable eligible items; green_items / green_spend those of
  them that are certified; spend is in CNY at the rates of a user file (1 USD = 7 CNY = 0.875 EUR).

The registry (reference data + certificates imported from CSV) is built once per module, on SQLite.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ecoprocure.ingest.procurement_files import ingest_procurement_file, items_dir
from ecoprocure.ingest.registry_import import import_registry_file
from ecoprocure.pipeline.registry_snapshot import Snapshot, export
from ecoprocure.pipeline.run import run_indicators
from ecoprocure.store.db import Database
from ecoprocure.store.reference_loader import load_reference

CPV = {  # code → (category, eligible); eligibility from the shipped criteria
    "39130000-2": ("office.furniture", True),
    "30213100-6": ("ict.computer.portable", True),
    "30191400-8": ("office.shredder", False),  # a category without a criterion
    "79341000-6": (None, False),  # advertising services: no category
}
CNY_PER = {"CNY": 1.0, "EUR": 7 / 0.875}  # "XYZ" has no rate
DATES = ("2022-03-15", "2022-09-15", "2023-05-01")
# number → (issued_on, expires_on, status, status_since)
CERTIFICATES = {
    "P-VALID": ("2020-01-01", "2030-12-31", "valid", ""),
    "P-EXPIRED": ("2018-01-01", "2021-12-31", "valid", ""),
    "P-ENDS": ("2020-01-01", "2022-09-15", "valid", ""),  # still valid on its expiry day
    "P-LATE": ("2023-05-01", "2030-12-31", "valid", ""),  # valid from its issue day, not in 2022
    "P-SUSP-OLD": ("2020-01-01", "2030-12-31", "suspended", "2021-01-01"),
    "P-SUSP-MID": ("2020-01-01", "2030-12-31", "suspended", "2022-07-01"),
    "P-REVOKED": ("2020-01-01", "2030-12-31", "revoked", "2023-01-01"),
}
ISSUES = ("negative quantity", "zero quantity", "quantity abc", "no currency", "negative price", "no rate")
ATTRIBUTE_NAMES = ("certificate", "Certificate Number", "证书编号")


def certified(number: str | None, date: str) -> bool:
    if number is None or number.strip().upper() not in CERTIFICATES:
        return False
    issued, expires, status, since = CERTIFICATES[number.strip().upper()]
    ended = status != "valid" and since <= date
    return issued <= date <= expires and not ended


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, Path]:
    """The registry snapshot and the user's rates file."""
    root = tmp_path_factory.mktemp("registry")
    (root / "licensees.csv").write_text("registration_id,name_en\nL1,Test Co.\n", encoding="utf-8")
    (root / "certificates.csv").write_text(
        "number,scheme,licensee_registration_id,criterion,category,issued_on,expires_on,status,status_since\n"
        + "".join(
            f"{number},CEL,L1,HJ 2547-2016,office.furniture,{issued},{expires},{status},{since}\n"
            for number, (issued, expires, status, since) in CERTIFICATES.items()
        ),
        encoding="utf-8",
    )
    rates = root / "rates.csv"
    rates.write_text(
        "currency,year,per_usd,low_confidence,source\n"
        + "".join(
            f"{c},{y},{r},false,test\n"
            for y in (2022, 2023)
            for c, r in (("USD", 1), ("CNY", 7), ("EUR", 0.875))
        ),
        encoding="utf-8",
    )
    db = Database(f"sqlite:///{root / 'ecoprocure.db'}")
    try:
        with db.engine.begin() as conn:
            load_reference(conn)
        for name in ("licensees", "certificates"):
            report = import_registry_file(db, root / f"{name}.csv", uploads_dir=root / "uploads")
            assert report.status == "ok", report
        with db.engine.connect() as conn:
            snapshot = export(conn, root / "pipeline")
    finally:
        db.close()
    return snapshot, rates


def _certificate_value(number: str, upper: bool) -> str:
    return number if upper else f" {number.lower()} "


items_strategy = st.fixed_dictionaries(
    {
        "cpv": st.sampled_from(sorted(CPV)),
        "quantity": st.integers(1, 20),
        "price": st.integers(1, 40_000).map(lambda n: n / 4),  # quarters: exact in binary
        "currency": st.sampled_from(["CNY", "EUR"]),
        "certificate": st.one_of(
            st.none(),
            st.just("P-UNKNOWN"),
            st.builds(_certificate_value, st.sampled_from(sorted(CERTIFICATES)), st.booleans()),
        ),
        "attribute": st.sampled_from(ATTRIBUTE_NAMES),
        "issue": st.one_of(st.none(), st.sampled_from(ISSUES)),
    }
)
releases_strategy = st.lists(
    st.tuples(st.sampled_from(DATES), st.lists(items_strategy, min_size=1, max_size=6)),
    min_size=1,
    max_size=8,
)


def _ocds_item(item_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    quantity: Any = spec["quantity"]
    price, currency = spec["price"], spec["currency"]
    issue = spec["issue"]
    if issue == "negative quantity":
        quantity = -quantity
    elif issue == "zero quantity":
        quantity = 0
    elif issue == "quantity abc":
        quantity = "abc"
    elif issue == "negative price":
        price = -price
    elif issue == "no rate":
        currency = "XYZ"
    value = {"amount": price} if issue == "no currency" else {"amount": price, "currency": currency}
    item: dict[str, Any] = {
        "id": item_id,
        "description": f"item {item_id}",
        "classification": {"scheme": "CPV", "id": spec["cpv"]},
        "quantity": quantity,
        "unit": {"id": "H87", "name": "piece", "value": value},
    }
    if spec["certificate"] is not None:
        item["attributes"] = [{"name": spec["attribute"], "value": spec["certificate"]}]
    return item


def _release(number: int, date: str, specs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "ocid": f"ocds-prop-{number}",
        "id": f"ocds-prop-{number}-award",
        "date": f"{date}T00:00:00Z",
        "buyer": {"id": "B1", "name": "Buyer"},
        "awards": [
            {
                "id": f"award-{number}",
                "date": date,
                "items": [_ocds_item(f"{number}-{i}", spec) for i, spec in enumerate(specs)],
            }
        ],
    }


def expected_by_category(
    releases: list[tuple[str, list[dict[str, Any]]]],
) -> dict[str | None, dict[str, Any]]:
    rows: dict[str | None, dict[str, Any]] = defaultdict(
        lambda: {"items": 0, "eligible_items": 0, "green_items": 0, "eligible_spend": 0.0, "green_spend": 0.0}
    )
    for date, specs in releases:
        for spec in specs:
            category, eligible = CPV[spec["cpv"]]
            row = rows[category]
            row["items"] += 1
            if spec["issue"] is not None or not eligible:  # "no rate" is not converted: left out too
                continue
            value = spec["quantity"] * spec["price"] * CNY_PER[spec["currency"]]
            row["eligible_items"] += 1
            row["eligible_spend"] += value
            if certified(spec["certificate"], date):
                row["green_items"] += 1
                row["green_spend"] += value
    return dict(rows)


def _spec(
    cpv: str, certificate: str | None, issue: str | None = None, currency: str = "CNY"
) -> dict[str, Any]:
    return {
        "cpv": cpv,
        "quantity": 3,
        "price": 12.5,
        "currency": currency,
        "certificate": certificate,
        "attribute": "certificate",
        "issue": issue,
    }


FURNITURE, LAPTOP, SHREDDER, ADVERTISING = list(CPV)
BOUNDARIES = [  # always run: the days on which a certificate starts and stops counting
    (
        "2022-09-15",
        [
            _spec(FURNITURE, "P-ENDS"),
            _spec(LAPTOP, "P-LATE", currency="EUR"),
            _spec(FURNITURE, "P-SUSP-MID"),
            _spec(FURNITURE, "P-VALID", issue="negative quantity"),
            _spec(SHREDDER, "P-VALID"),
            _spec(ADVERTISING, "P-VALID"),
        ],
    ),
    ("2023-05-01", [_spec(FURNITURE, "P-ENDS"), _spec(LAPTOP, "P-LATE"), _spec(FURNITURE, "P-REVOKED")]),
    ("2022-03-15", [_spec(FURNITURE, "p-susp-mid"), _spec(LAPTOP, "P-VALID", issue="no rate")]),
]


def test_certificate_rules_as_the_docs_state_them() -> None:
    """The direct computation itself, on the boundaries the generated data reach."""
    assert certified("P-VALID", "2022-03-15")
    assert not certified("P-EXPIRED", "2022-03-15")
    assert certified("P-ENDS", "2022-09-15") and not certified("P-ENDS", "2023-05-01")
    assert not certified("P-LATE", "2022-09-15") and certified("P-LATE", "2023-05-01")
    assert not certified("P-LATE", "2023-04-30")
    assert not certified("P-SUSP-OLD", "2022-03-15")
    assert certified("P-SUSP-MID", "2022-03-15") and not certified("P-SUSP-MID", "2022-09-15")
    assert certified("P-REVOKED", "2022-09-15") and not certified("P-REVOKED", "2023-05-01")
    assert certified(" p-valid ", "2022-03-15") and not certified("P-UNKNOWN", "2022-03-15")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(releases=releases_strategy)
@example(releases=BOUNDARIES)
def test_indicators_by_category_follow_the_documented_rules(
    registry: tuple[Snapshot, Path], releases: list[tuple[str, list[dict[str, Any]]]]
) -> None:
    snapshot, rates = registry
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "releases.jsonl"
        data.write_text(
            "".join(json.dumps(_release(n, date, specs)) + "\n" for n, (date, specs) in enumerate(releases)),
            encoding="utf-8",
        )
        report = ingest_procurement_file(data, home=folder / "home", uploads_dir=folder / "uploads")
        assert report.status in {"ok", "partial"}, report
        assert report.items == sum(len(specs) for _, specs in releases)
        result = run_indicators(
            sorted(items_dir(folder / "home").glob("*.parquet")), snapshot, by=["category"], rates_file=rates
        )
    expected = expected_by_category(releases)
    found = {row["category"]: row for row in result.rows}
    assert set(found) == set(expected)
    for category, want in expected.items():
        got = found[category]
        for name in ("items", "eligible_items", "green_items"):
            assert got[name] == want[name], (category, name, got, want)
        for name in ("eligible_spend", "green_spend"):
            assert got[name] == pytest.approx(want[name], rel=1e-9, abs=1e-6), (category, name, got, want)
        share = want["green_spend"] / want["eligible_spend"] if want["eligible_spend"] else None
        assert got["green_share"] == (pytest.approx(share) if share is not None else None)
    issues = sum(1 for _, specs in releases for spec in specs if spec["issue"] not in {None, "no rate"})
    assert result.coverage["items_with_issue"] == issues


@given(
    shares=st.lists(
        st.tuples(st.sampled_from(["A", "B"]), st.integers(2015, 2025), st.floats(0, 1), st.floats(1, 1e6)),
        max_size=30,
        unique_by=lambda t: (t[0], t[1]),
    )
)
def test_trends_compare_each_group_with_its_previous_year(
    shares: list[tuple[str, int, float, float]],
) -> None:
    from ecoprocure.pipeline.run import with_trends

    rows = [{"year": y, "buyer_region": g, "green_share": s, "green_spend": v} for g, y, s, v in shares]
    by_key = {
        (r["buyer_region"], r["year"]): r for r in with_trends([dict(r) for r in rows], ["region", "year"])
    }
    for (group, year), row in by_key.items():
        before = by_key.get((group, year - 1))
        if before is None:
            assert row["green_share_change"] is None and row["green_spend_growth"] is None
        else:
            assert row["green_share_change"] == pytest.approx(row["green_share"] - before["green_share"])
            assert row["green_spend_growth"] == pytest.approx(row["green_spend"] / before["green_spend"] - 1)
