"""Pages for people: server-rendered templates (``web/templates``) in English and Simplified
Chinese, calling the same store and pipeline functions as the API and the CLI.

Each module is one area: ``public`` (start page, verification), ``account`` (log in/out, password),
``dashboard`` (green procurement: charts and downloads), ``catalogue`` (green products),
``certificate`` (a certificate and its lifecycle form), ``statistics`` (programme statistics).
"""

from __future__ import annotations

from fastapi import APIRouter

from ecoprocure.web.pages import account, catalogue, certificate, dashboard, public, statistics, uploads


def page_routers() -> list[APIRouter]:
    return [
        public.router,
        account.router,
        catalogue.router,
        certificate.router,
        statistics.router,
        dashboard.router,
        uploads.router,
    ]
