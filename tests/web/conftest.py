"""Web API tests talk HTTP to a real uvicorn server (a background thread, an ephemeral loopback
port) serving an app built by ``create_app`` on its own home and database.

- ``registry_server``: the test catalogue of ``tests.store.registry_builders`` (known certificates
  in every state), on SQLite and, when ECOPROCURE_TEST_POSTGRES_URL is set, on PostgreSQL;
- ``demo_server``: the demo workspace (registry, signing key, ingested synthetic purchases).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from ecoprocure.demo.workspace import DemoResult, build_demo_workspace
from ecoprocure.settings import Settings, load_settings
from ecoprocure.store.db import Database
from ecoprocure.store.reference_loader import load_reference
from ecoprocure.web.app import create_app
from tests.conftest import BACKENDS, database_url
from tests.store import registry_builders as rb


@dataclass
class Server:
    url: str
    app: FastAPI

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


@contextmanager
def serve(app: FastAPI) -> Iterator[Server]:
    """Run ``app`` on uvicorn in a thread until the block ends."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Server(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def web_settings(home: Path, url: str | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home": home,
        "verify_rate_limit": "off",
        "dashboard_warm_up": False,  # tests count the pipeline runs
        **overrides,
    }
    if url is not None:
        values["database_url"] = url
    return load_settings(**values)


def build_registry(home: Path, url: str) -> None:
    db = Database(url)
    try:
        with db.engine.begin() as conn:
            load_reference(conn)
        rb.build_catalogue(db, home)
    finally:
        db.close()


@pytest.fixture(scope="module", params=BACKENDS)
def registry_home(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a home whose database holds the reference data and the test catalogue."""
    home = tmp_path_factory.mktemp(f"web-{request.param}")
    url = database_url(str(request.param), home)
    build_registry(home, url)
    return web_settings(home, url)


@pytest.fixture(scope="module")
def registry_server(registry_home: Settings) -> Iterator[Server]:
    with serve(create_app(registry_home)) as server:
        yield server


@pytest.fixture(scope="module")
def api(registry_server: Server) -> Iterator[httpx.Client]:
    with registry_server.client() as client:
        yield client


@dataclass
class Demo:
    server: Server
    result: DemoResult
    settings: Settings


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo workspace (SQLite) served: registry, keys and ingested purchases."""
    home = tmp_path_factory.mktemp("web-demo")
    conf = web_settings(home, f"sqlite:///{home / 'ecoprocure.db'}")
    db = Database.from_settings(conf)
    try:
        result = build_demo_workspace(db, conf, log=lambda _message: None)
    finally:
        db.close()
    with serve(create_app(conf)) as server:
        yield Demo(server, result, conf)


STAFF_PASSWORD = "green-labels-for-public-buyers-42"


@dataclass
class StaffedSite:
    """A registry server with an officer (olga), an analyst (ana) and an admin (root), each with a
    password and an API token."""

    server: Server
    db: Database
    tokens: dict[str, str]

    @property
    def officer(self) -> str:
        return self.tokens["olga"]

    @property
    def analyst(self) -> str:
        return self.tokens["ana"]

    @property
    def admin(self) -> str:
        return self.tokens["root"]


@contextmanager
def staffed_site(home: Path, url: str) -> Iterator[StaffedSite]:
    """The test catalogue on ``url`` served with three accounts; each module gets its own database
    (lifecycle actions change certificates)."""
    from ecoprocure.domain.accounts import Role
    from ecoprocure.store.accounts import create_token, create_user

    build_registry(home, url)
    db = Database(url)
    tokens = {}
    with db.transaction() as session:
        for name, role in (
            ("olga", Role.CERTIFICATION_OFFICER),
            ("ana", Role.PROCUREMENT_ANALYST),
            ("root", Role.ADMIN),
        ):
            create_user(session, name, role, password=STAFF_PASSWORD, actor="test")
            tokens[name] = create_token(session, name, "tests", actor="test").secret
    settings = web_settings(home, url, auth_failure_rate_limit="1000/minute")
    try:
        with serve(create_app(settings)) as server:
            yield StaffedSite(server, db, tokens)
    finally:
        db.close()
