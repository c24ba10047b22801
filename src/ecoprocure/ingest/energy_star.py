"""Importer for ENERGY STAR certified-product exports (any product list).

Every ENERGY STAR list shares core columns: ``ENERGY STAR Unique ID``, ``ENERGY STAR Partner``,
``Brand Name``, ``Model Number`` (or ``Model Name``) and a certification date (``Date Certified``
or ``Date Qualified``, MM/DD/YYYY). Each row becomes a licensee (the partner), a certificate
(``ES-<unique id>``, open-ended: listings carry no expiry) and a product model whose other
non-empty columns are kept as measured attributes. The product list (from the file name) and the
``Type`` column map to ecoprocure categories through ``reference/data/energy_star_categories.csv``;
types the taxonomy lacks get a scheme-specific category, reported in the notes, never rejected.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, insert, select

from ecoprocure.domain.lifecycle import CriterionTerms
from ecoprocure.errors import DataError
from ecoprocure.ingest.fields import FieldError, parse_date
from ecoprocure.ingest.registry_rows import CriterionRef, RegistryIndex
from ecoprocure.ingest.tabular import Row, clean_header, read_rows
from ecoprocure.reference import DATA_DIR
from ecoprocure.store.models import Category, Criterion, criterion_category

SCHEME = "ENERGY-STAR"
CORE = ("energy_star_unique_id", "energy_star_partner", "brand_name")
MODEL_COLUMNS = ("model_number", "model_name")
DATE_COLUMNS = ("date_certified", "date_qualified")
# ENERGY STAR began in 1992 (US EPA, "ENERGY STAR history", energystar.gov/about/history); listings
# carry no criterion dates, so a product list's criterion is taken as in force from then on.
PROGRAMME_START = dt.date(1992, 6, 1)
PROGRAMME_SOURCE = "US EPA ENERGY STAR programme, launched 1992 (energystar.gov/about/history)"
_USED = {*CORE, *MODEL_COLUMNS, *DATE_COLUMNS, "type"}


def _header(path: Path) -> set[str]:
    try:
        if path.suffix.lower() == ".xlsx":
            return set(next(iter(read_rows(path)), Row(0, {})).values)
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            return {clean_header(h) for h in next(csv.reader(fh), [])}
    except (OSError, DataError):
        return set()


def looks_like(path: Path) -> bool:
    if path.suffix.lower() not in {".csv", ".xlsx"}:
        return False
    return set(CORE) <= _header(path)


def product_list(path: Path) -> str:
    """'ENERGY_STAR_Certified__Light_Bulbs_Version_2.0.csv' -> 'light-bulbs-version-2-0'."""
    stem = re.sub(r"(?i)^energy[_ ]star[_ ]certified[_ ]*", "", path.stem)
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "products"


@cache
def _category_map() -> dict[tuple[str, str], str]:
    with (DATA_DIR / "energy_star_categories.csv").open(encoding="utf-8") as fh:
        return {(r["product_list"], r["product_type"]): r["category_code"] for r in csv.DictReader(fh)}


def _mapped_category(listing: str, product_type: str) -> str | None:
    mapping = _category_map()
    for (prefix, kind), code in mapping.items():
        if listing.startswith(prefix) and kind in ("", product_type.lower()):
            return code
    return None


class _Registry:
    """Creates the scheme-specific categories and per-list criterion an export needs."""

    def __init__(self, conn: Connection, index: RegistryIndex, listing: str, notes: list[str]) -> None:
        if SCHEME not in index.schemes:
            raise DataError(f"scheme {SCHEME} is not in the registry; run `ecoprocure reference load` first")
        self.conn, self.index, self.listing, self.notes = conn, index, listing, notes
        self.code = f"ENERGY STAR {listing.replace('-', ' ').title()}"
        self.criterion = self._criterion()
        self.covered: set[str] = set(self.criterion.terms.category_codes)

    def _criterion(self) -> CriterionRef:
        key = (SCHEME, self.code.upper())
        if key not in self.index.criteria:
            cid = self.conn.execute(
                insert(Criterion).returning(Criterion.id),
                {
                    "scheme_id": self.index.schemes[SCHEME],
                    "standard_code": self.code,
                    "title_en": f"ENERGY STAR product specification: {self.listing}",
                    "effective_from": PROGRAMME_START,
                    "source": PROGRAMME_SOURCE,
                },
            ).scalar_one()
            self.index.criteria[key] = CriterionRef(
                cid, SCHEME, CriterionTerms(self.code, PROGRAMME_START, None, frozenset())
            )
            self.notes.append(f"created criterion {self.code!r} for this product list")
        return self.index.criteria[key]

    def category_for(self, product_type: str) -> str:
        code = _mapped_category(self.listing, product_type)
        if code is None or code not in self.index.categories:
            slug = re.sub(r"[^a-z0-9]+", "-", product_type.lower()).strip("-")
            code = f"energy-star.{self.listing}" + (f".{slug}" if slug else "")
            if code not in self.index.categories:
                self._create_category(code, product_type)
        if code not in self.covered:
            self._cover(code)
        return code

    def _create_category(self, code: str, product_type: str) -> None:
        name = f"ENERGY STAR {self.listing.replace('-', ' ')}" + (f": {product_type}" if product_type else "")
        self.index.categories[code] = self.conn.execute(
            insert(Category).returning(Category.id),
            {
                "code": code,
                "name_en": name,
                "scheme_id": self.index.schemes[SCHEME],
                "source": f"ENERGY STAR export product type {product_type!r}; not in the ecoprocure taxonomy",
            },
        ).scalar_one()
        self.notes.append(
            f"product type {product_type or self.listing!r} is not in the taxonomy: "
            f"imported under scheme-specific category {code}"
        )

    def _cover(self, code: str) -> None:
        exists = self.conn.execute(
            select(criterion_category).where(
                criterion_category.c.criterion_id == self.criterion.id,
                criterion_category.c.category_id == self.index.categories[code],
            )
        ).first()
        if exists is None:
            self.conn.execute(
                insert(criterion_category),
                {"criterion_id": self.criterion.id, "category_id": self.index.categories[code]},
            )
        self.covered.add(code)
        terms = self.criterion.terms
        self.criterion = CriterionRef(
            self.criterion.id,
            SCHEME,
            CriterionTerms(
                terms.standard_code, terms.effective_from, terms.withdrawn_on, frozenset(self.covered)
            ),
        )
        self.index.criteria[(SCHEME, self.code.upper())] = self.criterion
        for number_key, ref in list(self.index.certificates.items()):
            if ref.criterion.id == self.criterion.id:
                self.index.certificates[number_key] = type(ref)(
                    ref.id, ref.number, self.criterion, ref.category_code
                )


# The file's own column names, so a reject names what the user sees in their export.
FIELD_NAMES = {
    "number": "ENERGY STAR Unique ID",
    "licensee_registration_id": "ENERGY STAR Partner",
    "name_en": "ENERGY STAR Partner",
    "registration_id": "ENERGY STAR Partner",
    "brand": "Brand Name",
    "model": "Model Number",
    "issued_on": "Date Certified",
    "certificate_number": "ENERGY STAR Unique ID",
}


def field_names(path: Path) -> dict[str, str]:
    """FIELD_NAMES with the date column this export has: some lists say "Date Qualified"."""
    header = _header(path)
    date_column = next((c for c in DATE_COLUMNS if c in header), DATE_COLUMNS[0])
    return {**FIELD_NAMES, "issued_on": date_column.replace("_", " ").title()}


def template_rows(
    path: Path,
    conn: Connection,
    index: RegistryIndex,
    notes: list[str],
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[str, Row]]:
    """Yield (template kind, row) triples — licensee, certificate, model — for each export row."""
    registry = _Registry(conn, index, product_list(path), notes)
    rows = read_rows(path, progress=progress)
    for row in rows:
        values = row.values
        missing = [c for c in CORE if c not in values]
        if missing:
            raise DataError(f"{path.name}: not an ENERGY STAR export, missing column(s) {', '.join(missing)}")
        yield from _one(row, registry)


def _one(row: Row, registry: _Registry) -> Iterator[tuple[str, Row]]:
    values = row.values
    partner = values["energy_star_partner"].strip()
    unique_id = values["energy_star_unique_id"].strip()
    number = f"ES-{unique_id}" if unique_id else ""
    registration = f"ES:{partner}" if partner else ""
    date_text = next((values[c] for c in DATE_COLUMNS if values.get(c, "").strip()), "")
    try:
        issued = parse_date("issued_on", date_text, us_order=True).isoformat()
    except FieldError:
        issued = date_text  # validation reports it with the file's column name
    model = next((values[c].strip() for c in MODEL_COLUMNS if values.get(c, "").strip()), "")
    category = registry.category_for(values.get("type", "").strip())
    attributes = {k: v.strip() for k, v in values.items() if k not in _USED and v and v.strip()}
    yield "licensees", Row(row.number, {"registration_id": registration, "name_en": partner})
    yield (
        "certificates",
        Row(
            row.number,
            {
                "number": number,
                "scheme": SCHEME,
                "licensee_registration_id": registration,
                "criterion": registry.code,
                "issued_on": issued,
                "category": category,
            },
        ),
    )
    yield (
        "models",
        Row(
            row.number,
            {
                "certificate_number": number,
                "brand": values.get("brand_name", ""),
                "model": model,
                "category": category,
                **{f"attr.{k}": v for k, v in attributes.items()},
            },
        ),
    )
