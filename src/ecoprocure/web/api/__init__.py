"""The REST API under ``/api/v1``: one router module per area."""

from __future__ import annotations

from fastapi import APIRouter

from ecoprocure.web.api import (
    accounts,
    catalogue,
    certificate_actions,
    certificates,
    criterion_actions,
    health,
    procurement,
    reference,
    statistics,
    uploads,
    verification,
)


def routers() -> list[APIRouter]:
    return [
        health.router,
        verification.router,
        catalogue.router,
        reference.router,
        certificates.router,
        certificate_actions.router,
        criterion_actions.router,
        statistics.router,
        procurement.router,
        accounts.router,
        uploads.router,
    ]
