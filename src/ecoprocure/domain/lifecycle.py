"""Certificate lifecycle: the states, the allowed transitions and the issuance rules.

The lifecycle is a small state machine::

    issue ──► valid ──suspend──► suspended ──reinstate──► valid
                │  ◄──renew──┐        │
                ├──revoke────┼────────┴──revoke──► revoked        (final)
                ├──expire────┘ ──────────────────► expired  ──renew──► valid
                └──withdraw-criterion────────────► withdrawn      (final)

``expired`` is also reached by the calendar: a certificate whose expiry date has passed is
expired whatever its stored state says (see ``effective_status``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ecoprocure.errors import LifecycleError


class Status(StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    ISSUE = "issue"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"
    EXPIRE = "expire"
    RENEW = "renew"
    WITHDRAW_CRITERION = "withdraw-criterion"


# Which states each action may start from, and where it leads.
_TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.SUSPEND: (frozenset({Status.VALID}), Status.SUSPENDED),
    Action.REINSTATE: (frozenset({Status.SUSPENDED}), Status.VALID),
    Action.REVOKE: (frozenset({Status.VALID, Status.SUSPENDED}), Status.REVOKED),
    Action.EXPIRE: (frozenset({Status.VALID, Status.SUSPENDED}), Status.EXPIRED),
    Action.RENEW: (frozenset({Status.VALID, Status.EXPIRED}), Status.VALID),
    Action.WITHDRAW_CRITERION: (frozenset({Status.VALID, Status.SUSPENDED}), Status.WITHDRAWN),
}

FINAL_STATES = frozenset({Status.REVOKED, Status.WITHDRAWN})


@dataclass(frozen=True)
class CriterionTerms:
    """What the rules need to know about a criterion."""

    standard_code: str
    effective_from: dt.date
    withdrawn_on: dt.date | None
    category_codes: frozenset[str]

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.withdrawn_on is None or day < self.withdrawn_on)


@dataclass(frozen=True)
class Transition:
    """The outcome of an allowed action, ready to be stored and written to the audit log."""

    action: Action
    from_status: Status | None
    to_status: Status
    effective_on: dt.date
    expires_on: dt.date | None


def effective_status(stored: Status, expires_on: dt.date | None, as_of: dt.date) -> Status:
    """The state a certificate is in on ``as_of``: the calendar expires valid and suspended ones.

    ``expires_on`` is the last day of validity; None means open-ended (e.g. ENERGY STAR listings).
    """
    if stored in (Status.VALID, Status.SUSPENDED) and expires_on is not None and as_of > expires_on:
        return Status.EXPIRED
    return stored


def check_issue(
    number: str,
    issued_on: dt.date,
    expires_on: dt.date | None,
    criterion: CriterionTerms,
    product_categories: Iterable[str] = (),
) -> Transition:
    """Validate a new certificate; raise ``LifecycleError`` naming the broken rule."""
    if expires_on is not None and expires_on <= issued_on:
        raise LifecycleError(
            f"certificate {number}: expiry date {expires_on} must be after issue date {issued_on}"
        )
    if not criterion.in_force_on(issued_on):
        window = f"in force from {criterion.effective_from}" + (
            f" until {criterion.withdrawn_on}" if criterion.withdrawn_on else ""
        )
        raise LifecycleError(
            f"certificate {number}: criterion {criterion.standard_code} is not in force on the issue "
            f"date {issued_on} ({window})"
        )
    check_products_covered(number, criterion, product_categories)
    return Transition(Action.ISSUE, None, Status.VALID, issued_on, expires_on)


def check_products_covered(number: str, criterion: CriterionTerms, product_categories: Iterable[str]) -> None:
    """A certificate may only cover products in categories its criterion covers."""
    outside = sorted(set(product_categories) - criterion.category_codes)
    if outside:
        raise LifecycleError(
            f"certificate {number}: product category {', '.join(outside)} is not covered by criterion "
            f"{criterion.standard_code} (covers: {', '.join(sorted(criterion.category_codes)) or 'nothing'})"
        )


def check_transition(
    number: str,
    action: Action,
    stored: Status,
    expires_on: dt.date | None,
    effective_on: dt.date,
    *,
    issued_on: dt.date | None = None,
    new_expires_on: dt.date | None = None,
    criterion: CriterionTerms | None = None,
    status_since: dt.date | None = None,
) -> Transition:
    """Validate ``action`` on a certificate now in ``stored`` state; return the transition.

    ``status_since`` is the day the stored state began: an action may not take effect before it,
    or the audit log (read by effective date) would disagree with the stored state.
    """
    if action is Action.ISSUE:
        raise LifecycleError(f"certificate {number}: already issued; use renew to extend it")
    current = effective_status(stored, expires_on, effective_on)
    allowed_from, target = _TRANSITIONS[action]
    if current not in allowed_from:
        raise LifecycleError(_refusal(number, action, current, allowed_from))
    if issued_on is not None and effective_on < issued_on:
        raise LifecycleError(
            f"certificate {number}: cannot {action} on {effective_on}, before its issue date {issued_on}"
        )
    if status_since is not None and effective_on < status_since:
        raise LifecycleError(
            f"certificate {number}: cannot {action} on {effective_on}, before its current state "
            f"({stored}) began on {status_since}"
        )
    expires = expires_on
    if action is Action.RENEW:
        expires = _check_renewal(number, expires_on, effective_on, new_expires_on, criterion)
    # The log records the state the certificate was really in (a calendar expiry included).
    return Transition(action, current, target, effective_on, expires)


def _check_renewal(
    number: str,
    expires_on: dt.date | None,
    effective_on: dt.date,
    new_expires_on: dt.date | None,
    criterion: CriterionTerms | None,
) -> dt.date:
    if new_expires_on is None:
        raise LifecycleError(f"certificate {number}: renew needs a new expiry date")
    if new_expires_on <= max(expires_on or effective_on, effective_on):
        raise LifecycleError(
            f"certificate {number}: new expiry date {new_expires_on} must be after the current expiry "
            f"{expires_on} and the renewal date {effective_on}"
        )
    if criterion is not None and not criterion.in_force_on(effective_on):
        raise LifecycleError(
            f"certificate {number}: cannot renew under criterion {criterion.standard_code}, which is not "
            f"in force on {effective_on}"
        )
    return new_expires_on


def _refusal(number: str, action: Action, current: Status, allowed_from: frozenset[Status]) -> str:
    allowed = " or ".join(sorted(allowed_from))
    hint = " (a final state: issue a new certificate instead)" if current in FINAL_STATES else ""
    article = "an" if current.value[0] in "aeiou" else "a"
    return (
        f"certificate {number}: cannot {action} {article} {current} certificate{hint}; "
        f"{action} needs {allowed}"
    )


@dataclass(frozen=True)
class StatusChange:
    """One entry of a certificate's history, as the audit log records it."""

    effective_on: dt.date
    to_status: Status
    reason: str | None


def status_on(history: Iterable[StatusChange], as_of: dt.date) -> StatusChange | None:
    """The last change in force on ``as_of`` (history in recording order), or None before issue."""
    current: StatusChange | None = None
    for change in history:
        if change.effective_on <= as_of and (current is None or change.effective_on >= current.effective_on):
            current = change
    return current
