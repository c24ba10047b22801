"""SQLAlchemy models of the ecolabel registry.

Natural keys carry unique constraints (scheme code, category code, certificate number, licensee
registration id, product model per certificate + normalised brand/model) so imports can be
idempotent upserts. ``certificate_event`` is the append-only audit log; triggers created by the
migration refuse UPDATE and DELETE on it in the database itself.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so Alembic migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for big tables.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


class Scheme(Base):
    __tablename__ = "scheme"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(60))
    owner_body: Mapped[str | None] = mapped_column(String(300))
    gen_member: Mapped[bool] = mapped_column(Boolean, default=False)
    genices_status: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)


class Category(Base):
    __tablename__ = "category"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(120), unique=True)
    name_en: Mapped[str] = mapped_column(String(300))
    name_zh: Mapped[str | None] = mapped_column(String(300))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    functional_unit: Mapped[str | None] = mapped_column(String(40))
    # Set for categories a scheme uses that the shared taxonomy lacks (e.g. imported ENERGY STAR types).
    scheme_id: Mapped[int | None] = mapped_column(ForeignKey("scheme.id"))
    source: Mapped[str] = mapped_column(Text)


class CategoryCode(Base):
    """A procurement classification code (CPV, national catalogue …) mapped to a category."""

    __tablename__ = "category_code"
    __table_args__ = (UniqueConstraint("code_scheme", "code", "category_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    code_scheme: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))
    match: Mapped[str] = mapped_column(String(10), default="exact")
    source: Mapped[str] = mapped_column(Text)


criterion_category = Table(
    "criterion_category",
    Base.metadata,
    Column("criterion_id", ForeignKey("criterion.id"), primary_key=True),
    Column("category_id", ForeignKey("category.id"), primary_key=True),
)


class Criterion(Base):
    __tablename__ = "criterion"
    __table_args__ = (UniqueConstraint("scheme_id", "standard_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scheme.id"))
    standard_code: Mapped[str] = mapped_column(String(80))
    title_en: Mapped[str | None] = mapped_column(String(400))
    title_zh: Mapped[str | None] = mapped_column(String(400))
    version: Mapped[str | None] = mapped_column(String(40))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    scheme: Mapped[Scheme] = relationship()
    categories: Mapped[list[Category]] = relationship(secondary=criterion_category)
    requirements: Mapped[list[Requirement]] = relationship(back_populates="criterion")


class Requirement(Base):
    """A measurable requirement of a criterion: parameter, operator, limit, unit."""

    __tablename__ = "requirement"
    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    parameter: Mapped[str] = mapped_column(String(200))
    operator: Mapped[str] = mapped_column(String(4))
    limit: Mapped[Any] = mapped_column(Numeric(20, 6))
    unit: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    criterion: Mapped[Criterion] = relationship(back_populates="requirements")


class Licensee(Base):
    __tablename__ = "licensee"
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[str] = mapped_column(String(80), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(300))
    name_zh: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(60))


class Certificate(Base):
    __tablename__ = "certificate"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(80))
    # certificate_key(number): what lookups compare, so "cec-2021 001" finds "CEC-2021-001" typed oddly.
    number_key: Mapped[str] = mapped_column(String(80), unique=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scheme.id"), index=True)
    licensee_id: Mapped[int] = mapped_column(ForeignKey("licensee.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)  # last valid day; None = open-ended
    status: Mapped[str] = mapped_column(String(20))
    status_since: Mapped[dt.date] = mapped_column(Date)
    status_reason: Mapped[str | None] = mapped_column(Text)
    scheme: Mapped[Scheme] = relationship()
    licensee: Mapped[Licensee] = relationship()
    criterion: Mapped[Criterion] = relationship()
    category: Mapped[Category | None] = relationship()


class CertificateEvent(Base):
    """Append-only audit trail of every certificate transition."""

    __tablename__ = "certificate_event"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ProductModel(Base):
    __tablename__ = "product_model"
    __table_args__ = (
        UniqueConstraint("certificate_id", "brand_key", "model_key"),
        Index("ix_product_model_brand_model", "brand_key", "model_key"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"))
    brand: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    brand_key: Mapped[str] = mapped_column(String(200))
    model_key: Mapped[str] = mapped_column(String(200))
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Agreement(Base):
    """A mutual-recognition agreement: each party accepts the others' certificates within scope."""

    __tablename__ = "agreement"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_en: Mapped[str] = mapped_column(String(300))
    name_zh: Mapped[str | None] = mapped_column(String(300))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)


agreement_party = Table(
    "agreement_party",
    Base.metadata,
    Column("agreement_id", ForeignKey("agreement.id"), primary_key=True),
    Column("scheme_id", ForeignKey("scheme.id"), primary_key=True),
)

agreement_category = Table(
    "agreement_category",
    Base.metadata,
    Column("agreement_id", ForeignKey("agreement.id"), primary_key=True),
    Column("category_id", ForeignKey("category.id"), primary_key=True),
)

agreement_criterion = Table(
    "agreement_criterion",
    Base.metadata,
    Column("agreement_id", ForeignKey("agreement.id"), primary_key=True),
    Column("criterion_id", ForeignKey("criterion.id"), primary_key=True),
)


class ImportRun(Base):
    """One imported file: where the original is kept, what happened, and its rejected rows."""

    __tablename__ = "import_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(500))
    kept_path: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ImportReject(Base):
    __tablename__ = "import_reject"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id"), index=True)
    row: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(120))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class User(Base):
    """An account: a person (password) or a machine client (API tokens only, no password)."""

    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """An API token, kept only as the SHA-256 of the whole token; ``token_id`` is its public name."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    user: Mapped[User] = relationship()


class AuditEntry(Base):
    """Append-only log of every write (accounts, tokens, certificate actions) with actor and time."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class WebSession(Base):
    """A login session of the web pages. The cookie holds a random token; only its SHA-256 is
    stored, so a copy of the database does not let anyone log in."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    user: Mapped[User] = relationship()


class UploadJob(Base):
    """A file uploaded through the browser and imported in the background: its state, progress
    and, when done, the import report."""

    __tablename__ = "upload_job"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # procurement | registry
    filename: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(1000))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # queued | running | done | failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class EventCredit(Base):
    """The ledger of carbon credits retired for carbon-neutral events: one serial block per row.

    ``serial_key`` is the normalised prefix (see ``domain.event_serials``); an opaque serial has
    ``serial_start == serial_end == 0``. A block overlapping another event's is refused by
    ``store.event_credits.register_event`` (double counting).
    """

    __tablename__ = "event_credit"
    __table_args__ = (Index("ix_event_credit_serial", "serial_key", "serial_start", "serial_end"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(120), index=True)
    event_name: Mapped[str] = mapped_column(String(300))
    offset_id: Mapped[str] = mapped_column(String(120))
    offset_type: Mapped[str] = mapped_column(String(20))
    carbon_registry: Mapped[str] = mapped_column(String(300))
    serial_text: Mapped[str] = mapped_column(String(300))
    serial_key: Mapped[str] = mapped_column(String(300))
    serial_start: Mapped[int] = mapped_column(BigInteger)
    serial_end: Mapped[int] = mapped_column(BigInteger)
    is_range: Mapped[bool] = mapped_column(Boolean)
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 3))
    vintage: Mapped[int] = mapped_column(Integer)
    retired_on: Mapped[dt.date | None] = mapped_column(Date)
    source_file: Mapped[str] = mapped_column(String(500))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
