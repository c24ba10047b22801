"""The demo workspace (registry, keys, two years of synthetic purchases) for the report tests."""

from __future__ import annotations

from pathlib import Path

from ecoprocure.demo.workspace import build_demo_workspace
from ecoprocure.settings import Settings, load_settings
from ecoprocure.store.db import Database

# The demo's purchases fall in the two years up to the end of 2025.
YEAR = 2025


def build_demo_home(home: Path) -> Settings:
    conf = load_settings(home=home, database_url=f"sqlite:///{home / 'ecoprocure.db'}")
    db = Database.from_settings(conf)
    try:
        build_demo_workspace(db, conf, log=lambda _message: None)
    finally:
        db.close()
    return conf
