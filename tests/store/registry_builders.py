"""Small registries for store and CLI tests, built the way users build them.

``build_catalogue`` writes the three import templates as CSV files and imports them with
``import_registry_file`` (so product models land in the search index); the criteria and categories
are real CEL / EU Ecolabel ones from the shipped reference data that are in force. The database
must hold the reference data already (the ``reference_db`` fixture).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from ecoprocure.domain.lifecycle import Action
from ecoprocure.ingest.registry_import import ImportReport, import_registry_file
from ecoprocure.store.certificates import apply_action, issue_certificate
from ecoprocure.store.db import Database
from ecoprocure.store.models import Licensee

TODAY = dt.date.today()
FUTURE = dt.date(TODAY.year + 3, 12, 31)  # an expiry date that has not come yet
ENDED = dt.date(2022, 12, 31)  # an expiry date that has passed

LENOVO, HUASEN, NIPPON, GREE, DELI = (
    "91110108LENOVO001",
    "91120116HUASEN002",
    "91310000NIPPON003",
    "91440400GREE00004",
    "91330200DELI00005",
)

LICENSEES = [
    {
        "registration_id": LENOVO,
        "name_en": "Lenovo (Beijing) Co., Ltd.",
        "name_zh": "联想（北京）有限公司",
        "country": "CN",
    },
    {
        "registration_id": HUASEN,
        "name_en": "Tianjin Huasen Furniture Co., Ltd.",
        "name_zh": "天津华森家具有限公司",
        "country": "CN",
    },
    {
        "registration_id": NIPPON,
        "name_en": "Nippon Paint (China) Co., Ltd.",
        "name_zh": "立邦涂料（中国）有限公司",
        "country": "CN",
    },
    {
        "registration_id": GREE,
        "name_en": "Gree Electric Appliances Inc. of Zhuhai",
        "name_zh": "珠海格力电器股份有限公司",
        "country": "CN",
    },
    {
        "registration_id": DELI,
        "name_en": "Deli Group Co., Ltd.",
        "name_zh": "得力集团有限公司",
        "country": "CN",
    },
]

# Certificate numbers of the catalogue, by what they are for.
DESKTOP = "CEC-2021-0001"  # CEL, desktop computers (CJK common core criterion: recognised), valid
NOTEBOOK_SUSPENDED = "CEC-2021-0002"  # CEL, notebooks, suspended
NOTEBOOK_EU = "EU-2020-0003"  # EU Ecolabel, same notebook model, valid, issued earlier
FURNITURE_ENDED = "CEC-2019-0004"  # CEL, office furniture, stored valid but past its expiry date
SCHOOL_FURNITURE = "CEC-2023-0005"  # CEL, school desks (a sub-category of office furniture), valid
PAINT = "CEC-2022-0006"  # CEL, paints, valid
AIR_CONDITIONER = "CEC-2022-0007"  # CEL, air conditioners (no CJK agreement), valid
STATIONERY = "CEC-2020-0008"  # CEL, stationery, valid

SUSPENSION_REASON = "surveillance test failed: noise above the criterion limit"
SUSPENDED_SINCE = dt.date(2024, 5, 10)


def _cert(
    number: str,
    scheme: str,
    licensee: str,
    criterion: str,
    category: str,
    issued: dt.date,
    expires: dt.date | None,
    **state: str,
) -> dict[str, str]:
    return {
        "number": number,
        "scheme": scheme,
        "licensee_registration_id": licensee,
        "criterion": criterion,
        "category": category,
        "issued_on": issued.isoformat(),
        "expires_on": expires.isoformat() if expires else "",
        "status": state.get("status", ""),
        "status_since": state.get("status_since", ""),
        "status_reason": state.get("status_reason", ""),
    }


CERTIFICATES = [
    _cert(DESKTOP, "CEL", LENOVO, "HJ 2536-2014", "ict.computer.desktop", dt.date(2021, 3, 1), FUTURE),
    _cert(
        NOTEBOOK_SUSPENDED,
        "CEL",
        LENOVO,
        "HJ 2536-2014",
        "ict.computer.portable",
        dt.date(2021, 3, 1),
        FUTURE,
        status="suspended",
        status_since=SUSPENDED_SINCE.isoformat(),
        status_reason=SUSPENSION_REASON,
    ),
    _cert(
        NOTEBOOK_EU,
        "EU-ECOLABEL",
        LENOVO,
        "(EU) 2016/1371",
        "ict.computer.portable",
        dt.date(2020, 5, 1),
        FUTURE,
    ),
    _cert(FURNITURE_ENDED, "CEL", HUASEN, "HJ 2547-2016", "office.furniture", dt.date(2019, 1, 15), ENDED),
    _cert(
        SCHOOL_FURNITURE,
        "CEL",
        HUASEN,
        "HJ 2547-2016",
        "office.furniture.school",
        dt.date(2023, 2, 1),
        FUTURE,
    ),
    _cert(PAINT, "CEL", NIPPON, "HJ 2537-2014", "chem.paint", dt.date(2022, 4, 1), FUTURE),
    _cert(
        AIR_CONDITIONER, "CEL", GREE, "HJ 2535-2013", "appliance.air-conditioner", dt.date(2022, 6, 1), FUTURE
    ),
    _cert(STATIONERY, "CEL", DELI, "HJ 572-2010", "office.stationery", dt.date(2020, 9, 1), FUTURE),
]

MODELS = [
    {"certificate_number": DESKTOP, "brand": "Lenovo", "model": "ThinkCentre M720"},
    {"certificate_number": DESKTOP, "brand": "Lenovo", "model": "ThinkCentre M920"},
    {"certificate_number": DESKTOP, "brand": "联想", "model": "启天M428"},
    {"certificate_number": NOTEBOOK_SUSPENDED, "brand": "Lenovo", "model": "ThinkPad X1 Carbon"},
    {"certificate_number": NOTEBOOK_EU, "brand": "Lenovo", "model": "ThinkPad X1 Carbon"},
    {"certificate_number": FURNITURE_ENDED, "brand": "华森", "model": "HS-100 办公椅"},
    {"certificate_number": SCHOOL_FURNITURE, "brand": "华森", "model": "KZ-1 课桌椅"},
    {"certificate_number": PAINT, "brand": "立邦", "model": "净味乳胶漆 5合1"},
    {"certificate_number": AIR_CONDITIONER, "brand": "GREE", "model": "云佳 KFR-35GW"},
    {"certificate_number": STATIONERY, "brand": "Deli", "model": "Desktop Organizer 9"},
    {"certificate_number": STATIONERY, "brand": "得力", "model": "文具收纳盒 D9"},
    {"certificate_number": STATIONERY, "brand": "得力", "model": "订书机 0414"},
]


def write_csv(path: Path, rows: Sequence[dict[str, str]], columns: Sequence[str] | None = None) -> Path:
    """A UTF-8 CSV with the given rows (columns from the first row unless named)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = list(columns or rows[0].keys())
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def catalogue_files(folder: Path) -> list[Path]:
    """The catalogue as the three import templates (licensees, certificates, models)."""
    return [
        write_csv(folder / "licensees.csv", LICENSEES),
        write_csv(folder / "certificates.csv", CERTIFICATES),
        write_csv(folder / "models.csv", MODELS),
    ]


