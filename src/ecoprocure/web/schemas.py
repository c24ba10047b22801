"""Response models of the public API: what ``/openapi.json`` promises for each resource.

One output model per entity (``…Out``); input shapes (``…Create``, ``…Update``) arrive with the
write endpoints of later steps and never mix with these.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from ecoprocure.domain.verification import Verdict

VerdictName = Literal[tuple(v.value for v in Verdict)]  # type: ignore[valid-type]
StatusName = Literal["valid", "suspended", "revoked", "expired", "withdrawn"]


class Links(BaseModel):
    self: str
    first: str
    next: str | None = Field(description="The next page, absent on the last one.")
    prev: str | None = Field(description="The previous page, absent on the first one.")


class PageInfo(BaseModel):
    total: int | None = Field(description="Rows matching the filters (null where counting would be costly).")
    limit: int
    offset: int
    links: Links


# --- verification ---------------------------------------------------------------------------------


class CertificateFactsOut(BaseModel):
    number: str
    scheme_code: str
    scheme_name_en: str
    scheme_name_zh: str | None
    licensee_name_en: str | None
    licensee_name_zh: str | None
    licensee_registration_id: str
    criterion_code: str
    criterion_title: str | None
    category_code: str | None
    category_name_en: str | None
    category_name_zh: str | None
    issued_on: dt.date
    expires_on: dt.date | None = Field(description="Last valid day; null: open-ended.")
    stored_status: StatusName = Field(description="The status stored in the registry (no calendar applied).")
    status_since: dt.date
    status_reason: str | None


class ProductOut(BaseModel):
    brand: str
    model: str
    gtin: str | None
    category: str


class RecognitionOut(BaseModel):
    scheme: str = Field(description="A scheme that recognises the certificate.")
    agreement: str = Field(description="The mutual-recognition agreement under which it does.")


class VerificationOut(BaseModel):
    """The verifier's answer: ``status`` first, then why, and the facts behind it."""

    status: VerdictName = Field(  # type: ignore[valid-type]
        description="valid, suspended, revoked, expired, unknown (not in the registry, or not yet "
        "issued on that date) or invalid-signature (QR text)."
    )
    reason: str = Field(description="The answer in plain words, with dates.")
    as_of: dt.date = Field(description="The date the answer is for.")
    query: dict[str, str] = Field(description="What was asked.")
    certificate: CertificateFactsOut | None = None
    product: ProductOut | None = Field(default=None, description="The product asked about (brand + model).")
    recognised_by: list[RecognitionOut] = Field(default_factory=list)
    other_certificates: list[str] = Field(
        default_factory=list, description="Other certificates covering the same brand + model."
    )


# --- catalogue ------------------------------------------------------------------------------------


class SearchHitOut(BaseModel):
    product_id: int
    brand: str
    model: str
    certificate: str
    scheme: str
    licensee_en: str | None
    licensee_zh: str | None
    category: str
    category_en: str
    category_zh: str | None
    status: StatusName = Field(description="The certificate's status today.")
    score: float = Field(description="Relevance; higher is better.")


class SearchPage(PageInfo):
    query: str
    items: list[SearchHitOut]


# --- reference ------------------------------------------------------------------------------------


class SchemeOut(BaseModel):
    code: str
    name_en: str
    name_zh: str | None
    country: str | None
    owner_body: str | None
    gen_member: bool = Field(description="Member of the Global Ecolabelling Network.")
    genices_status: str | None
    website: str | None
    source: str


class SchemePage(PageInfo):
    items: list[SchemeOut]


class CategoryOut(BaseModel):
    code: str
    name_en: str
    name_zh: str | None
    parent: str | None = Field(description="The parent category's code.")
    functional_unit: str | None
    scheme: str | None = Field(description="Set for categories only one scheme uses.")
    source: str


class CategoryPage(PageInfo):
    items: list[CategoryOut]


class RequirementOut(BaseModel):
    parameter: str
    operator: str
    limit: float | str
    unit: str
    source: str


class CriterionOut(BaseModel):
    scheme: str
    code: str = Field(description="The standard's code, e.g. HJ 2536-2014.")
    title_en: str | None
    title_zh: str | None
    version: str | None
    effective_from: dt.date
    withdrawn_on: dt.date | None
    source: str
    categories: list[str]
    requirements: list[RequirementOut]


class CriterionPage(PageInfo):
    items: list[CriterionOut]


# --- certificates ---------------------------------------------------------------------------------


class CertificateSummaryOut(BaseModel):
    number: str
    scheme: str
    licensee_registration_id: str
    licensee_name_en: str | None
    licensee_name_zh: str | None
    criterion: str
    category: str | None
    issued_on: dt.date
    expires_on: dt.date | None
    status: StatusName = Field(description="The status today (the calendar applied).")
    stored_status: StatusName
    status_since: dt.date
    status_reason: str | None


class CertificatePage(PageInfo):
    items: list[CertificateSummaryOut]


class ProductPage(PageInfo):
    certificate: str
    items: list[ProductOut]


class CertificateOut(VerificationOut):
    """A certificate: today's verification answer plus the first product models it covers."""

    products: list[ProductOut] = Field(description="The first 100 product models (all: …/products).")
    product_count: int


class EventOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    effective_on: dt.date
    recorded_at: dt.datetime
    reason: str | None
    details: dict[str, Any] | None


class HistoryOut(BaseModel):
    certificate: str
    events: list[EventOut] = Field(description="Every lifecycle action, oldest first (the audit log).")


# --- statistics and procurement -------------------------------------------------------------------


class SchemeYearOut(BaseModel):
    scheme: str
    year: int
    criteria: int
    licensees: int
    certificates: int
    categories: int
    product_models: int
    growth_percent: dict[str, float | None] = Field(description="Growth against the year before, %.")
    arithmetic: list[str] = Field(description="Each growth figure's arithmetic.")


class StatisticsOut(BaseModel):
    year: int
    as_of: dt.date = Field(description="31 December of the year: the day the counts are taken.")
    schemes: list[SchemeYearOut]


class IndicatorsOut(BaseModel):
    by: list[str]
    reporting_currency: str
    rows: list[dict[str, Any]] = Field(description="One row per group: spend, green spend, shares …")
    coverage: dict[str, Any]
    issues: list[dict[str, Any]]
    compliance_list: str | None
    compliance: list[dict[str, Any]]


class BenefitsOut(BaseModel):
    by: list[str]
    factor_set: str
    factor_set_version: str
    period: str
    rows: list[dict[str, Any]]
    coverage: dict[str, Any]
    factors: list[dict[str, Any]] = Field(description="Every factor applied, with its trace to sources.")
    monte_carlo_draws: int


class HealthOut(BaseModel):
    status: Literal["ok"]
