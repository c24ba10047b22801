"""Programme statistics from the registry (store.statistics), including the seed table.

The CEC 2021 review reports, for the China Environmental Labelling programme, 4,408 licensees
holding 10,284 valid certificates at the end of 2020 and 4,722 licensees holding 11,476 at the end
of 2021: growth of 7 % and 12 %. ``test_the_seed_table`` builds a registry of exactly that shape
with bulk inserts and checks that the statistics reproduce it.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection, insert, select

from ecoprocure.domain.lifecycle import Action
from ecoprocure.reference import DATA_DIR
from ecoprocure.store.certificates import apply_action, withdraw_criterion
from ecoprocure.store.db import Database
from ecoprocure.store.models import Category, Certificate, CertificateEvent, Criterion, Licensee, Scheme
from ecoprocure.store.statistics import programme_statistics, year_counts
from tests.store import registry_builders as rb
from tests.store.registry_builders import add_licensee

LICENSEES_2020, CERTIFICATES_2020 = 4_408, 10_284
LICENSEES_2021, CERTIFICATES_2021 = 4_722, 11_476


def _ids(conn: Connection) -> tuple[int, int, int]:
    scheme = conn.execute(select(Scheme.id).where(Scheme.code == "CEL")).scalar_one()
    criterion = conn.execute(
        select(Criterion.id).where(Criterion.scheme_id == scheme, Criterion.standard_code == "HJ 2536-2014")
    ).scalar_one()
    category = conn.execute(select(Category.id).where(Category.code == "ict.computer.desktop")).scalar_one()
    return scheme, criterion, category


def _bulk_registry(conn: Connection) -> None:
    """The seed registry: certificates of 2020 run past 2021; those added in 2021 bring 314 new licensees."""
    scheme, criterion, category = _ids(conn)
    conn.execute(
        insert(Licensee),
        [
            {
                "registration_id": f"9111{i:06d}",
                "name_en": f"Licensee {i}",
                "name_zh": f"企业{i}",
                "country": "CN",
            }
            for i in range(LICENSEES_2021)
        ],
    )
    licensee_ids = list(conn.execute(select(Licensee.id).order_by(Licensee.registration_id)).scalars())
    rows = []
    for i in range(CERTIFICATES_2020):
        issued = dt.date(2020, 1, 2) + dt.timedelta(days=i % 360)
        rows.append((f"CEC-2020-{i:06d}", licensee_ids[i % LICENSEES_2020], issued, dt.date(2023, 6, 30)))
    new_licensees = licensee_ids[LICENSEES_2020:]
    for i in range(CERTIFICATES_2021 - CERTIFICATES_2020):
        issued = dt.date(2021, 1, 4) + dt.timedelta(days=i % 360)
        holder = new_licensees[i] if i < len(new_licensees) else licensee_ids[i % LICENSEES_2021]
        rows.append((f"CEC-2021-{i:06d}", holder, issued, dt.date(2024, 6, 30)))
    conn.execute(
        insert(Certificate),
        [
            {
                "number": number,
                "number_key": number,
                "scheme_id": scheme,
                "licensee_id": licensee,
                "criterion_id": criterion,
                "category_id": category,
                "issued_on": issued,
                "expires_on": expires,
                "status": "valid",
                "status_since": issued,
                "status_reason": None,
            }
            for number, licensee, issued, expires in rows
        ],
    )
    certificate_ids = dict(conn.execute(select(Certificate.number_key, Certificate.id)).all())
    now = dt.datetime.now(dt.UTC)
    conn.execute(
        insert(CertificateEvent),
        [
            {
                "certificate_id": certificate_ids[number],
                "action": "issue",
                "from_status": None,
                "to_status": "valid",
                "effective_on": issued,
                "recorded_at": now,
                "actor": "seed",
                "reason": None,
                "details": None,
            }
            for number, _, issued, _ in rows
        ],
    )


def test_the_seed_table(reference_db: Database) -> None:
    with reference_db.engine.begin() as conn:
        _bulk_registry(conn)
    with reference_db.engine.connect() as conn:
        (previous,) = year_counts(conn, 2020, "CEL")
        (current,) = programme_statistics(conn, 2021, "CEL")
    assert (previous.counts["licensees"], previous.counts["certificates"]) == (
        LICENSEES_2020,
        CERTIFICATES_2020,
    )
    assert (current.counts["licensees"], current.counts["certificates"]) == (
        LICENSEES_2021,
        CERTIFICATES_2021,
    )
    assert current.growth["licensees"].percent(0) == Decimal(7)
    assert current.growth["certificates"].percent(0) == Decimal(12)
    assert current.growth["licensees"].arithmetic == "licensees: (4,722 − 4,408) / 4,408 = 7.1 %"
    assert current.growth["certificates"].arithmetic == "certificates: (11,476 − 10,284) / 10,284 = 11.6 %"
    assert current.counts["product_models"] == 0
    data = current.to_dict()
    assert (data["scheme"], data["year"], data["licensees"], data["certificates"]) == (
        "CEL",
        2021,
        LICENSEES_2021,
        CERTIFICATES_2021,
    )
    assert data["growth_percent"]["licensees"] == 7.1 and data["growth_percent"]["certificates"] == 11.6


def _criteria_in_force(day: dt.date) -> tuple[int, int]:
    """CEL criteria and the categories they cover on ``day``, counted from the shipped CSV."""
    with (DATA_DIR / "criteria.csv").open(encoding="utf-8") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if r["scheme_code"] == "CEL"
            and dt.date.fromisoformat(r["effective_from"]) <= day
            and (not r["withdrawn_on"] or dt.date.fromisoformat(r["withdrawn_on"]) > day)
        ]
    return len({r["standard_code"] for r in rows}), len({r["category_code"] for r in rows})


def _issue(
    db: Database,
    number: str,
    licensee: str,
    issued: dt.date,
    expires: dt.date | None,
    *,
    criterion: str = "HJ 2536-2014",
    category: str | None = "ict.computer.desktop",
) -> None:
    rb.issue(
        db,
        number,
        licensee=licensee,
        issued=issued,
        expires=expires,
        criterion=criterion,
        category=category,
        actor="test",
    )


def _counts(db: Database, year: int) -> dict[str, int]:
    with db.engine.connect() as conn:
        (row,) = year_counts(conn, year, "CEL")
    return row.counts


def test_certificates_count_only_while_valid_on_31_december(reference_db: Database) -> None:
    db = reference_db
    with db.transaction() as session:
        for reg in ("L-A", "L-B", "L-C", "L-D"):
            add_licensee(session, reg, f"Company {reg}")
    _issue(db, "CEC-A", "L-A", dt.date(2020, 3, 1), dt.date(2025, 12, 31))
    _issue(db, "CEC-B", "L-B", dt.date(2020, 5, 1), dt.date(2025, 12, 31))
    _issue(db, "CEC-C", "L-C", dt.date(2020, 6, 1), dt.date(2021, 6, 30))  # expires in 2021
    _issue(db, "CEC-D", "L-D", dt.date(2021, 12, 31), None)  # issued on the last day of 2021
    _issue(db, "CEC-E", "L-A", dt.date(2020, 7, 1), dt.date(2021, 12, 31))  # its last valid day is 2021-12-31
    with db.transaction() as session:
        apply_action(
            session, "CEC-B", Action.SUSPEND, actor="t", reason="audit", effective_on=dt.date(2021, 4, 1)
        )
    with db.transaction() as session:
        apply_action(session, "CEC-B", Action.REINSTATE, actor="t", effective_on=dt.date(2022, 2, 1))

    assert (_counts(db, 2019)["certificates"], _counts(db, 2019)["licensees"]) == (0, 0)
    c2020 = _counts(db, 2020)
    assert (c2020["certificates"], c2020["licensees"]) == (4, 3)  # A, B, C, E held by L-A, L-B, L-C
    c2021 = _counts(db, 2021)
    assert (c2021["certificates"], c2021["licensees"]) == (3, 2)  # A, D, E: B suspended, C expired
    c2022 = _counts(db, 2022)
    assert (c2022["certificates"], c2022["licensees"]) == (3, 3)  # A, B reinstated, D
    with db.engine.connect() as conn:
        (row,) = programme_statistics(conn, 2021, "CEL")
    assert row.growth["certificates"].percent(0) == Decimal(-25)
    assert row.growth["licensees"].previous == 3 and row.growth["licensees"].current == 2


def test_a_withdrawn_criterion_counts_only_while_in_force(reference_db: Database) -> None:
    db = reference_db
    with db.transaction() as session:
        add_licensee(session, "L-GREE", "Gree")
    _issue(
        db,
        "CEC-AC-1",
        "L-GREE",
        dt.date(2020, 2, 1),
        dt.date(2025, 12, 31),
        criterion="HJ 2535-2013",
        category=None,
    )
    before = _counts(db, 2020)
    assert (before["criteria"], before["categories"]) == _criteria_in_force(dt.date(2020, 12, 31))
    assert before["certificates"] == 1
    unchanged_2021 = _counts(db, 2021)
    assert (unchanged_2021["criteria"], unchanged_2021["categories"]) == _criteria_in_force(
        dt.date(2021, 12, 31)
    )

    with db.transaction() as session:
        withdraw_criterion(
            session, "CEL", "HJ 2535-2013", dt.date(2021, 7, 1), actor="ministry", reason="replaced"
        )
    assert _counts(db, 2020) == before  # history does not change
    after = _counts(db, 2021)
    assert after["criteria"] == unchanged_2021["criteria"] - 1
    assert (
        after["categories"] == unchanged_2021["categories"] - 1
    )  # no other CEL criterion covers air conditioners
    assert (after["certificates"], after["licensees"]) == (0, 0)


def test_a_criterion_withdrawn_on_new_years_day_still_counts_for_the_year_before(
    reference_db: Database,
) -> None:
    db = reference_db
    with db.transaction() as session:
        withdraw_criterion(
            session, "CEL", "HJ 2535-2013", dt.date(2022, 1, 1), actor="ministry", reason="replaced"
        )
    assert _counts(db, 2021)["criteria"] == _criteria_in_force(dt.date(2021, 12, 31))[0]
    assert _counts(db, 2022)["criteria"] == _criteria_in_force(dt.date(2022, 12, 31))[0] - 1


def test_all_schemes_without_data_are_left_out(reference_db: Database) -> None:
    with reference_db.engine.connect() as conn:
        rows = programme_statistics(conn, 1990)
        everything = programme_statistics(conn, 1990, include_empty=True)
        cel_1990 = programme_statistics(conn, 1990, "CEL")
    assert rows == []  # no criterion of any scheme was in force in 1990
    assert {r.scheme_code for r in everything} >= {"CEL", "EU-ECOLABEL", "JP-ECOMARK"}
    assert [r.scheme_code for r in cel_1990] == ["CEL"]  # a named scheme is shown even when empty
