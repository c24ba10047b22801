"""Settings (ecoprocure.settings): ECOPROCURE_ variables, the TOML file, overrides and bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecoprocure.errors import ConfigurationError
from ecoprocure.settings import load_settings
from ecoprocure.store.db import Database


@pytest.fixture(autouse=True)
def no_ecoprocure_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HOME", "DATABASE_URL", "KEYS_DIR", "UPLOADS_DIR", "IMPORT_BATCH_SIZE", "CONFIG"):
        monkeypatch.delenv(f"ECOPROCURE_{name}", raising=False)
    monkeypatch.chdir(tmp_path)  # the default home is relative to the working directory


def test_defaults_derive_from_the_home_folder(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.home == Path("ecoprocure-data")
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'ecoprocure-data' / 'ecoprocure.db'}"
    assert settings.resolved_keys_dir == Path("ecoprocure-data") / "keys"
    assert settings.resolved_uploads_dir == Path("ecoprocure-data") / "uploads"
    assert settings.import_batch_size == 5000


def test_environment_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOPROCURE_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("ECOPROCURE_KEYS_DIR", str(tmp_path / "vault"))
    monkeypatch.setenv("ECOPROCURE_UPLOADS_DIR", str(tmp_path / "kept"))
    monkeypatch.setenv("ECOPROCURE_IMPORT_BATCH_SIZE", "1000")
    settings = load_settings()
    assert settings.home == tmp_path / "h"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'h' / 'ecoprocure.db'}"
    assert (settings.resolved_keys_dir, settings.resolved_uploads_dir) == (
        tmp_path / "vault",
        tmp_path / "kept",
    )
    assert settings.import_batch_size == 1000
    monkeypatch.setenv("ECOPROCURE_DATABASE_URL", "postgresql://eco@db.example/registry")
    assert load_settings().resolved_database_url == "postgresql+psycopg://eco@db.example/registry"
    monkeypatch.setenv("ECOPROCURE_DATABASE_URL", "sqlite:///elsewhere.db")
    assert load_settings().resolved_database_url == "sqlite:///elsewhere.db"


def test_the_toml_file_in_the_home_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / "h"
    home.mkdir()
    (home / "ecoprocure.toml").write_text(
        '[ecoprocure]\ndatabase_url = "postgresql+psycopg://eco@db/registry"\nimport_batch_size = 2000\n'
        f'keys_dir = "{tmp_path / "file-keys"}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ECOPROCURE_HOME", str(home))
    settings = load_settings()
    assert settings.resolved_database_url == "postgresql+psycopg://eco@db/registry"
    assert settings.import_batch_size == 2000
    assert settings.resolved_keys_dir == tmp_path / "file-keys"
    # The environment beats the file, and keyword overrides beat both.
    monkeypatch.setenv("ECOPROCURE_IMPORT_BATCH_SIZE", "3000")
    assert load_settings().import_batch_size == 3000
    assert load_settings(import_batch_size=4000).import_batch_size == 4000


def test_ecoprocure_config_names_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "etc" / "eco.toml"
    config.parent.mkdir()
    config.write_text(
        f'home = "{tmp_path / "from-file"}"\nimport_batch_size = 700\n', encoding="utf-8"
    )  # no section
    monkeypatch.setenv("ECOPROCURE_CONFIG", str(config))
    settings = load_settings()
    assert settings.home == tmp_path / "from-file"
    assert settings.import_batch_size == 700
    monkeypatch.setenv("ECOPROCURE_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigurationError, match=r"missing\.toml \(from ECOPROCURE_CONFIG\) does not exist"):
        load_settings()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[ecoprocure\n", "config file"),
        ("[ecoprocure]\nimport_batch_size = 10\n", "import_batch_size"),
        (
            '[ecoprocure]\ndatabase_url = "oracle://scott@db/tiger"\n',
            "unsupported database URL 'oracle://scott@db/tiger'",
        ),
        ('[ecoprocure]\ncolour = "green"\n', "colour"),
    ],
)
def test_a_bad_config_file_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, toml: str, message: str
) -> None:
    config = tmp_path / "eco.toml"
    config.write_text(toml, encoding="utf-8")
    monkeypatch.setenv("ECOPROCURE_CONFIG", str(config))
    with pytest.raises(ConfigurationError, match=message):
        load_settings()


@pytest.mark.parametrize("url", ["mysql://root@localhost/eco", "http://example.org/db", "ecoprocure.db"])
def test_a_bad_database_url_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("ECOPROCURE_DATABASE_URL", url)
    with pytest.raises(ConfigurationError, match="unsupported database URL"):
        load_settings()
    with pytest.raises(ConfigurationError, match="unsupported database URL"):
        load_settings(database_url=url)


def test_an_unusable_driver_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="cannot use database URL"):
        Database("postgresql+nosuchdriver://eco@localhost/registry")


def test_a_bad_batch_size_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOPROCURE_IMPORT_BATCH_SIZE", "lots")
    with pytest.raises(ConfigurationError, match="import_batch_size"):
        load_settings()
