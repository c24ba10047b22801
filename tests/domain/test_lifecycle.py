"""The certificate lifecycle: allowed and refused transitions, issuance rules, calendar expiry."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.domain.lifecycle import (
    Action,
    CriterionTerms,
    Status,
    StatusChange,
    Transition,
    check_issue,
    check_products_covered,
    check_transition,
    effective_status,
    status_on,
)
from ecoprocure.errors import LifecycleError

D = dt.date
NUMBER = "CEC-2021-0042"
CRITERION = CriterionTerms(
    "HJ 2536-2014", D(2014, 7, 1), None, frozenset({"ict.monitor", "ict.computer.desktop"})
)
ISSUED = D(2021, 3, 1)
EXPIRES = D(2024, 2, 29)
ON = D(2022, 6, 1)  # an action date inside the validity period

# Written from the state-machine diagram in lifecycle.py, not from its transition table.
ALLOWED: dict[tuple[Action, Status], Status] = {
    (Action.SUSPEND, Status.VALID): Status.SUSPENDED,
    (Action.REINSTATE, Status.SUSPENDED): Status.VALID,
    (Action.REVOKE, Status.VALID): Status.REVOKED,
    (Action.REVOKE, Status.SUSPENDED): Status.REVOKED,
    (Action.EXPIRE, Status.VALID): Status.EXPIRED,
    (Action.EXPIRE, Status.SUSPENDED): Status.EXPIRED,
    (Action.RENEW, Status.VALID): Status.VALID,
    (Action.RENEW, Status.EXPIRED): Status.VALID,
    (Action.WITHDRAW_CRITERION, Status.VALID): Status.WITHDRAWN,
    (Action.WITHDRAW_CRITERION, Status.SUSPENDED): Status.WITHDRAWN,
}
ACTIONS = [a for a in Action if a is not Action.ISSUE]
REFUSED = [(a, s) for a, s in itertools.product(ACTIONS, Status) if (a, s) not in ALLOWED]
NEEDS = {
    Action.SUSPEND: "valid",
    Action.REINSTATE: "suspended",
    Action.REVOKE: "suspended or valid",
    Action.EXPIRE: "suspended or valid",
    Action.RENEW: "expired or valid",
    Action.WITHDRAW_CRITERION: "suspended or valid",
}


def _do(action: Action, stored: Status, **kwargs: object) -> Transition:
    options: dict[str, object] = {"issued_on": ISSUED, "criterion": CRITERION}
    if action is Action.RENEW:
        options["new_expires_on"] = D(2027, 2, 28)
    options.update(kwargs)
    return check_transition(NUMBER, action, stored, EXPIRES, ON, **options)  # type: ignore[arg-type]


# --- transitions -------------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "stored"), list(ALLOWED), ids=str)
def test_allowed_transition(action: Action, stored: Status) -> None:
    transition = _do(action, stored)
    assert transition.action is action
    assert transition.from_status is stored
    assert transition.to_status is ALLOWED[(action, stored)]
    assert transition.effective_on == ON
    expected_expiry = D(2027, 2, 28) if action is Action.RENEW else EXPIRES
    assert transition.expires_on == expected_expiry


@pytest.mark.parametrize(("action", "stored"), REFUSED, ids=str)
def test_refused_transition_names_certificate_and_rule(action: Action, stored: Status) -> None:
    with pytest.raises(LifecycleError) as caught:
        _do(action, stored)
    message = str(caught.value)
    assert re.match(rf"certificate {NUMBER}: cannot {action} an? {stored} certificate", message), message
    assert message.endswith(f"; {action} needs {NEEDS[action]}")


def test_the_table_above_covers_every_action_and_state() -> None:
    assert len(ALLOWED) + len(REFUSED) == len(ACTIONS) * len(Status) == 30


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("final", [Status.REVOKED, Status.WITHDRAWN])
def test_final_states_accept_no_action_and_say_so(action: Action, final: Status) -> None:
    with pytest.raises(LifecycleError, match=r"\(a final state: issue a new certificate instead\)"):
        _do(action, final)


def test_revoked_cannot_be_reinstated() -> None:
    with pytest.raises(LifecycleError) as caught:
        _do(Action.REINSTATE, Status.REVOKED)
    assert str(caught.value) == (
        f"certificate {NUMBER}: cannot reinstate a revoked certificate (a final state: issue a new "
        "certificate instead); reinstate needs suspended"
    )


def test_withdrawn_cannot_be_renewed() -> None:
    with pytest.raises(LifecycleError, match=f"certificate {NUMBER}: cannot renew a withdrawn certificate"):
        _do(Action.RENEW, Status.WITHDRAWN)


def test_suspend_needs_valid() -> None:
    with pytest.raises(
        LifecycleError,
        match=f"^certificate {NUMBER}: cannot suspend a suspended certificate; suspend needs valid$",
    ):
        _do(Action.SUSPEND, Status.SUSPENDED)


def test_issue_through_check_transition_is_refused() -> None:
    with pytest.raises(LifecycleError, match=f"certificate {NUMBER}: already issued; use renew"):
        check_transition(NUMBER, Action.ISSUE, Status.VALID, EXPIRES, ON)


def test_calendar_expiry_applies_before_the_transition_rules() -> None:
    after_expiry = EXPIRES + dt.timedelta(days=1)
    with pytest.raises(LifecycleError, match=r"cannot suspend an? expired certificate"):
        check_transition(NUMBER, Action.SUSPEND, Status.VALID, EXPIRES, after_expiry)
    # on its last valid day it can still be suspended
    assert (
        check_transition(NUMBER, Action.SUSPEND, Status.VALID, EXPIRES, EXPIRES).to_status is Status.SUSPENDED
    )
    # and a calendar-expired certificate can be renewed
    renewed = check_transition(
        NUMBER,
        Action.RENEW,
        Status.VALID,
        EXPIRES,
        after_expiry,
        new_expires_on=D(2027, 3, 1),
        criterion=CRITERION,
    )
    assert (renewed.to_status, renewed.expires_on) == (Status.VALID, D(2027, 3, 1))


def test_action_before_issue_date_is_refused() -> None:
    with pytest.raises(LifecycleError) as caught:
        check_transition(NUMBER, Action.SUSPEND, Status.VALID, EXPIRES, D(2021, 2, 28), issued_on=ISSUED)
    assert (
        str(caught.value)
        == f"certificate {NUMBER}: cannot suspend on 2021-02-28, before its issue date 2021-03-01"
    )
    assert (
        check_transition(NUMBER, Action.SUSPEND, Status.VALID, EXPIRES, ISSUED, issued_on=ISSUED).effective_on
        == ISSUED
    )


# --- renewal -------------------------------------------------------------------------------------


def test_renew_needs_a_new_expiry_date() -> None:
    with pytest.raises(LifecycleError, match=f"certificate {NUMBER}: renew needs a new expiry date"):
        _do(Action.RENEW, Status.VALID, new_expires_on=None)


@pytest.mark.parametrize("new_expiry", [EXPIRES, EXPIRES - dt.timedelta(days=1), D(2020, 1, 1)])
def test_renew_needs_a_later_expiry(new_expiry: dt.date) -> None:
    with pytest.raises(LifecycleError) as caught:
        _do(Action.RENEW, Status.VALID, new_expires_on=new_expiry)
    assert str(caught.value) == (
        f"certificate {NUMBER}: new expiry date {new_expiry} must be after the current expiry {EXPIRES} "
        f"and the renewal date {ON}"
    )


def test_renew_of_an_expired_certificate_must_end_after_the_renewal_date() -> None:
    expired_on = D(2020, 12, 31)
    on = D(2022, 1, 10)
    with pytest.raises(
        LifecycleError, match="must be after the current expiry 2020-12-31 and the renewal date 2022-01-10"
    ):
        check_transition(NUMBER, Action.RENEW, Status.EXPIRED, expired_on, on, new_expires_on=D(2021, 6, 30))
    ok = check_transition(NUMBER, Action.RENEW, Status.EXPIRED, expired_on, on, new_expires_on=D(2022, 1, 11))
    assert ok.expires_on == D(2022, 1, 11)


def test_renew_open_ended_certificate_needs_expiry_after_renewal_date() -> None:
    with pytest.raises(LifecycleError, match="must be after"):
        check_transition(NUMBER, Action.RENEW, Status.VALID, None, ON, new_expires_on=ON)
    assert check_transition(
        NUMBER, Action.RENEW, Status.VALID, None, ON, new_expires_on=ON + dt.timedelta(days=1)
    ).expires_on == D(2022, 6, 2)


def test_renew_needs_criterion_in_force() -> None:
    withdrawn = CriterionTerms("HJ/T 313-2006", D(2006, 1, 1), D(2014, 7, 1), frozenset({"ict.monitor"}))
    with pytest.raises(LifecycleError) as caught:
        check_transition(
            NUMBER,
            Action.RENEW,
            Status.VALID,
            D(2014, 12, 31),
            D(2014, 7, 1),
            new_expires_on=D(2017, 12, 31),
            criterion=withdrawn,
        )
    assert str(caught.value) == (
        f"certificate {NUMBER}: cannot renew under criterion HJ/T 313-2006, "
        "which is not in force on 2014-07-01"
    )
    # the day before withdrawal it is still in force
    ok = check_transition(
        NUMBER,
        Action.RENEW,
        Status.VALID,
        D(2014, 12, 31),
        D(2014, 6, 30),
        new_expires_on=D(2017, 12, 31),
        criterion=withdrawn,
    )
    assert ok.expires_on == D(2017, 12, 31)


# --- issuance ------------------------------------------------------------------------------------


def test_issue_valid_certificate() -> None:
    transition = check_issue(NUMBER, ISSUED, EXPIRES, CRITERION, ["ict.monitor"])
    assert transition == Transition(Action.ISSUE, None, Status.VALID, ISSUED, EXPIRES)


def test_issue_open_ended_certificate() -> None:
    assert check_issue(NUMBER, ISSUED, None, CRITERION).expires_on is None


@pytest.mark.parametrize("expires", [ISSUED, ISSUED - dt.timedelta(days=1)])
def test_issue_refuses_expiry_not_after_issue(expires: dt.date) -> None:
    with pytest.raises(LifecycleError) as caught:
        check_issue(NUMBER, ISSUED, expires, CRITERION)
    assert (
        str(caught.value) == f"certificate {NUMBER}: expiry date {expires} must be after issue date {ISSUED}"
    )


def test_issue_refuses_criterion_not_yet_in_force() -> None:
    with pytest.raises(LifecycleError) as caught:
        check_issue(NUMBER, D(2014, 6, 30), D(2017, 6, 30), CRITERION)
    assert str(caught.value) == (
        f"certificate {NUMBER}: criterion HJ 2536-2014 is not in force on the issue date 2014-06-30 "
        "(in force from 2014-07-01)"
    )
    assert check_issue(NUMBER, D(2014, 7, 1), D(2017, 6, 30), CRITERION).effective_on == D(2014, 7, 1)


def test_issue_refuses_withdrawn_criterion_from_its_withdrawal_day() -> None:
    withdrawn = CriterionTerms("HJ/T 313-2006", D(2006, 1, 1), D(2014, 7, 1), frozenset({"ict.monitor"}))
    with pytest.raises(LifecycleError) as caught:
        check_issue(NUMBER, D(2014, 7, 1), None, withdrawn)
    assert str(caught.value) == (
        f"certificate {NUMBER}: criterion HJ/T 313-2006 is not in force on the issue date 2014-07-01 "
        "(in force from 2006-01-01 until 2014-07-01)"
    )
    assert check_issue(NUMBER, D(2014, 6, 30), None, withdrawn).to_status is Status.VALID


def test_issue_refuses_product_category_not_covered() -> None:
    with pytest.raises(LifecycleError) as caught:
        check_issue(NUMBER, ISSUED, EXPIRES, CRITERION, ["ict.printer", "ict.monitor", "chem.paint"])
    assert str(caught.value) == (
        f"certificate {NUMBER}: product category chem.paint, ict.printer is not covered by criterion "
        "HJ 2536-2014 (covers: ict.computer.desktop, ict.monitor)"
    )


def test_criterion_covering_nothing_says_so() -> None:
    empty = CriterionTerms("X-1", D(2000, 1, 1), None, frozenset())
    with pytest.raises(LifecycleError, match=r"\(covers: nothing\)$"):
        check_products_covered(NUMBER, empty, ["ict.monitor"])


def test_criterion_in_force_window() -> None:
    terms = CriterionTerms("C", D(2010, 1, 1), D(2012, 1, 1), frozenset())
    assert not terms.in_force_on(D(2009, 12, 31))
    assert terms.in_force_on(D(2010, 1, 1))
    assert terms.in_force_on(D(2011, 12, 31))
    assert not terms.in_force_on(D(2012, 1, 1))


# --- calendar ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stored", [Status.VALID, Status.SUSPENDED])
def test_expires_on_is_the_last_valid_day(stored: Status) -> None:
    assert effective_status(stored, EXPIRES, EXPIRES) is stored
    assert effective_status(stored, EXPIRES, EXPIRES + dt.timedelta(days=1)) is Status.EXPIRED


@pytest.mark.parametrize("stored", [Status.REVOKED, Status.WITHDRAWN, Status.EXPIRED])
def test_calendar_does_not_change_ended_states(stored: Status) -> None:
    assert effective_status(stored, EXPIRES, D(2099, 1, 1)) is stored


@given(st.dates(), st.sampled_from([Status.VALID, Status.SUSPENDED]))
def test_open_ended_certificate_never_expires_by_calendar(as_of: dt.date, stored: Status) -> None:
    assert effective_status(stored, None, as_of) is stored


@given(st.dates(), st.dates())
def test_effective_status_follows_the_calendar(expires: dt.date, as_of: dt.date) -> None:
    expected = Status.EXPIRED if as_of > expires else Status.VALID
    assert effective_status(Status.VALID, expires, as_of) is expected


# --- history -------------------------------------------------------------------------------------

HISTORY = [
    StatusChange(D(2021, 3, 1), Status.VALID, "issued"),
    StatusChange(D(2022, 1, 10), Status.SUSPENDED, "failed spot check"),
    StatusChange(D(2022, 4, 1), Status.VALID, "corrected"),
    StatusChange(D(2023, 5, 5), Status.REVOKED, "fraud"),
]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2021, 2, 28), None),
        (D(2021, 3, 1), 0),
        (D(2022, 1, 9), 0),
        (D(2022, 1, 10), 1),
        (D(2022, 3, 31), 1),
        (D(2022, 4, 1), 2),
        (D(2023, 5, 4), 2),
        (D(2023, 5, 5), 3),
        (D(2030, 1, 1), 3),
    ],
)
def test_status_on_picks_the_change_in_force(as_of: dt.date, expected: int | None) -> None:
    found = status_on(HISTORY, as_of)
    assert found == (None if expected is None else HISTORY[expected])


def test_status_on_same_day_later_record_wins() -> None:
    history = [
        StatusChange(D(2021, 3, 1), Status.VALID, None),
        StatusChange(D(2021, 3, 1), Status.SUSPENDED, "recorded second"),
    ]
    assert status_on(history, D(2021, 3, 1)) == history[1]


def test_status_on_backdated_record_applies_from_its_date() -> None:
    history = [
        StatusChange(D(2021, 3, 1), Status.VALID, None),
        StatusChange(D(2022, 6, 1), Status.REVOKED, "recorded first"),
        StatusChange(D(2022, 2, 1), Status.SUSPENDED, "backdated, recorded later"),
    ]
    assert status_on(history, D(2022, 3, 1)) == history[2]
    assert status_on(history, D(2022, 7, 1)) == history[1]


def test_status_on_empty_history() -> None:
    assert status_on([], D(2022, 1, 1)) is None
