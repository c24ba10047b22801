"""``GET /healthz``: the process answers (no database work; the benchmarks' reference)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ecoprocure.web.schemas import HealthOut

router = APIRouter(tags=["health"])

_OK = b'{"status":"ok"}'


@router.get("/healthz", response_model=HealthOut, summary="Liveness check")
async def healthz() -> Response:
    return Response(_OK, media_type="application/json", headers={"Cache-Control": "no-store"})
