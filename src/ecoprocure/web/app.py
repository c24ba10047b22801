"""The app factory: ``create_app(settings)`` builds an isolated application (its own database
engine, verifier pool, rate-limit counters and caches), so tests can run as many as they like and
``ecoprocure serve`` runs one per worker process.

Nothing is built at import time. The database is opened (and migrated to the newest schema) when
the app is created, so a wrong URL or an unreachable server fails at start-up, not at the first
request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from ecoprocure import __version__
from ecoprocure.settings import Settings, load_settings
from ecoprocure.web import errors
from ecoprocure.web.api import routers
from ecoprocure.web.pages import dashboard, page_routers
from ecoprocure.web.pages.errors import handle_page_error, is_page, page_error
from ecoprocure.web.pages.templating import STATIC_DIR, LocaleMiddleware
from ecoprocure.web.pages.visitor import PageError
from ecoprocure.web.services import Services

DESCRIPTION = """\
Green public procurement backed by ecolabels: verify a label, search the green product
catalogue, read the registry (schemes, categories, criteria, certificates and their history),
programme statistics, and the green share and environmental benefits of the ingested purchases.

Every error has one body: `{"error": {"code", "message", "field", "status", "details"}}`.
Lists are paged with `limit` and `offset` and carry `total` and `links`. Read-only resources
carry an `ETag` (send it back in `If-None-Match` for a 304) and `Cache-Control`.

Reading is public. Lifecycle actions need an API token (`Authorization: Bearer eco_…`, issued by
`ecoprocure user token create`) of a certification officer or admin: 401 without a valid token,
403 for another role; every write is audited with its actor.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    services = Services.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.dashboard_warm_up:
            dashboard.warm_up(services)
        try:
            yield
        finally:
            services.close()

    app = FastAPI(
        title="ecoprocure",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "verification", "description": "Is this label genuine and valid?"},
            {"name": "catalogue", "description": "Search certified products."},
            {"name": "reference", "description": "Schemes, categories, criteria."},
            {"name": "certificates", "description": "Certificates, their products and history."},
            {"name": "statistics", "description": "Programme statistics."},
            {"name": "procurement", "description": "Green share and environmental benefits."},
            {"name": "accounts", "description": "The caller behind an API token."},
            {"name": "uploads", "description": "Files imported in the background, with their reports."},
            {"name": "health", "description": "Liveness."},
        ],
    )
    app.state.services = services

    def pages_errors(request: Request, status: int, message: str | None) -> Response | None:
        return page_error(request, status, message) if is_page(request) else None

    errors.install(app, pages=pages_errors)
    app.add_exception_handler(PageError, handle_page_error)
    for router in routers():
        app.include_router(router)
    for router in page_routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(LocaleMiddleware)
    return app
