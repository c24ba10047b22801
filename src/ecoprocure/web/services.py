"""What the routes are handed: settings, the database, the verifier pool, rate limits, caches.

One :class:`Services` per app, built by ``create_app`` and reached through the ``ServicesDep``
dependency, so tests (and later steps: accounts, uploads) can replace it with
``app.dependency_overrides[get_services]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from ecoprocure.settings import Settings
from ecoprocure.store.db import Database
from ecoprocure.web.analysis_cache import AnalysisCache
from ecoprocure.web.jobs import JobRunner
from ecoprocure.web.rate_limit import RateLimit
from ecoprocure.web.verifiers import VerifierPool


@dataclass
class Services:
    settings: Settings
    db: Database
    verifiers: VerifierPool
    verify_limit: RateLimit
    auth_failures: RateLimit
    jobs: JobRunner
    analyses: AnalysisCache = field(default_factory=AnalysisCache)

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        verify_limit = RateLimit(settings.verify_rate_limit, settings.rate_limit_storage)
        db = Database.from_settings(settings)
        return cls(
            settings=settings,
            db=db,
            verifiers=VerifierPool(db, settings.resolved_keys_dir),
            verify_limit=verify_limit,
            auth_failures=RateLimit(
                settings.auth_failure_rate_limit, settings.rate_limit_storage, scope="auth-failure"
            ),
            jobs=_jobs(settings, db),
        )

    def close(self) -> None:
        self.jobs.close()
        self.verifiers.close()
        self.db.close()


def _jobs(settings: Settings, db: Database) -> JobRunner:
    """The upload job runner; jobs an earlier server left unfinished are marked failed."""
    runner = JobRunner(settings, db)
    runner.recover()
    return runner


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
