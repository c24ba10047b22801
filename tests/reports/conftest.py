"""One demo workspace for every report test of this folder (built once: ~6 s)."""

from __future__ import annotations

import pytest

from ecoprocure.settings import Settings
from tests.reports.demo_home import build_demo_home


@pytest.fixture(scope="session")
def demo_conf(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_demo_home(tmp_path_factory.mktemp("report-demo"))
