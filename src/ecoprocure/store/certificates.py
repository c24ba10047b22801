"""Record-by-record registry operations: issue a certificate, apply lifecycle actions, sign.

The rules live in ``domain.lifecycle``; this module loads the facts they need, applies the
outcome and appends the audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoprocure.domain.lifecycle import (
    Action,
    CriterionTerms,
    Status,
    Transition,
    check_issue,
    check_transition,
)
from ecoprocure.domain.signing import CertificatePayload
from ecoprocure.domain.text import certificate_key, clean_text
from ecoprocure.errors import LifecycleError, NotFound
from ecoprocure.store.accounts import record
from ecoprocure.store.models import (
    AuditEntry,
    Category,
    Certificate,
    CertificateEvent,
    Criterion,
    Licensee,
    Scheme,
)


def criterion_terms(criterion: Criterion) -> CriterionTerms:
    return CriterionTerms(
        criterion.standard_code,
        criterion.effective_from,
        criterion.withdrawn_on,
        frozenset(c.code for c in criterion.categories),
    )


def get_certificate(session: Session, number: str) -> Certificate:
    found = session.scalars(
        select(Certificate).where(Certificate.number_key == certificate_key(number))
    ).first()
    if found is None:
        raise NotFound(f"no certificate numbered {number!r}")
    return found


def _record(
    session: Session,
    certificate: Certificate,
    transition: Transition,
    actor: str,
    reason: str | None,
    details: dict[str, object] | None = None,
) -> None:
    session.add(
        CertificateEvent(
            certificate_id=certificate.id,
            action=transition.action.value,
            from_status=transition.from_status.value if transition.from_status else None,
            to_status=transition.to_status.value,
            effective_on=transition.effective_on,
            recorded_at=dt.datetime.now(dt.UTC),
            actor=actor,
            reason=reason,
            details=details,
        )
    )


def issue_certificate(
    session: Session,
    *,
    number: str,
    scheme: str,
    licensee_registration_id: str,
    criterion: str,
    issued_on: dt.date,
    expires_on: dt.date | None,
    category: str | None = None,
    actor: str,
    reason: str | None = None,
) -> Certificate:
    scheme_row = session.scalars(select(Scheme).where(Scheme.code == scheme)).first()
    if scheme_row is None:
        raise NotFound(f"unknown scheme {scheme!r}")
    if session.scalars(
        select(Certificate.id).where(Certificate.number_key == certificate_key(number))
    ).first():
        raise LifecycleError(f"certificate {number} already exists")
    licensee = session.scalars(
        select(Licensee).where(Licensee.registration_id == licensee_registration_id)
    ).first()
    if licensee is None:
        raise NotFound(f"unknown licensee {licensee_registration_id!r}")
    crit = session.scalars(
        select(Criterion).where(Criterion.scheme_id == scheme_row.id, Criterion.standard_code == criterion)
    ).first()
    if crit is None:
        raise NotFound(f"scheme {scheme} has no criterion {criterion!r}")
    terms = criterion_terms(crit)
    if category is None and len(terms.category_codes) == 1:
        category = next(iter(terms.category_codes))
    transition = check_issue(number, issued_on, expires_on, terms, [category] if category else [])
    category_row = (
        session.scalars(select(Category).where(Category.code == category)).first() if category else None
    )
    cert = Certificate(
        number=clean_text(number),
        number_key=certificate_key(number),
        scheme_id=scheme_row.id,
        licensee_id=licensee.id,
        criterion_id=crit.id,
        category_id=category_row.id if category_row else None,
        issued_on=issued_on,
        expires_on=expires_on,
        status=Status.VALID.value,
        status_since=issued_on,
    )
    session.add(cert)
    session.flush()
    _record(session, cert, transition, actor, reason)
    return cert


def apply_action(
    session: Session,
    number: str,
    action: Action,
    *,
    actor: str,
    reason: str | None = None,
    effective_on: dt.date | None = None,
    new_expires_on: dt.date | None = None,
) -> Certificate:
    """Suspend, reinstate, revoke, expire or renew one certificate (``reason`` required for most)."""
    cert = get_certificate(session, number)
    day = effective_on or dt.date.today()
    if action in (Action.SUSPEND, Action.REVOKE, Action.WITHDRAW_CRITERION) and not reason:
        raise LifecycleError(f"certificate {cert.number}: {action} needs a reason")
    transition = check_transition(
        cert.number,
        action,
        Status(cert.status),
        cert.expires_on,
        day,
        issued_on=cert.issued_on,
        new_expires_on=new_expires_on,
        criterion=criterion_terms(cert.criterion),
        status_since=cert.status_since,
    )
    details = (
        {
            "previous_expires_on": cert.expires_on.isoformat() if cert.expires_on else None,
            "expires_on": new_expires_on.isoformat(),
        }
        if action is Action.RENEW and new_expires_on
        else None
    )
    cert.status, cert.status_since, cert.status_reason = transition.to_status.value, day, reason
    cert.expires_on = transition.expires_on
    _record(session, cert, transition, actor, reason, details)
    return cert


@dataclass(frozen=True)
class ActionDone:
    certificate: Certificate
    from_status: str
    audit: AuditEntry


def perform_action(
    session: Session,
    number: str,
    action: Action,
    *,
    actor: str,
    reason: str | None = None,
    effective_on: dt.date | None = None,
    new_expires_on: dt.date | None = None,
    details: dict[str, Any] | None = None,
) -> ActionDone:
    """:func:`apply_action` plus its row in the audit log, in the same transaction: what the CLI's
    ``certificate suspend|…`` commands and the API's lifecycle route both call."""
    before = get_certificate(session, number).status
    day = effective_on or dt.date.today()
    cert = apply_action(
        session, number, action, actor=actor, reason=reason, effective_on=day, new_expires_on=new_expires_on
    )
    entry = record(
        session,
        actor=actor,
        action=f"certificate.{action.value}",
        target=f"certificate:{cert.number}",
        details={
            "from_status": before,
            "to_status": cert.status,
            "effective_on": day.isoformat(),
            "reason": reason,
            "expires_on": cert.expires_on.isoformat() if cert.expires_on else None,
            **(details or {}),
        },
    )
    return ActionDone(cert, before, entry)


