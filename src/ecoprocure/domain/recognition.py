"""Mutual recognition between ecolabel schemes.

An agreement has parties (schemes) and a scope (categories and/or criteria). Within the scope and
while the agreement is in force, each party accepts the others' certificates: the China–Japan–Korea
common core criteria work this way, one agreement per common core criterion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AgreementTerms:
    code: str
    parties: frozenset[str]
    valid_from: dt.date
    valid_to: dt.date | None
    category_codes: frozenset[str]
    criterion_codes: frozenset[str] = frozenset()

    def in_force_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def covers(self, category_code: str | None, criterion_code: str | None) -> bool:
        return (category_code is not None and category_code in self.category_codes) or (
            criterion_code is not None and criterion_code in self.criterion_codes
        )


@dataclass(frozen=True, slots=True)
class Recognition:
    scheme_code: str
    agreement_code: str


def recognitions(
    agreements: Iterable[AgreementTerms],
    scheme_code: str,
    category_code: str | None,
    criterion_code: str | None,
    as_of: dt.date,
) -> list[Recognition]:
    """Schemes that accept a certificate of ``scheme_code`` on ``as_of``, with the agreement used."""
    found = {
        Recognition(other, agreement.code)
        for agreement in agreements
        if scheme_code in agreement.parties
        and agreement.in_force_on(as_of)
        and agreement.covers(category_code, criterion_code)
        for other in agreement.parties - {scheme_code}
    }
    return sorted(found, key=lambda r: (r.scheme_code, r.agreement_code))


def accepted_by(
    agreements: Iterable[AgreementTerms],
    accepting_scheme: str,
    certificate_scheme: str,
    category_code: str | None,
    criterion_code: str | None,
    as_of: dt.date,
) -> str | None:
    """The agreement under which ``accepting_scheme`` accepts the certificate, or None."""
    if accepting_scheme == certificate_scheme:
        return None
    for found in recognitions(agreements, certificate_scheme, category_code, criterion_code, as_of):
        if found.scheme_code == accepting_scheme:
            return found.agreement_code
    return None
