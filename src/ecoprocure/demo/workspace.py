"""The demo workspace: reference data, a generated registry and a tour of verification,
signing, search and statistics. Used by ``ecoprocure demo``; safe to run again (idempotent)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ecoprocure.demo.procurement_generator import generate as generate_procurement
from ecoprocure.demo.registry_generator import DEMO, generate
from ecoprocure.domain.benefit_summary import summary
from ecoprocure.domain.factors import DEFAULT_FACTOR_SET, find_factor_set
from ecoprocure.domain.lifecycle import Action, Status
from ecoprocure.domain.signing import sign
from ecoprocure.domain.statistics import YearCounts
from ecoprocure.domain.verification import VerificationAnswer, verify_offline
from ecoprocure.ingest.procurement_files import ingest_procurement_file, items_dir
from ecoprocure.ingest.registry_import import ImportReport, import_registry_file
from ecoprocure.pipeline.registry_snapshot import export
from ecoprocure.pipeline.run import run_benefits, run_indicators
from ecoprocure.reports.certificate_qr import write_qr
from ecoprocure.settings import Settings
from ecoprocure.store.catalogue_search import Hit, search
from ecoprocure.store.certificates import apply_action, certificate_payload
from ecoprocure.store.db import Database
from ecoprocure.store.keys import generate_key, key_paths, load_private_key, read_public_key
from ecoprocure.store.models import Certificate, ProductModel
from ecoprocure.store.reference_loader import load_reference
from ecoprocure.store.statistics import programme_statistics
from ecoprocure.store.verification import Verifier

# The demo values the CO2 at China's national ETS 2024 average and SO2/NOx at the statutory
# environmental protection tax (sources: reference/data/equivalences/*.csv).
DEMO_CARBON_PRICE = "cn-ets-2024"
DEMO_SHADOW_PRICES = ("cn-ept-so2", "cn-ept-nox")


@dataclass
class DemoResult:
    imports: list[ImportReport] = field(default_factory=list)
    verifications: list[tuple[str, VerificationAnswer]] = field(default_factory=list)
    searches: list[tuple[str, list[Hit]]] = field(default_factory=list)
    statistics: list[YearCounts] = field(default_factory=list)
    qr_text: str = ""
    qr_files: list[Path] = field(default_factory=list)
    public_key: Path | None = None
    valid_number: str = ""
    suspended_number: str = ""
    sample_brand: str = ""
    sample_model: str = ""
    sample_query_zh: str = "华"
    ingest: Any = None
    indicators: Any = None
    indicators_by_category: Any = None
    benefits: Any = None
    benefit_summary: Any = None


def build_demo_workspace(db: Database, conf: Settings, log: Callable[[str], Any] = print) -> DemoResult:
    result = DemoResult()
    demo_dir = conf.home / "demo"
    today = dt.date.today()
    with db.engine.begin() as conn:
        load_reference(conn)
    log("loaded the shipped reference data (schemes, categories, CPV mappings, criteria, agreements)")
    files = generate(demo_dir, DEMO, as_of=today)
    with db.engine.begin() as conn:
        load_reference(conn, demo_dir)  # the generated categories and criteria (marked synthetic)
    log(f"generated a synthetic registry in {demo_dir}")
    for name in ("licensees", "certificates", "models"):
        result.imports.append(
            import_registry_file(db, files[name], uploads_dir=conf.resolved_uploads_dir, actor="demo")
        )
    keys_dir = conf.resolved_keys_dir
    if not key_paths(keys_dir, "CEL")[0].exists():
        generate_key(keys_dir, "CEL")
    result.public_key = key_paths(keys_dir, "CEL")[1]
    _tour(db, conf, result, today)
    _procurement(db, conf, result, demo_dir, log)
    return result


def _procurement(
    db: Database, conf: Settings, result: DemoResult, demo_dir: Path, log: Callable[[str], Any]
) -> None:
    """Ingest synthetic purchases of the demo registry's product types; compute the green share."""
    releases = generate_procurement(demo_dir, demo_dir / "procurement.jsonl")
    result.ingest = ingest_procurement_file(releases, home=conf.home, uploads_dir=conf.resolved_uploads_dir)
    log(f"ingested synthetic procurement data: {releases}")
    with db.engine.connect() as conn:
        snapshot = export(conn, conf.home / "pipeline")
    files = sorted(items_dir(conf.home).glob("*.parquet"))
    result.indicators = run_indicators(files, snapshot, by=["year"])
    result.indicators_by_category = run_indicators(files, snapshot, by=["category"])
    result.benefits = run_benefits(files, snapshot, find_factor_set(DEFAULT_FACTOR_SET), by=[])
    result.benefit_summary = summary(
        result.benefits.rows, carbon_price_id=DEMO_CARBON_PRICE, shadow_price_ids=DEMO_SHADOW_PRICES
    )


def _tour(db: Database, conf: Settings, result: DemoResult, today: dt.date) -> None:
    with db.transaction() as session:
        numbers = list(session.scalars(select(Certificate.number).order_by(Certificate.id).limit(2)))
        result.valid_number, result.suspended_number = numbers[0], numbers[1]
        cert = session.scalars(select(Certificate).where(Certificate.number == result.suspended_number)).one()
        if cert.status == Status.VALID.value:
            apply_action(
                session,
                cert.number,
                Action.SUSPEND,
                actor="demo",
                reason="surveillance audit found VOC content above the criterion limit",
            )
        product = session.scalars(
            select(ProductModel)
            .where(
                ProductModel.certificate_id
                == select(Certificate.id).where(Certificate.number == result.valid_number).scalar_subquery()
            )
            .limit(1)
        ).one()
        result.sample_brand, result.sample_model = product.brand, product.model
        payload = certificate_payload(session, result.valid_number)
    qr_text = sign(payload, load_private_key(conf.resolved_keys_dir, "CEL"))
    result.qr_text = qr_text
    result.qr_files = write_qr(qr_text, conf.home / "demo" / "qr", payload.number)
    public = read_public_key(result.public_key)  # type: ignore[arg-type]
    tampered = sign(
        replace(payload, expires=dt.date(2099, 12, 31)), load_private_key(conf.resolved_keys_dir, "CEL")
    )
    forged = qr_text.split(".")[0] + "." + tampered.split(".")[1] + "." + qr_text.split(".")[2]
    with Verifier(db, conf.resolved_keys_dir) as verifier:
        result.verifications = [
            (f"certificate {result.valid_number}", verifier.by_number(result.valid_number, today)),
            (f"certificate {result.suspended_number}", verifier.by_number(result.suspended_number, today)),
            (
                f"brand+model '{result.sample_brand.upper()}  {result.sample_model.lower()}'",
                verifier.by_brand_model(result.sample_brand.upper(), result.sample_model.lower(), today),
            ),
            ("certificate CEC-0000-NOPE", verifier.by_number("CEC-0000-NOPE", today)),
            ("QR code, online", verifier.by_qr(qr_text, today)),
            ("QR code, offline with the public key", verify_offline(qr_text, public, today)),
            ("QR code with an edited expiry date", verify_offline(forged, public, today)),
        ]
    with db.engine.connect() as conn:
        for query in (result.sample_query_zh, result.sample_brand[:3], "家具", "paint"):
            result.searches.append((query, search(conn, query, limit=5)))
        result.statistics = programme_statistics(conn, today.year)
