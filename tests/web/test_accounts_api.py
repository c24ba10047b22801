"""API tokens, roles, lifecycle actions and the audit log through a real HTTP server.

Each module-scoped server here has its own database (the actions change certificates), on SQLite
and on PostgreSQL when it is configured.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from ecoprocure.domain.accounts import Role
from ecoprocure.store.accounts import create_token, create_user, revoke_token
from ecoprocure.store.db import Database
from ecoprocure.store.models import ApiToken, AuditEntry, CertificateEvent
from tests.conftest import BACKENDS, database_url
from tests.store import registry_builders as rb
from tests.web.conftest import StaffedSite, serve, staffed_site, web_settings

ACTIONS = "/api/v1/certificates/{}/actions"


@pytest.fixture(scope="module", params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaffedSite]:
    home = tmp_path_factory.mktemp(f"web-accounts-{request.param}")
    with staffed_site(home, database_url(str(request.param), home)) as found:
        yield found


@pytest.fixture
def api(site: StaffedSite) -> Iterator[httpx.Client]:
    with site.server.client() as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def counts(db: Database) -> tuple[int, int]:
    with db.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
            session.scalar(select(func.count()).select_from(CertificateEvent)) or 0,
        )


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] == code and body["status"] == status
    assert response.headers["cache-control"] == "no-store"
    return body


def verify_status(api: httpx.Client, number: str) -> str:
    response = api.get("/api/v1/verify", params={"certificate": number})
    assert response.status_code == 200
    status: str = response.json()["status"]
    return status


# --- authentication ----------------------------------------------------------------------------------


def test_whoami_needs_a_valid_token(site: StaffedSite, api: httpx.Client) -> None:
    missing = api.get("/api/v1/auth/whoami")
    error_of(missing, 401, "unauthorized")
    assert missing.headers["www-authenticate"] == "Bearer"
    error_of(api.get("/api/v1/auth/whoami", headers=bearer("not-a-token")), 401, "unauthorized")
    forged = site.officer[:-4] + ("AAAA" if not site.officer.endswith("AAAA") else "BBBB")
    error_of(api.get("/api/v1/auth/whoami", headers=bearer(forged)), 401, "unauthorized")
    error_of(api.get("/api/v1/auth/whoami", headers={"Authorization": site.officer}), 401, "unauthorized")
    me = api.get("/api/v1/auth/whoami", headers=bearer(site.officer))
    assert me.status_code == 200, me.text
    assert me.json() == {
        "username": "olga",
        "role": "certification_officer",
        "token_id": site.officer.split("_")[1],
    }


def test_tokens_are_hashed_at_rest_and_marked_used(site: StaffedSite, api: httpx.Client) -> None:
    assert api.get("/api/v1/auth/whoami", headers=bearer(site.analyst)).status_code == 200
    with site.db.engine.connect() as conn:
        rows = [tuple(str(v) for v in row) for row in conn.execute(text("SELECT * FROM api_token"))]
    everything = " ".join(" ".join(row) for row in rows)
    for token in (site.officer, site.analyst, site.admin):
        assert token not in everything
        assert token.split("_", 2)[2] not in everything
        assert hashlib.sha256(token.encode()).hexdigest() in everything
    with site.db.sessions() as session:
        used = session.scalars(select(ApiToken).where(ApiToken.token_id == site.analyst.split("_")[1])).one()
        assert used.last_used_at is not None


def test_a_revoked_token_is_refused(site: StaffedSite, api: httpx.Client) -> None:
    with site.db.transaction() as session:
        create_user(session, "temp", Role.CERTIFICATION_OFFICER, password=None, actor="test")
        token = create_token(session, "temp", "short-lived", actor="test")
    assert api.get("/api/v1/auth/whoami", headers=bearer(token.secret)).status_code == 200
    with site.db.transaction() as session:
        revoke_token(session, token.token_id, actor="test")
    before = counts(site.db)
    refused = api.post(
        ACTIONS.format(rb.AIR_CONDITIONER),
        json={"action": "suspend", "reason": "test"},
        headers=bearer(token.secret),
    )
    error_of(refused, 401, "unauthorized")
    assert counts(site.db) == before
    assert verify_status(api, rb.AIR_CONDITIONER) == "valid"


# --- roles and refusals write nothing ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["nobody", "analyst"])
def test_refused_actions_write_nothing(site: StaffedSite, api: httpx.Client, who: str) -> None:
    before = counts(site.db)
    headers = bearer(site.analyst) if who == "analyst" else {}
    response = api.post(
        ACTIONS.format(rb.PAINT), json={"action": "suspend", "reason": "VOC test failed"}, headers=headers
    )
    if who == "analyst":
        assert "procurement_analyst" in error_of(response, 403, "forbidden")["message"]
    else:
        error_of(response, 401, "unauthorized")
    assert counts(site.db) == before
    assert verify_status(api, rb.PAINT) == "valid"


def test_bad_actions_are_refused_with_the_error_body(site: StaffedSite, api: httpx.Client) -> None:
    before = counts(site.db)
    officer = bearer(site.officer)
    error_of(
        api.post(ACTIONS.format("NOPE-1"), json={"action": "suspend", "reason": "x"}, headers=officer),
        404,
        "not_found",
    )
    # reinstating a valid certificate: the lifecycle rules refuse it
    error_of(
        api.post(ACTIONS.format(rb.STATIONERY), json={"action": "reinstate"}, headers=officer),
        409,
        "conflict",
    )
    error_of(
        api.post(ACTIONS.format(rb.STATIONERY), json={"action": "suspend"}, headers=officer), 409, "conflict"
    )
    renew = error_of(
        api.post(ACTIONS.format(rb.STATIONERY), json={"action": "renew"}, headers=officer),
        422,
        "validation_error",
    )
    assert renew["field"] == "expires_on"
    error_of(
        api.post(ACTIONS.format(rb.STATIONERY), json={"action": "explode"}, headers=officer),
        422,
        "validation_error",
    )
    error_of(
        api.post(
            ACTIONS.format(rb.STATIONERY), json={"action": "suspend", "reason": "a\x00b"}, headers=officer
        ),
        422,
        "validation_error",
    )
    assert counts(site.db) == before
    assert verify_status(api, rb.STATIONERY) == "valid"


# --- the lifecycle over the API ---------------------------------------------------------------------


def test_suspend_and_reinstate_show_on_the_public_endpoints(site: StaffedSite, api: httpx.Client) -> None:
    started = dt.datetime.now(dt.UTC)
    audit_before, events_before = counts(site.db)
    suspended = api.post(
        ACTIONS.format(rb.DESKTOP),
        json={"action": "suspend", "reason": "failed surveillance audit"},
        headers=bearer(site.officer),
    )
    assert suspended.status_code == 200, suspended.text
    body = suspended.json()
    assert body["from_status"] == "valid" and body["to_status"] == "suspended"
    assert body["actor"] == "olga" and body["effective_on"] == dt.date.today().isoformat()
    assert verify_status(api, rb.DESKTOP) == "suspended"
    public = api.get(f"/api/v1/certificates/{rb.DESKTOP}").json()
    assert public["status"] == "suspended" and public["reason"]
    history = api.get(f"/api/v1/certificates/{rb.DESKTOP}/history").json()["events"]
    assert history[-1]["action"] == "suspend" and history[-1]["reason"] == "failed surveillance audit"
    assert "actor" not in history[-1]  # who acted is not public
    assert counts(site.db) == (audit_before + 1, events_before + 1)

    with site.db.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        event = session.scalars(select(CertificateEvent).order_by(CertificateEvent.id.desc())).first()
    assert entry is not None and event is not None
    assert (entry.actor, entry.action, entry.target) == (
        "olga",
        "certificate.suspend",
        f"certificate:{rb.DESKTOP}",
    )
    recorded = entry.recorded_at if entry.recorded_at.tzinfo else entry.recorded_at.replace(tzinfo=dt.UTC)
    assert started - dt.timedelta(seconds=5) <= recorded <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    assert entry.details is not None and entry.details["from_status"] == "valid"
    assert event.actor == "olga"

    reinstated = api.post(
        ACTIONS.format(rb.DESKTOP), json={"action": "reinstate"}, headers=bearer(site.admin)
    )
    assert reinstated.status_code == 200, reinstated.text
    assert reinstated.json()["actor"] == "root"
    assert verify_status(api, rb.DESKTOP) == "valid"


def test_renew_sets_the_new_expiry(site: StaffedSite, api: httpx.Client) -> None:
    current = api.get(f"/api/v1/certificates/{rb.SCHOOL_FURNITURE}").json()["certificate"]["expires_on"]
    later = (dt.date.fromisoformat(current) + dt.timedelta(days=3 * 365)).isoformat()
    renewed = api.post(
        ACTIONS.format(rb.SCHOOL_FURNITURE),
        json={"action": "renew", "expires_on": later, "reason": "re-audited"},
        headers=bearer(site.officer),
    )
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["expires_on"] == later
    assert api.get(f"/api/v1/certificates/{rb.SCHOOL_FURNITURE}").json()["certificate"]["expires_on"] == later


def test_admins_read_the_audit_log(site: StaffedSite, api: httpx.Client) -> None:
    error_of(api.get("/api/v1/audit"), 401, "unauthorized")
    assert (
        "needs admin"
        in error_of(api.get("/api/v1/audit", headers=bearer(site.officer)), 403, "forbidden")["message"]
    )
    done = api.post(
        ACTIONS.format(rb.AIR_CONDITIONER),
        json={"action": "suspend", "reason": "energy label mismatch"},
        headers=bearer(site.officer),
    )
    assert done.status_code == 200, done.text
    log = api.get(
        "/api/v1/audit",
        params={"action": "certificate.", "target": f"certificate:{rb.AIR_CONDITIONER}"},
        headers=bearer(site.admin),
    )
    assert log.status_code == 200, log.text
    assert log.headers["cache-control"] == "no-store"
    body = log.json()
    assert body["total"] == 1
    [entry] = body["items"]
    assert (entry["actor"], entry["action"]) == ("olga", "certificate.suspend")
    assert entry["details"]["reason"] == "energy label mismatch"
    assert entry["details"]["token"] == site.officer.split("_")[1]
    assert dt.datetime.fromisoformat(entry["recorded_at"]).tzinfo is not None
    everything = api.get("/api/v1/audit", params={"limit": 100}, headers=bearer(site.admin)).json()
    assert {e["action"] for e in everything["items"]} >= {
        "user.create",
        "token.create",
        "certificate.suspend",
    }
    assert everything["items"] == sorted(everything["items"], key=lambda e: -e["id"])


# --- rate limit on failed authentication ------------------------------------------------------------


def test_failed_authentication_is_rate_limited(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("web-auth-limit")
    url = f"sqlite:///{home / 'ecoprocure.db'}"
    db = Database(url)
    with db.transaction() as session:
        create_user(session, "olga", Role.CERTIFICATION_OFFICER, password=None, actor="test")
        token = create_token(session, "olga", "tests", actor="test").secret
    db.close()
    from ecoprocure.web.app import create_app

    app = create_app(web_settings(home, url, auth_failure_rate_limit="3/minute"))
    with serve(app) as server, server.client() as api:
        assert api.get("/api/v1/auth/whoami", headers=bearer(token)).status_code == 200
        for _ in range(3):
            error_of(api.get("/api/v1/auth/whoami", headers=bearer("eco_00000000_x")), 401, "unauthorized")
        limited = api.get("/api/v1/auth/whoami", headers=bearer("eco_00000000_x"))
        error_of(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1
        # while blocked, even the right token waits: guessing gains nothing
        error_of(api.get("/api/v1/auth/whoami", headers=bearer(token)), 429, "rate_limited")
