"""Registry schema: schemes, categories, criteria, licensees, certificates, models, agreements,
imports; the catalogue search index and the append-only audit triggers, per dialect.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 22:52:19.454140
"""

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("name_zh", sa.String(length=300), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement")),
        sa.UniqueConstraint("code", name=op.f("uq_agreement_code")),
    )
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("kept_path", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_run")),
    )
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_run_sha256"), ["sha256"], unique=False)

    op.create_table(
        "licensee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column("name_zh", sa.String(length=300), nullable=True),
        sa.Column("country", sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licensee")),
        sa.UniqueConstraint("registration_id", name=op.f("uq_licensee_registration_id")),
    )
    op.create_table(
        "scheme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=60), nullable=True),
        sa.Column("owner_body", sa.String(length=300), nullable=True),
        sa.Column("gen_member", sa.Boolean(), nullable=False),
        sa.Column("genices_status", sa.String(length=40), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme")),
        sa.UniqueConstraint("code", name=op.f("uq_scheme_code")),
    )
    op.create_table(
        "agreement_party",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreement.id"], name=op.f("fk_agreement_party_agreement_id_agreement")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["scheme.id"], name=op.f("fk_agreement_party_scheme_id_scheme")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "scheme_id", name=op.f("pk_agreement_party")),
    )
    op.create_table(
        "category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("name_zh", sa.String(length=300), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("functional_unit", sa.String(length=40), nullable=True),
        sa.Column("scheme_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["category.id"], name=op.f("fk_category_parent_id_category")),
        sa.ForeignKeyConstraint(["scheme_id"], ["scheme.id"], name=op.f("fk_category_scheme_id_scheme")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category")),
        sa.UniqueConstraint("code", name=op.f("uq_category_code")),
    )
    op.create_table(
        "criterion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("standard_code", sa.String(length=80), nullable=False),
        sa.Column("title_en", sa.String(length=400), nullable=True),
        sa.Column("title_zh", sa.String(length=400), nullable=True),
        sa.Column("version", sa.String(length=40), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["scheme_id"], ["scheme.id"], name=op.f("fk_criterion_scheme_id_scheme")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criterion")),
        sa.UniqueConstraint("scheme_id", "standard_code", name=op.f("uq_criterion_scheme_id")),
    )
    op.create_table(
        "import_reject",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=120), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_run.id"], name=op.f("fk_import_reject_import_run_id_import_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_reject")),
    )
    with op.batch_alter_table("import_reject", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_reject_import_run_id"), ["import_run_id"], unique=False)

    op.create_table(
        "agreement_category",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreement.id"], name=op.f("fk_agreement_category_agreement_id_agreement")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_agreement_category_category_id_category")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "category_id", name=op.f("pk_agreement_category")),
    )
    op.create_table(
        "agreement_criterion",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreement.id"], name=op.f("fk_agreement_criterion_agreement_id_agreement")
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"], ["criterion.id"], name=op.f("fk_agreement_criterion_criterion_id_criterion")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "criterion_id", name=op.f("pk_agreement_criterion")),
    )
    op.create_table(
        "category_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("code_scheme", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("match", sa.String(length=10), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_category_code_category_id_category")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_code")),
        sa.UniqueConstraint("code_scheme", "code", "category_id", name=op.f("uq_category_code_code_scheme")),
    )
    op.create_table(
        "certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("number_key", sa.String(length=80), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("licensee_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_since", sa.Date(), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_certificate_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"], ["criterion.id"], name=op.f("fk_certificate_criterion_id_criterion")
        ),
        sa.ForeignKeyConstraint(
            ["licensee_id"], ["licensee.id"], name=op.f("fk_certificate_licensee_id_licensee")
        ),
        sa.ForeignKeyConstraint(["scheme_id"], ["scheme.id"], name=op.f("fk_certificate_scheme_id_scheme")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
        sa.UniqueConstraint("number_key", name=op.f("uq_certificate_number_key")),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_criterion_id"), ["criterion_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_licensee_id"), ["licensee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_scheme_id"), ["scheme_id"], unique=False)

    op.create_table(
        "criterion_category",
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_criterion_category_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"], ["criterion.id"], name=op.f("fk_criterion_category_criterion_id_criterion")
        ),
        sa.PrimaryKeyConstraint("criterion_id", "category_id", name=op.f("pk_criterion_category")),
    )
    op.create_table(
        "requirement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("parameter", sa.String(length=200), nullable=False),
        sa.Column("operator", sa.String(length=4), nullable=False),
        sa.Column("limit", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["criterion_id"], ["criterion.id"], name=op.f("fk_requirement_criterion_id_criterion")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirement")),
    )
    op.create_table(
        "certificate_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificate.id"],
            name=op.f("fk_certificate_event_certificate_id_certificate"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_event")),
    )
    with op.batch_alter_table("certificate_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_event_certificate_id"), ["certificate_id"], unique=False
        )

    op.create_table(
        "product_model",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("brand_key", sa.String(length=200), nullable=False),
        sa.Column("model_key", sa.String(length=200), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_product_model_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificate.id"], name=op.f("fk_product_model_certificate_id_certificate")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_model")),
        sa.UniqueConstraint(
            "certificate_id", "brand_key", "model_key", name=op.f("uq_product_model_certificate_id")
        ),
    )
    with op.batch_alter_table("product_model", schema=None) as batch_op:
        batch_op.create_index("ix_product_model_brand_model", ["brand_key", "model_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_model_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_model_gtin"), ["gtin"], unique=False)

    _create_search_index()
    _create_audit_triggers()


