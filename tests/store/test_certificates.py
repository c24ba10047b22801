"""Certificate issuance, lifecycle actions and the append-only audit log, against the database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from ecoprocure.domain.lifecycle import Action
from ecoprocure.domain.signing import CertificatePayload
from ecoprocure.errors import LifecycleError, NotFound
from ecoprocure.store.certificates import (
    apply_action,
    certificate_payload,
    get_certificate,
    history,
    issue_certificate,
    withdraw_criterion,
)
from ecoprocure.store.db import Database
from ecoprocure.store.models import Certificate, CertificateEvent, Criterion
from tests.store import registry_builders as rb
from tests.store.registry_builders import FUTURE, add_licensee

ISSUED = dt.date(2022, 1, 10)
EXPIRES = dt.date(2025, 1, 9)
LICENSEE = "91110108MA00TEST1"
OTHER_LICENSEE = "91310000MA00TEST2"


@pytest.fixture
def registry(reference_db: Database) -> Database:
    with reference_db.transaction() as session:
        add_licensee(session, LICENSEE, "Lenovo (Beijing) Co., Ltd.", "联想（北京）有限公司")
        add_licensee(session, OTHER_LICENSEE, "Nippon Paint (China) Co., Ltd.", None)
    return reference_db


def _issue(
    db: Database,
    number: str = "CEC-2022-0100",
    *,
    criterion: str = "HJ 2536-2014",
    category: str | None = "ict.computer.desktop",
    issued: dt.date = ISSUED,
    expires: dt.date | None = EXPIRES,
    licensee: str = LICENSEE,
) -> None:
    rb.issue(
        db,
        number,
        licensee=licensee,
        issued=issued,
        expires=expires,
        criterion=criterion,
        category=category,
        reason="initial audit passed",
    )


def _act(
    db: Database,
    number: str,
    action: Action,
    on: dt.date,
    reason: str | None = "audit finding",
    *,
    new_expires_on: dt.date | None = None,
) -> None:
    rb.act(db, number, action, on, reason, new_expires_on=new_expires_on)


def _state(db: Database, number: str) -> tuple[str, dt.date, str | None, dt.date | None]:
    with db.transaction() as session:
        cert = get_certificate(session, number)
        return cert.status, cert.status_since, cert.status_reason, cert.expires_on


def _events(db: Database, number: str) -> list[tuple[str, str | None, str, dt.date, str, str | None]]:
    with db.transaction() as session:
        return [
            (e.action, e.from_status, e.to_status, e.effective_on, e.actor, e.reason)
            for e in history(session, number)
        ]


def _event_count(db: Database) -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(CertificateEvent)).scalar_one()


def test_issue_stores_a_valid_certificate_and_its_issue_event(registry: Database) -> None:
    _issue(registry, " cec-2022-0100 ")
    with registry.transaction() as session:
        cert = get_certificate(session, "CEC-2022-0100")
        assert (cert.number, cert.number_key) == ("cec-2022-0100", "CEC-2022-0100")
        assert (cert.scheme.code, cert.licensee.registration_id, cert.criterion.standard_code) == (
            "CEL",
            LICENSEE,
            "HJ 2536-2014",
        )
        assert cert.category is not None and cert.category.code == "ict.computer.desktop"
        assert (cert.status, cert.status_since, cert.issued_on, cert.expires_on) == (
            "valid",
            ISSUED,
            ISSUED,
            EXPIRES,
        )
    assert _events(registry, "CEC-2022-0100") == [
        ("issue", None, "valid", ISSUED, "registrar", "initial audit passed")
    ]


def test_issue_takes_the_category_when_the_criterion_covers_only_one(registry: Database) -> None:
    _issue(registry, "CEC-2022-0101", criterion="HJ 2535-2013", category=None)  # air conditioners only
    with registry.transaction() as session:
        cert = get_certificate(session, "CEC-2022-0101")
        assert cert.category is not None and cert.category.code == "appliance.air-conditioner"


ISSUE_REFUSALS = [
    ({"expires": dt.date(2022, 1, 10)}, "must be after issue date"),
    (
        {"criterion": "HJ/T 313-2006", "issued": dt.date(2015, 3, 1)},
        "not in force on the issue date 2015-03-01",
    ),
    ({"criterion": "HJ 2536-2014", "issued": dt.date(2014, 6, 30)}, "not in force"),
    ({"category": "chem.paint"}, "product category chem.paint is not covered by criterion HJ 2536-2014"),
]


def test_issue_refuses_what_the_rules_forbid_and_writes_nothing(registry: Database) -> None:
    for kwargs, message in ISSUE_REFUSALS:
        with pytest.raises(LifecycleError, match=message):
            _issue(registry, "CEC-2022-0102", **kwargs)  # type: ignore[arg-type]
    with registry.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Certificate)).scalar_one() == 0
    assert _event_count(registry) == 0


def test_issue_refuses_a_number_that_exists_in_another_spelling(registry: Database) -> None:
    _issue(registry, "CEC-2022-0100")
    with pytest.raises(LifecycleError, match="already exists"):
        _issue(registry, " ｃｅｃ－2022 －0100", licensee=OTHER_LICENSEE)
    assert _event_count(registry) == 1


def test_issue_names_unknown_licensee_scheme_and_criterion(registry: Database) -> None:
    with registry.transaction() as session:
        with pytest.raises(NotFound, match="unknown licensee 'NOPE'"):
            issue_certificate(
                session,
                number="X-1",
                scheme="CEL",
                licensee_registration_id="NOPE",
                criterion="HJ 2536-2014",
                issued_on=ISSUED,
                expires_on=None,
                actor="t",
            )
        with pytest.raises(NotFound, match="unknown scheme 'NOPE'"):
            issue_certificate(
                session,
                number="X-1",
                scheme="NOPE",
                licensee_registration_id=LICENSEE,
                criterion="HJ 2536-2014",
                issued_on=ISSUED,
                expires_on=None,
                actor="t",
            )
        with pytest.raises(NotFound, match="no criterion 'HJ 9999-2099'"):
            issue_certificate(
                session,
                number="X-1",
                scheme="CEL",
                licensee_registration_id=LICENSEE,
                criterion="HJ 9999-2099",
                issued_on=ISSUED,
                expires_on=None,
                actor="t",
            )


def test_suspend_reinstate_revoke_each_change_state_and_append_an_event(registry: Database) -> None:
    number = "CEC-2022-0100"
    _issue(registry, number)
    _act(registry, number, Action.SUSPEND, dt.date(2023, 3, 1), "VOC content above the limit")
    assert _state(registry, number) == (
        "suspended",
        dt.date(2023, 3, 1),
        "VOC content above the limit",
        EXPIRES,
    )
    _act(registry, "cec-2022-0100 ", Action.REINSTATE, dt.date(2023, 4, 15), "retest passed")
    assert _state(registry, number) == ("valid", dt.date(2023, 4, 15), "retest passed", EXPIRES)
    _act(registry, number, Action.REVOKE, dt.date(2023, 9, 1), "fraudulent test report")
    assert _state(registry, number) == ("revoked", dt.date(2023, 9, 1), "fraudulent test report", EXPIRES)
    assert _events(registry, number) == [
        ("issue", None, "valid", ISSUED, "registrar", "initial audit passed"),
        ("suspend", "valid", "suspended", dt.date(2023, 3, 1), "inspector", "VOC content above the limit"),
        ("reinstate", "suspended", "valid", dt.date(2023, 4, 15), "inspector", "retest passed"),
        ("revoke", "valid", "revoked", dt.date(2023, 9, 1), "inspector", "fraudulent test report"),
    ]


def test_expire_then_renew_records_the_new_expiry_date(registry: Database) -> None:
    number = "CEC-2022-0100"
    _issue(registry, number)
    _act(registry, number, Action.EXPIRE, dt.date(2024, 2, 1), "licensee gave up the licence")
    assert _state(registry, number)[0] == "expired"
    _act(registry, number, Action.RENEW, dt.date(2024, 6, 1), None, new_expires_on=FUTURE)
    assert _state(registry, number) == ("valid", dt.date(2024, 6, 1), None, FUTURE)
    with registry.transaction() as session:
        events = history(session, number)
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            ("issue", None, "valid"),
            ("expire", "valid", "expired"),
            ("renew", "expired", "valid"),
        ]
        assert events[1].details is None
        assert events[2].details == {
            "previous_expires_on": EXPIRES.isoformat(),
            "expires_on": FUTURE.isoformat(),
        }
        assert all(e.recorded_at is not None for e in events)


def test_a_certificate_past_its_expiry_date_can_be_renewed(registry: Database) -> None:
    number = "CEC-2022-0100"
    _issue(registry, number)  # stored valid; expires 2025-01-09
    _act(registry, number, Action.RENEW, dt.date(2025, 3, 1), None, new_expires_on=FUTURE)
    # The log records the state it was really in: expired by the calendar, not the stored "valid".
    assert _events(registry, number)[-1][:3] == ("renew", "expired", "valid")
    assert _state(registry, number)[3] == FUTURE


# (earlier actions, refused action, its date, extra arguments, what the refusal says)
REFUSALS = [
    ([], Action.REINSTATE, dt.date(2023, 1, 1), {}, "cannot reinstate a valid certificate"),
    (
        [(Action.REVOKE, dt.date(2023, 1, 1))],
        Action.REINSTATE,
        dt.date(2023, 2, 1),
        {},
        "cannot reinstate a revoked certificate .a final state",
    ),
    (
        [(Action.REVOKE, dt.date(2023, 1, 1))],
        Action.RENEW,
        dt.date(2023, 2, 1),
        {"new_expires_on": FUTURE},
        "cannot renew a revoked certificate",
    ),
    (
        [(Action.SUSPEND, dt.date(2023, 1, 1))],
        Action.RENEW,
        dt.date(2023, 2, 1),
        {"new_expires_on": FUTURE},
        "cannot renew a suspended certificate",
    ),
    (
        [(Action.EXPIRE, dt.date(2023, 1, 1))],
        Action.SUSPEND,
        dt.date(2023, 2, 1),
        {},
        "cannot suspend an expired certificate",
    ),
    ([], Action.SUSPEND, dt.date(2023, 1, 1), {"reason": None}, "suspend needs a reason"),
    ([], Action.REVOKE, dt.date(2023, 1, 1), {"reason": ""}, "revoke needs a reason"),
    ([], Action.SUSPEND, dt.date(2021, 12, 31), {}, "before its issue date 2022-01-10"),
    ([], Action.SUSPEND, dt.date(2025, 1, 10), {}, "cannot suspend an expired certificate"),  # past expiry
    ([], Action.RENEW, dt.date(2023, 1, 1), {}, "renew needs a new expiry date"),
    (
        [],
        Action.RENEW,
        dt.date(2023, 1, 1),
        {"new_expires_on": dt.date(2024, 12, 31)},
        "new expiry date 2024-12-31 must be after the current expiry",
    ),
    ([], Action.ISSUE, dt.date(2023, 1, 1), {}, "already issued"),
]


def test_refused_transitions_raise_and_write_nothing(registry: Database) -> None:
    for case, (before, action, on, kwargs, message) in enumerate(REFUSALS):
        number = f"CEC-2022-{case:04d}"
        _issue(registry, number)
        for earlier, day in before:
            _act(registry, number, earlier, day)
        state, events = _state(registry, number), _events(registry, number)
        options = dict(kwargs)
        reason = options.pop("reason", "audit finding")
        # The refusal is caught inside the transaction, and the session committed.
        with registry.transaction() as session, pytest.raises(LifecycleError, match=message):
            apply_action(
                session,
                number,
                action,
                actor="inspector",
                reason=reason,  # type: ignore[arg-type]
                effective_on=on,
                **options,
            )  # type: ignore[arg-type]
        assert _state(registry, number) == state, message
        assert _events(registry, number) == events, message


def test_an_action_dated_before_the_current_state_began_is_refused(registry: Database) -> None:
    """Backdating past the last change would make the audit log disagree with the stored state."""
    number = "CEC-2022-0100"
    _issue(registry, number)
    _act(registry, number, Action.SUSPEND, dt.date(2023, 6, 1))
    with pytest.raises(LifecycleError, match="2023-06-01"):
        _act(registry, number, Action.REINSTATE, dt.date(2023, 5, 1))
    assert _state(registry, number)[:2] == ("suspended", dt.date(2023, 6, 1))
    _act(registry, number, Action.REINSTATE, dt.date(2023, 6, 1))  # the same day is fine
    assert _state(registry, number)[0] == "valid"


def test_withdrawing_a_criterion_ends_its_valid_and_suspended_certificates(registry: Database) -> None:
    for number in ("CEC-AC-1", "CEC-AC-2"):
        _issue(registry, number, criterion="HJ 2535-2013", category=None, expires=FUTURE)
    _issue(
        registry,
        "CEC-AC-OLD",
        criterion="HJ 2535-2013",
        category=None,
        issued=dt.date(2020, 1, 1),
        expires=dt.date(2022, 12, 31),
    )  # already past its expiry date on the withdrawal day
    _issue(registry, "CEC-PC-1", expires=FUTURE)  # another criterion
    _act(registry, "CEC-AC-2", Action.SUSPEND, dt.date(2023, 2, 1))
    withdrawn_on = dt.date(2024, 7, 1)
    with registry.transaction() as session:
        ended = withdraw_criterion(
            session,
            "CEL",
            "HJ 2535-2013",
            withdrawn_on,
            actor="ministry",
            reason="replaced by a new standard",
        )
    assert sorted(ended) == ["CEC-AC-1", "CEC-AC-2"]
    assert _state(registry, "CEC-AC-1")[:3] == ("withdrawn", withdrawn_on, "replaced by a new standard")
    assert _events(registry, "CEC-AC-1")[-1] == (
        "withdraw-criterion",
        "valid",
        "withdrawn",
        withdrawn_on,
        "ministry",
        "replaced by a new standard",
    )
    assert _events(registry, "CEC-AC-2")[-1][:3] == ("withdraw-criterion", "suspended", "withdrawn")
    assert [e[0] for e in _events(registry, "CEC-AC-OLD")] == ["issue"]
    assert _state(registry, "CEC-PC-1")[0] == "valid"
    with registry.transaction() as session:
        crit = session.scalars(select(Criterion).where(Criterion.standard_code == "HJ 2535-2013")).one()
        assert crit.withdrawn_on == withdrawn_on
        with pytest.raises(LifecycleError, match="already withdrawn"):
            withdraw_criterion(session, "CEL", "HJ 2535-2013", withdrawn_on, actor="m", reason="again")
    with pytest.raises(LifecycleError, match="not in force on the issue date 2024-07-01"):
        _issue(
            registry, "CEC-AC-3", criterion="HJ 2535-2013", category=None, issued=withdrawn_on, expires=FUTURE
        )
    with pytest.raises(LifecycleError, match="cannot reinstate a withdrawn certificate"):
        _act(registry, "CEC-AC-2", Action.REINSTATE, dt.date(2024, 8, 1))


def test_a_certificate_changed_after_the_withdrawal_date_ends_on_the_day_of_that_change(
    registry: Database,
) -> None:
    _issue(registry, "CEC-AC-1", criterion="HJ 2535-2013", category=None, expires=FUTURE)
    _act(registry, "CEC-AC-1", Action.SUSPEND, dt.date(2024, 7, 15))
    with registry.transaction() as session:
        ended = withdraw_criterion(
            session, "CEL", "HJ 2535-2013", dt.date(2024, 7, 1), actor="ministry", reason="replaced"
        )
    assert ended == ["CEC-AC-1"]
    events = _events(registry, "CEC-AC-1")
    assert [(e[0], e[3]) for e in events] == [
        ("issue", ISSUED),
        ("suspend", dt.date(2024, 7, 15)),
        ("withdraw-criterion", dt.date(2024, 7, 15)),
    ]
    assert _state(registry, "CEC-AC-1")[:2] == ("withdrawn", dt.date(2024, 7, 15))


def test_withdrawing_an_unknown_criterion_is_not_found(registry: Database) -> None:
    with registry.transaction() as session, pytest.raises(NotFound, match="no criterion 'HJ 0-0'"):
        withdraw_criterion(session, "CEL", "HJ 0-0", dt.date(2024, 1, 1), actor="m", reason="r")


APPEND_ONLY_VIOLATIONS = [
    "UPDATE certificate_event SET reason = 'history rewritten'",
    "UPDATE certificate_event SET to_status = 'valid' WHERE action = 'revoke'",
    "DELETE FROM certificate_event",
    "DELETE FROM certificate_event WHERE action = 'suspend'",
]


def test_the_audit_log_is_append_only_in_the_database(registry: Database) -> None:
    number = "CEC-2022-0100"
    _issue(registry, number)
    _act(registry, number, Action.SUSPEND, dt.date(2023, 1, 1))
    _act(registry, number, Action.REVOKE, dt.date(2023, 2, 1))
    before = _events(registry, number)
    assert len(before) == 3
    for statement in APPEND_ONLY_VIOLATIONS:
        with pytest.raises(DBAPIError, match="append-only"), registry.engine.begin() as conn:
            conn.execute(text(statement))
        assert _events(registry, number) == before, statement


def test_history_is_in_recording_order_and_unknown_numbers_are_not_found(registry: Database) -> None:
    _issue(registry, "CEC-2022-0100")
    _issue(registry, "CEC-2022-0200")
    _act(registry, "CEC-2022-0100", Action.SUSPEND, dt.date(2023, 3, 1))
    _act(registry, "CEC-2022-0200", Action.EXPIRE, dt.date(2023, 3, 1))
    _act(registry, "CEC-2022-0100", Action.REINSTATE, dt.date(2023, 3, 1))  # same day as the suspension
    _act(registry, "CEC-2022-0100", Action.SUSPEND, dt.date(2023, 5, 1))
    assert [e[0] for e in _events(registry, "CEC-2022-0100")] == ["issue", "suspend", "reinstate", "suspend"]
    assert [e[0] for e in _events(registry, "CEC-2022-0200")] == ["issue", "expire"]
    with registry.transaction() as session, pytest.raises(NotFound, match="CEC-0000-0000"):
        history(session, "CEC-0000-0000")


def test_certificate_payload_carries_the_signed_facts(registry: Database) -> None:
    _issue(registry, "CEC-2022-0100")
    _issue(
        registry,
        "CEC-2022-0300",
        criterion="HJ 2537-2014",
        category="chem.paint",
        licensee=OTHER_LICENSEE,
        expires=None,
    )
    _issue(registry, "CEC-2022-0400", category=None)  # HJ 2536-2014 covers three categories: none chosen
    with registry.transaction() as session:
        payload = certificate_payload(session, "cec-2022-0100")
        other = certificate_payload(session, "CEC-2022-0300")
        uncategorised = certificate_payload(session, "CEC-2022-0400")
    assert payload == CertificatePayload(
        scheme="CEL",
        number="CEC-2022-0100",
        licensee=LICENSEE,
        licensee_name="联想（北京）有限公司",
        criterion="HJ 2536-2014",
        category="ict.computer.desktop",
        issued=ISSUED,
        expires=EXPIRES,
    )
    assert (other.licensee_name, other.category, other.expires) == (
        "Nippon Paint (China) Co., Ltd.",
        "chem.paint",
        None,
    )
    assert uncategorised.category == ""
    assert CertificatePayload.from_canonical_bytes(payload.canonical_bytes()) == payload