def withdraw_criterion(
    session: Session,
    scheme: str,
    standard_code: str,
    withdrawn_on: dt.date,
    *,
    actor: str,
    reason: str,
    details: dict[str, Any] | None = None,
) -> Sequence[str]:
    """Mark a criterion withdrawn and end every valid or suspended certificate under it, with one
    row in the audit log (the certificates it ended; each also gets its certificate event), in the
    same transaction: what ``ecoprocure criterion withdraw`` and the API's withdraw route call."""
    crit = session.scalars(
        select(Criterion).join(Scheme).where(Scheme.code == scheme, Criterion.standard_code == standard_code)
    ).first()
    if crit is None:
        raise NotFound(f"scheme {scheme} has no criterion {standard_code!r}")
    if crit.withdrawn_on is not None:
        raise LifecycleError(f"criterion {standard_code} was already withdrawn on {crit.withdrawn_on}")
    crit.withdrawn_on = withdrawn_on
    ended = []
    for cert in session.scalars(
        select(Certificate).where(
            Certificate.criterion_id == crit.id,
            Certificate.status.in_([Status.VALID.value, Status.SUSPENDED.value]),
        )
    ):
        try:
            # A certificate whose state changed after the withdrawal date ends on that change's day.
            apply_action(
                session,
                cert.number,
                Action.WITHDRAW_CRITERION,
                actor=actor,
                reason=reason,
                effective_on=max(withdrawn_on, cert.status_since),
            )
        except LifecycleError:
            continue  # already expired by date on the withdrawal day: nothing to end
        ended.append(cert.number)
    record(
        session,
        actor=actor,
        action="criterion.withdraw",
        target=f"criterion:{scheme}:{standard_code}",
        details={
            "withdrawn_on": withdrawn_on.isoformat(),
            "reason": reason,
            "certificates_ended": ended,
            **(details or {}),
        },
    )
    return ended


def history(session: Session, number: str) -> list[CertificateEvent]:
    cert = get_certificate(session, number)
    return list(
        session.scalars(
            select(CertificateEvent)
            .where(CertificateEvent.certificate_id == cert.id)
            .order_by(CertificateEvent.id)
        )
    )


def certificate_payload(session: Session, number: str) -> CertificatePayload:
    cert = get_certificate(session, number)
    return CertificatePayload(
        scheme=cert.scheme.code,
        number=cert.number,
        licensee=cert.licensee.registration_id,
        licensee_name=cert.licensee.name_zh or cert.licensee.name_en or "",
        criterion=cert.criterion.standard_code,
        category=cert.category.code if cert.category else "",
        issued=cert.issued_on,
        expires=cert.expires_on,
    )