def downgrade() -> None:
    _drop_dialect_objects()
    with op.batch_alter_table("product_model", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_model_gtin"))
        batch_op.drop_index(batch_op.f("ix_product_model_category_id"))
        batch_op.drop_index("ix_product_model_brand_model")

    op.drop_table("product_model")
    with op.batch_alter_table("certificate_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_event_certificate_id"))

    op.drop_table("certificate_event")
    op.drop_table("requirement")
    op.drop_table("criterion_category")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_scheme_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_licensee_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_criterion_id"))

    op.drop_table("certificate")
    op.drop_table("category_code")
    op.drop_table("agreement_criterion")
    op.drop_table("agreement_category")
    with op.batch_alter_table("import_reject", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_reject_import_run_id"))

    op.drop_table("import_reject")
    op.drop_table("criterion")
    op.drop_table("category")
    op.drop_table("agreement_party")
    op.drop_table("scheme")
    op.drop_table("licensee")
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_run_sha256"))

    op.drop_table("import_run")
    op.drop_table("agreement")


_APPEND_ONLY = "certificate_event is append-only: record a new event instead of changing history"


# (table, id column, indexed columns): products by brand and model; licensees and categories by
# their names in their own small indexes, so the names are not repeated for every product.
SEARCH_TABLES = (
    ("product_search", "product_id", "product_model", ("brand", "model")),
    ("licensee_search", "licensee_id", "licensee", ("names",)),
    ("category_search", "category_id", "category", ("names",)),
)


def _create_search_index() -> None:
    """Catalogue search: FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL.

    Both index the token strings of ``ecoprocure.domain.search_tokens`` (CJK bigrams), so the
    two backends agree on what matches. FTS5 keeps prefix indexes for 2-4 characters, which
    type-ahead queries need (without them a 4-character prefix query is ~100x slower).
    """
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, id_column, parent, columns in SEARCH_TABLES:
        if sqlite:
            op.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5({', '.join(columns)}, "
                "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')"
            )
            continue
        op.create_table(
            table,
            sa.Column(id_column, sa.BigInteger(), sa.ForeignKey(f"{parent}.id"), primary_key=True),
            sa.Column("document", sa.dialects.postgresql.TSVECTOR(), nullable=False),
        )
        op.execute(f"CREATE INDEX ix_{table}_document ON {table} USING gin (document)")


def _create_audit_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER certificate_event_no_{verb.lower()} BEFORE {verb} ON certificate_event "
                f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION certificate_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER certificate_event_append_only BEFORE UPDATE OR DELETE ON certificate_event "
        "FOR EACH ROW EXECUTE FUNCTION certificate_event_append_only()"
    )


def _drop_dialect_objects() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS certificate_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS certificate_event_no_delete")
        for table, *_ in SEARCH_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {table}")
        return
    op.execute("DROP TRIGGER IF EXISTS certificate_event_append_only ON certificate_event")
    op.execute("DROP FUNCTION IF EXISTS certificate_event_append_only()")
    for table, *_ in SEARCH_TABLES:
        op.drop_table(table)