def import_ok(db: Database, path: Path, uploads_dir: Path) -> ImportReport:
    report = import_registry_file(db, path, uploads_dir=uploads_dir, actor="test")
    assert report.status == "ok", report.to_dict()
    return report


def build_catalogue(db: Database, folder: Path) -> None:
    """Import the catalogue into ``db`` (which holds the reference data)."""
    for path in catalogue_files(folder / "catalogue"):
        import_ok(db, path, folder / "uploads")


def add_licensee(
    session: Session, registration_id: str, name_en: str | None = None, name_zh: str | None = None
) -> Licensee:
    licensee = Licensee(registration_id=registration_id, name_en=name_en, name_zh=name_zh, country="CN")
    session.add(licensee)
    session.flush()
    return licensee


def issue(
    db: Database,
    number: str,
    *,
    licensee: str,
    issued: dt.date,
    expires: dt.date | None,
    criterion: str = "HJ 2536-2014",
    category: str | None = "ict.computer.desktop",
    actor: str = "registrar",
    reason: str | None = None,
) -> None:
    """Issue one CEL certificate through the lifecycle (``store.certificates.issue_certificate``)."""
    with db.transaction() as session:
        issue_certificate(
            session,
            number=number,
            scheme="CEL",
            licensee_registration_id=licensee,
            criterion=criterion,
            issued_on=issued,
            expires_on=expires,
            category=category,
            actor=actor,
            reason=reason,
        )


def act(
    db: Database,
    number: str,
    action: Action,
    on: dt.date,
    reason: str | None = None,
    *,
    new_expires_on: dt.date | None = None,
) -> None:
    """Apply one lifecycle action as an inspector would."""
    with db.transaction() as session:
        apply_action(
            session,
            number,
            action,
            actor="inspector",
            reason=reason,
            effective_on=on,
            new_expires_on=new_expires_on,
        )
