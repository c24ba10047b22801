"""Registry import templates and the validation of their rows into typed records.

Each template names its required and optional columns (documented in docs/import-templates.md;
a test keeps the two in step). Validation is pure: it checks a row against a snapshot of the
registry (``RegistryIndex``) and returns a record or raises ``FieldError`` naming the column.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ecoprocure.domain.lifecycle import CriterionTerms, Status, check_issue, check_products_covered
from ecoprocure.domain.search_tokens import brand_tokens, index_tokens
from ecoprocure.domain.text import certificate_key, clean_text, key_of_clean
from ecoprocure.errors import DataError, LifecycleError
from ecoprocure.ingest.fields import (
    FieldError,
    numeric_or_text,
    optional_date,
    parse_attributes,
    parse_date,
    parse_gtin,
    required,
)


@dataclass(frozen=True)
class Template:
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    description: str


TEMPLATES = {
    "licensees": Template(
        "licensees",
        ("registration_id",),
        ("name_en", "name_zh", "country"),
        "Companies holding certificates; at least one of name_en / name_zh.",
    ),
    "certificates": Template(
        "certificates",
        ("number", "scheme", "licensee_registration_id", "criterion", "issued_on"),
        ("expires_on", "category", "status", "status_since", "status_reason"),
        "Certificates; the licensee, scheme and criterion must exist.",
    ),
    "models": Template(
        "models",
        ("certificate_number", "brand", "model"),
        ("gtin", "category", "attributes"),
        "Certified product models; extra columns named attr.NAME become measured attributes.",
    ),
}


def detect_kind(columns: set[str]) -> str:
    """The template whose required columns the header has (models before certificates)."""
    order = ("models", "certificates", "licensees")
    for kind in order:
        if set(TEMPLATES[kind].required) <= columns:
            return kind
    # Name the missing columns of the template the header comes closest to.
    closest = max(order, key=lambda k: len(set(TEMPLATES[k].required) & columns))
    if set(TEMPLATES[closest].required) & columns:
        missing = ", ".join(missing_columns(closest, columns))
        raise DataError(
            f"missing column(s) {missing} for the {closest} template (see docs/import-templates.md)"
        )
    raise DataError(
        "the header matches no import template; expected one of: "
        + "; ".join(f"{t.kind}: {', '.join(t.required)}" for t in TEMPLATES.values())
    )


def missing_columns(kind: str, columns: set[str]) -> list[str]:
    return [c for c in TEMPLATES[kind].required if c not in columns]


@dataclass(frozen=True)
class CriterionRef:
    id: int
    scheme_code: str
    terms: CriterionTerms


@dataclass(frozen=True)
class CertificateRef:
    id: int
    number: str
    criterion: CriterionRef
    category_code: str | None


@dataclass
class RegistryIndex:
    """What validation needs to know of the registry, loaded once per import."""

    schemes: dict[str, int]
    categories: dict[str, int]
    criteria: dict[tuple[str, str], CriterionRef]
    licensees: dict[str, int]
    certificates: dict[str, CertificateRef] = field(default_factory=dict)
    number_keys: dict[str, str] = field(default_factory=dict)  # raw certificate number -> key (memo)


@dataclass(frozen=True)
class LicenseeRecord:
    registration_id: str
    name_en: str | None
    name_zh: str | None
    country: str | None


@dataclass(frozen=True)
class CertificateRecord:
    number: str
    number_key: str
    scheme_id: int
    licensee_id: int
    criterion_id: int
    category_id: int | None
    issued_on: dt.date
    expires_on: dt.date | None
    status: Status
    status_since: dt.date
    status_reason: str | None


class ModelRecord(NamedTuple):
    """A validated product model. A tuple, because millions cross a process boundary (cheap to
    pickle); it carries its search tokens so the reading process, not the writer, makes them."""

    certificate_id: int
    brand: str
    model: str
    brand_key: str
    model_key: str
    gtin: str | None
    category_id: int
    attributes: dict[str, Any] | None
    brand_tokens: str
    model_tokens: str


def _optional(values: dict[str, str], name: str) -> str | None:
    text = clean_text(values.get(name) or "")
    return text or None


def validate_licensee(values: dict[str, str]) -> LicenseeRecord:
    registration_id = clean_text(required(values, "registration_id"))
    name_en, name_zh = _optional(values, "name_en"), _optional(values, "name_zh")
    if not (name_en or name_zh):
        raise FieldError("name_en", "", "a licensee needs name_en or name_zh")
    return LicenseeRecord(registration_id, name_en, name_zh, _optional(values, "country"))


def validate_certificate(
    values: dict[str, str], index: RegistryIndex, *, us_dates: bool = False
) -> CertificateRecord:
    """``us_dates``: the file writes dates MM/DD/YYYY (ENERGY STAR exports), so errors say so."""
    number = clean_text(required(values, "number"))
    scheme = required(values, "scheme").upper()
    if scheme not in index.schemes:
        raise FieldError(
            "scheme", scheme, f"unknown scheme {scheme!r}; known: {', '.join(sorted(index.schemes))}"
        )
    registration = clean_text(required(values, "licensee_registration_id"))
    licensee_id = index.licensees.get(registration)
    if licensee_id is None:
        raise FieldError(
            "licensee_registration_id",
            registration,
            f"licensee {registration!r} does not exist; import it first (licensees template)",
        )
    criterion = _criterion(index, scheme, required(values, "criterion"))
    category_code = _certificate_category(values, criterion)
    issued = parse_date("issued_on", values["issued_on"], us_order=us_dates)
    expires = optional_date("expires_on", values.get("expires_on"), us_order=us_dates)
    try:
        check_issue(number, issued, expires, criterion.terms, [category_code] if category_code else [])
    except LifecycleError as exc:
        rule_field = _rule_field(str(exc))
        raise FieldError(rule_field, values.get(rule_field) or "", str(exc)) from None
    status = _status(values)
    since = optional_date("status_since", values.get("status_since"), us_order=us_dates) or issued
    return CertificateRecord(
        number,
        certificate_key(number),
        index.schemes[scheme],
        licensee_id,
        criterion.id,
        index.categories[category_code] if category_code else None,
        issued,
        expires,
        status,
        since,
        _optional(values, "status_reason"),
    )


def _rule_field(message: str) -> str:
    if "criterion" in message and "in force" in message:
        return "criterion"
    if "category" in message:
        return "category"
    return "expires_on"


def _criterion(index: RegistryIndex, scheme: str, code: str) -> CriterionRef:
    ref = index.criteria.get((scheme, clean_text(code).upper()))
    if ref is None:
        raise FieldError("criterion", code, f"scheme {scheme} has no criterion {code!r}")
    return ref


def _certificate_category(values: dict[str, str], criterion: CriterionRef) -> str | None:
    code = _optional(values, "category")
    if code is None:
        covered = criterion.terms.category_codes
        return next(iter(covered)) if len(covered) == 1 else None
    if code not in criterion.terms.category_codes:
        raise FieldError(
            "category",
            code,
            f"category {code!r} is not covered by criterion "
            f"{criterion.terms.standard_code} ({', '.join(sorted(criterion.terms.category_codes))})",
        )
    return code


def _status(values: dict[str, str]) -> Status:
    text = (values.get("status") or "valid").strip().lower()
    try:
        return Status(text)
    except ValueError:
        raise FieldError(
            "status", text, f"unknown status {text!r}; use {', '.join(s.value for s in Status)}"
        ) from None


def _certificate_of(index: RegistryIndex, number: str) -> CertificateRef | None:
    # Models arrive grouped by certificate: remember the raw spelling to skip re-normalising it.
    key = index.number_keys.get(number)
    if key is None:
        key = index.number_keys[number] = certificate_key(number)
    return index.certificates.get(key)


def validate_model(values: dict[str, str], index: RegistryIndex) -> ModelRecord:
    number = required(values, "certificate_number")
    certificate = _certificate_of(index, number)
    if certificate is None:
        raise FieldError("certificate_number", number, f"certificate {number!r} does not exist")
    brand, model = clean_text(required(values, "brand")), clean_text(required(values, "model"))
    category_code = _optional(values, "category") or certificate.category_code
    if category_code is None:
        raise FieldError(
            "category", "", f"certificate {certificate.number} covers several categories; name one"
        )
    category_id = index.categories.get(category_code)
    if category_id is None:
        raise FieldError("category", category_code, f"unknown category {category_code!r}")
    if category_code not in certificate.criterion.terms.category_codes:
        try:
            check_products_covered(certificate.number, certificate.criterion.terms, [category_code])
        except LifecycleError as exc:
            raise FieldError("category", category_code, str(exc)) from None
    attributes = parse_attributes("attributes", values.get("attributes") or "")
    for name, value in values.items():
        if name.startswith("attr.") and value.strip():
            attributes[name[5:]] = numeric_or_text(value.strip())
    return ModelRecord(
        certificate.id,
        brand,
        model,
        key_of_clean(brand),
        key_of_clean(model),
        parse_gtin("gtin", values.get("gtin") or ""),
        category_id,
        attributes or None,
        brand_tokens(brand),
        index_tokens(model),
    )
