"""The ``ecoprocure`` command: contract tests in a subprocess, the rest through typer's CliRunner."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ecoprocure.settings import load_settings
from ecoprocure.store.db import Database
from ecoprocure.store.reference_loader import load_reference
from tests.cli.runner import one_line_error, run, run_json
from tests.conftest import POSTGRES_URL, database_url
from tests.store import registry_builders as rb


def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ECOPROCURE_CONFIG",
        "ECOPROCURE_KEYS_DIR",
        "ECOPROCURE_UPLOADS_DIR",
        "ECOPROCURE_IMPORT_BATCH_SIZE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cli_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ECOPROCURE_HOME on SQLite with no registry yet."""
    _clean_env(monkeypatch)
    return home


@pytest.fixture
def registry_home(cli_home: Path, tmp_path: Path) -> Path:
    """An ECOPROCURE_HOME whose database holds the reference data and the test catalogue."""
    db = Database(load_settings().resolved_database_url)
    try:
        with db.engine.begin() as conn:
            load_reference(conn)
        rb.build_catalogue(db, tmp_path)
    finally:
        db.close()
    return cli_home


# --- contract tests: the installed entry point in a fresh process ---------------------------------


def _subprocess(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOPROCURE_")}
    env["ECOPROCURE_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "ecoprocure.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=home.parent,
        timeout=120,
        check=False,
    )


def test_demo_runs_twice_and_says_what_to_try_next(tmp_path: Path) -> None:
    home = tmp_path / "workspace"
    for _ in range(2):
        done = _subprocess(home, "demo")
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert "what to try next" in done.stdout
        assert "ecoprocure verify CEC-" in done.stdout
        assert (
            "→ valid" in done.stdout and "→ suspended" in done.stdout and "→ invalid-signature" in done.stdout
        )
    assert (home / "ecoprocure.db").is_file()
    assert (home / "keys" / "CEL.pub").is_file()
    number = next(
        line.split()[-1]
        for line in done.stdout.splitlines()
        if line.strip().startswith("ecoprocure verify CEC-")
    )
    verified = _subprocess(home, "verify", number, "--json")
    assert verified.returncode == 0, verified.stderr
    answer = json.loads(verified.stdout)
    assert isinstance(answer, dict)
    assert answer["status"] == "valid"
    assert answer["certificate"]["number"] == number


def test_errors_exit_non_zero_with_one_line_on_stderr(tmp_path: Path) -> None:
    home = tmp_path / "workspace"
    no_key = _subprocess(home, "verify", "--offline", "EP1.abc.def")
    assert no_key.returncode != 0
    assert no_key.stderr.splitlines() == [
        "error: --offline needs --public-key KEY (the scheme's public key file)"
    ]
    assert no_key.stdout == ""
    missing = _subprocess(home, "registry", "import", str(tmp_path / "nowhere.csv"))
    assert missing.returncode != 0
    (line,) = missing.stderr.splitlines()
    assert line.startswith("error: ") and "nowhere.csv: no such file" in line


# --- demo through the runner ----------------------------------------------------------------------


def test_demo_in_the_runner(cli_home: Path) -> None:
    result = run("demo")
    assert result.exit_code == 0, result.stderr
    assert "what to try next" in result.stdout
    assert "Green share by year" in result.stdout
    assert "Benefits of the certified purchases" in result.stdout
    assert "certified purchases earned a" in result.stdout
    assert "m³" in result.stdout and "m**3" not in result.stdout  # units as people write them
    assert "ecoprocure serve" in result.stdout and "ecoprocure report annual --year" in result.stdout
    assert "ha of forest for one year" in result.stdout and "CNY/t =" in result.stdout  # equivalents, money
    again = run("demo")
    assert again.exit_code == 0, again.stderr
    assert "what to try next" in again.stdout


# --- verify ---------------------------------------------------------------------------------------


def test_verify_a_certificate_number(registry_home: Path) -> None:
    answer = run_json("verify", "cec-2021-0001", "--json")
    assert answer["status"] == "valid"
    assert answer["certificate"]["number"] == rb.DESKTOP
    assert answer["recognised_by"] == [
        {"scheme": "JP-ECOMARK", "agreement": "CJK-CCC-PC"},
        {"scheme": "KR-ECOLABEL", "agreement": "CJK-CCC-PC"},
    ]
    printed = run("verify", rb.DESKTOP)
    assert printed.exit_code == 0
    assert printed.stdout.startswith("VALID: ")
    assert "recognised by JP-ECOMARK under CJK-CCC-PC" in printed.stdout


def test_verify_an_unknown_number_is_an_answer_not_an_error(registry_home: Path) -> None:
    answer = run_json("verify", "CEC-0000-NOPE", "--json")
    assert answer["status"] == "unknown"
    assert "CEC-0000-NOPE" in answer["reason"]


def test_verify_a_past_day(registry_home: Path) -> None:
    assert run_json("verify", rb.NOTEBOOK_SUSPENDED, "--json")["status"] == "suspended"
    before = run_json("verify", rb.NOTEBOOK_SUSPENDED, "--as-of", "2024-05-09", "--json")
    assert (before["status"], before["as_of"]) == ("valid", "2024-05-09")
    assert "is not a date" in one_line_error(run("verify", rb.DESKTOP, "--as-of", "yesterday"))


def test_verify_brand_and_model(registry_home: Path) -> None:
    answer = run_json("verify", "--brand", "LENOVO", "--model", "ＴｈｉｎｋＰａｄ  x1 carbon", "--json")
    assert answer["status"] == "valid"
    assert answer["certificate"]["number"] == rb.NOTEBOOK_EU
    assert answer["product"]["model"] == "ThinkPad X1 Carbon"
    assert answer["other_certificates"] == [rb.NOTEBOOK_SUSPENDED]
    assert "go together" in one_line_error(run("verify", "--brand", "Lenovo"))


def test_verify_needs_exactly_one_question(registry_home: Path) -> None:
    assert "give exactly one of" in one_line_error(run("verify"))
    assert "give exactly one of" in one_line_error(run("verify", rb.DESKTOP, "--qr", "EP1.a.b"))


def _signed(tmp_path: Path, number: str) -> tuple[str, list[Path]]:
    generated = run("keys", "generate", "CEL")
    if generated.exit_code != 0:  # the key exists already
        assert "refusing to replace a signing key" in one_line_error(generated)
    out = run_json("certificate", "qr", number, "--out", str(tmp_path / "qr"), "--json")
    return out["payload"], [Path(p) for p in out["files"]]


def test_certificate_qr_writes_png_and_svg(registry_home: Path, tmp_path: Path) -> None:
    payload, files = _signed(tmp_path, rb.DESKTOP)
    assert payload.startswith("EP1.")
    assert sorted(p.suffix for p in files) == [".png", ".svg"]
    png, svg = sorted(files)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "<svg" in svg.read_text(encoding="utf-8")
    printed = run("certificate", "qr", rb.DESKTOP, "--out", str(tmp_path / "qr2"))
    assert printed.exit_code == 0
    assert (tmp_path / "qr2" / f"{rb.DESKTOP}.png").is_file() and (
        tmp_path / "qr2" / f"{rb.DESKTOP}.svg"
    ).is_file()


def test_certificate_qr_without_a_key_fails_with_the_fix(registry_home: Path, tmp_path: Path) -> None:
    line = one_line_error(run("certificate", "qr", rb.DESKTOP, "--out", str(tmp_path)))
    assert "no signing key for scheme CEL" in line and "ecoprocure keys generate CEL" in line


def test_verify_qr_checks_the_signature_and_the_registry(registry_home: Path, tmp_path: Path) -> None:
    payload, _ = _signed(tmp_path, rb.DESKTOP)
    answer = run_json("verify", "--qr", payload, "--json")
    assert answer["status"] == "valid"
    assert "signature not checked" not in answer["reason"]
    assert run_json("verify", "--qr", _tampered(payload), "--json")["status"] == "invalid-signature"
    suspended, _ = _signed(tmp_path, rb.NOTEBOOK_SUSPENDED)
    assert run_json("verify", "--qr", suspended, "--json")["status"] == "suspended"


def _tampered(qr: str) -> str:
    prefix, body, signature = qr.split(".")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    edited = raw.replace(rb.FUTURE.isoformat().encode(), b"2099-12-31")
    assert edited != raw
    return ".".join([prefix, base64.urlsafe_b64encode(edited).rstrip(b"=").decode(), signature])


def test_verify_offline_with_the_public_key(registry_home: Path, tmp_path: Path) -> None:
    payload, _ = _signed(tmp_path, rb.DESKTOP)
    key = registry_home / "keys" / "CEL.pub"
    answer = run_json("verify", "--offline", payload, "--public-key", str(key), "--json")
    assert answer["status"] == "valid"
    assert answer["certificate"]["number"] == rb.DESKTOP
    assert "offline check" in answer["reason"]
    forged = run_json("verify", "--offline", _tampered(payload), "--public-key", str(key), "--json")
    assert forged["status"] == "invalid-signature"
    assert "certificate" not in forged


def test_verify_offline_needs_no_database(cli_home: Path, tmp_path: Path) -> None:
    from ecoprocure.domain.signing import CertificatePayload, sign
    from ecoprocure.store.keys import generate_key, load_private_key

    keys = tmp_path / "elsewhere"
    public = generate_key(keys, "CEL")
    payload = CertificatePayload(
        "CEL",
        "CEC-2024-0009",
        "9111X",
        "某公司",
        "HJ 2537-2014",
        "chem.paint",
        dt.date(2024, 1, 1),
        rb.FUTURE,
    )
    answer = run_json(
        "verify",
        "--offline",
        sign(payload, load_private_key(keys, "CEL")),
        "--public-key",
        str(public),
        "--json",
    )
    assert answer["status"] == "valid"
    assert not (cli_home / "ecoprocure.db").exists()


def test_verify_offline_without_a_key_fails(cli_home: Path) -> None:
    line = one_line_error(run("verify", "--offline", "EP1.a.b", "--json"))
    assert line == "error: --offline needs --public-key KEY (the scheme's public key file)"
    missing = one_line_error(
        run("verify", "--offline", "EP1.a.b", "--public-key", str(cli_home / "none.pub"))
    )
    assert "cannot read public key" in missing


# --- lifecycle commands ---------------------------------------------------------------------------


def test_suspend_then_verify_shows_suspended(registry_home: Path) -> None:
    result = run(
        "certificate", "suspend", rb.DESKTOP, "--reason", "surveillance audit failed", "--on", "2025-01-02"
    )
    assert result.exit_code == 0, result.stderr
    assert f"{rb.DESKTOP}: suspend → suspended" in result.stdout
    answer = run_json("verify", rb.DESKTOP, "--json")
    assert answer["status"] == "suspended"
    assert answer["reason"] == "suspended since 2025-01-02: surveillance audit failed"
    events = run_json("certificate", "history", rb.DESKTOP, "--json")
    assert [(e["action"], e["from"], e["to"], e["actor"]) for e in events] == [
        ("issue", None, "valid", "test"),
        ("suspend", "valid", "suspended", "cli"),
    ]
    assert events[1]["effective_on"] == "2025-01-02" and events[1]["reason"] == "surveillance audit failed"


def test_suspend_without_a_reason_is_refused(registry_home: Path) -> None:
    assert "suspend needs a reason" in one_line_error(run("certificate", "suspend", rb.DESKTOP))
    assert run_json("verify", rb.DESKTOP, "--json")["status"] == "valid"


def test_reinstating_a_revoked_certificate_is_refused_with_the_rule(registry_home: Path) -> None:
    revoked = run("certificate", "revoke", rb.PAINT, "--reason", "falsified report", "--on", "2025-03-01")
    assert revoked.exit_code == 0, revoked.stderr
    line = one_line_error(run("certificate", "reinstate", rb.PAINT, "--on", "2025-04-01"))
    assert line == (
        f"error: certificate {rb.PAINT}: cannot reinstate a revoked certificate (a final state: issue "
        "a new certificate instead); reinstate needs suspended"
    )
    assert run_json("verify", rb.PAINT, "--json")["status"] == "revoked"


def test_renew_and_bad_dates(registry_home: Path) -> None:
    later = f"{rb.FUTURE.year + 2}-12-31"
    result = run("certificate", "renew", rb.STATIONERY, "--expires", later)
    assert result.exit_code == 0, result.stderr
    assert run_json("verify", rb.STATIONERY, "--json")["certificate"]["expires_on"] == later
    assert "is not a date" in one_line_error(
        run("certificate", "expire", rb.STATIONERY, "--on", "31/12/2025")
    )
    assert "no certificate numbered 'NOPE-1'" in one_line_error(run("certificate", "expire", "NOPE-1"))


def test_criterion_withdraw_ends_its_certificates(registry_home: Path) -> None:
    result = run("criterion", "withdraw", "CEL", "HJ 2535-2013", "--reason", "replaced", "--on", "2025-06-01")
    assert result.exit_code == 0, result.stderr
    assert "1 certificate(s) ended" in result.stdout
    answer = run_json("verify", rb.AIR_CONDITIONER, "--json")
    assert answer["status"] == "expired" and "HJ 2535-2013 was withdrawn" in answer["reason"]


# --- stats and search -----------------------------------------------------------------------------


def test_stats_json(registry_home: Path) -> None:
    (row,) = run_json("stats", "--year", "2022", "--scheme", "CEL", "--json")
    assert (row["scheme"], row["year"]) == ("CEL", 2022)
    # On 2022-12-31: the desktop, notebook (suspended only in 2024), furniture (last day), paint, air
    # conditioner and stationery certificates, held by five licensees; 2021 had four certificates of three.
    assert (row["certificates"], row["licensees"], row["product_models"]) == (6, 5, 10)
    assert row["growth_percent"]["certificates"] == 50.0
    assert row["growth_percent"]["licensees"] == 66.7
    assert "certificates: (6 − 4) / 4 = 50.0 %" in row["arithmetic"]
    every = run_json("stats", "--year", "2022", "--json")
    assert {"CEL", "EU-ECOLABEL"} <= {r["scheme"] for r in every}


def test_stats_table(registry_home: Path) -> None:
    result = run("stats", "--year", "2022", "--scheme", "CEL")
    assert result.exit_code == 0, result.stderr
    assert "Programme statistics, 31 December 2022" in result.stdout
    assert "CEL: certificates: (6 − 4) / 4 = 50.0 %" in result.stdout


def test_search_json(registry_home: Path) -> None:
    found = run_json("search", "thinkc", "--json")
    assert (found["query"], found["count"]) == ("thinkc", 2)
    assert {h["model"] for h in found["hits"]} == {"ThinkCentre M720", "ThinkCentre M920"}
    valid = run_json("search", "华森", "--status", "valid", "--json")
    assert [h["certificate"] for h in valid["hits"]] == [rb.SCHOOL_FURNITURE]
    school = run_json("search", "华森", "--category", "office.furniture.school", "--json")
    assert school["count"] == 1
    eu = run_json("search", "thinkpad", "--scheme", "EU-ECOLABEL", "--json")
    assert [h["certificate"] for h in eu["hits"]] == [rb.NOTEBOOK_EU]
    assert run_json("search", "nothing-like-this", "--json") == {
        "query": "nothing-like-this",
        "count": 0,
        "hits": [],
    }


def test_search_errors(registry_home: Path) -> None:
    assert "unknown status filter 'current'" in one_line_error(run("search", "lenovo", "--status", "current"))
    assert "nothing to search for" in one_line_error(run("search", "  "))


# --- reference data and imports -------------------------------------------------------------------


def _write_catalogue(folder: Path) -> list[Path]:
    return rb.catalogue_files(folder)


def test_registry_import_prints_counts(cli_home: Path, tmp_path: Path) -> None:
    loaded = run("reference", "load")
    assert loaded.exit_code == 0, loaded.stderr
    assert "loaded " in loaded.stdout and " schemes" in loaded.stdout
    licensees, certificates, models = _write_catalogue(tmp_path / "files")
    report = run_json("registry", "import", str(licensees), "--json")
    assert report["status"] == "ok"
    assert report["rows_read"] == len(rb.LICENSEES)
    assert report["written"] == {"licensees": {"inserted": len(rb.LICENSEES), "updated": 0, "unchanged": 0}}
    assert Path(report["kept_path"]).is_file()
    reports = run_json("registry", "import", str(certificates), str(models), "--json")
    assert [r["status"] for r in reports] == ["ok", "ok"]
    assert reports[0]["written"]["certificates"]["inserted"] == len(rb.CERTIFICATES)
    assert reports[1]["written"]["models"]["inserted"] == len(rb.MODELS)
    again = run_json("registry", "import", str(licensees), "--json")
    assert again["written"] == {"licensees": {"inserted": 0, "updated": 0, "unchanged": len(rb.LICENSEES)}}
    assert (
        run_json("verify", "--brand", "Lenovo", "--model", "ThinkCentre M720", "--json")["status"] == "valid"
    )
    printed = run("registry", "import", str(licensees))
    assert printed.exit_code == 0
    assert f"licensees: 0 inserted, 0 updated, {len(rb.LICENSEES)} unchanged" in printed.stdout


def test_registry_import_reports_rejected_rows(cli_home: Path, tmp_path: Path) -> None:
    assert run("reference", "load").exit_code == 0
    bad = rb.write_csv(
        tmp_path / "bad.csv",
        [
            {"registration_id": "9111A", "name_en": "A Co.", "name_zh": ""},
            {"registration_id": "9111B", "name_en": "", "name_zh": ""},
        ],
    )
    report = run_json("registry", "import", str(bad), "--json")
    assert report["status"] == "partial"
    assert report["rejected"] == 1
    assert report["rejects"][0] | {"reason": ""} == {
        "file": "bad.csv",
        "row": 3,
        "field": "name_en",
        "value": "",
        "reason": "",
    }


def test_registry_import_failures_exit_non_zero(cli_home: Path, tmp_path: Path) -> None:
    assert "no such file" in one_line_error(run("registry", "import", str(tmp_path / "missing.csv")))
    odd = rb.write_csv(tmp_path / "odd.csv", [{"colour": "green", "size": "9"}])
    assert "the header matches no import template" in one_line_error(run("registry", "import", str(odd)))
    as_json = run("registry", "import", str(odd), "--json")
    assert json.loads(as_json.stdout)["status"] == "failed"
    assert "matches no import template" in one_line_error(as_json)
    short = rb.write_csv(tmp_path / "short.csv", [{"number": "X-1", "scheme": "CEL"}])
    line = one_line_error(run("registry", "import", str(short), "--kind", "certificates"))
    assert (
        "missing column(s) licensee_registration_id, criterion, issued_on for the certificates template"
        in line
    )


# --- configuration --------------------------------------------------------------------------------


def test_a_bad_database_url_is_a_one_line_error(cli_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOPROCURE_DATABASE_URL", "mysql://root@localhost/eco")
    assert "unsupported database URL" in one_line_error(run("verify", rb.DESKTOP))


@pytest.mark.postgres
def test_the_database_url_setting_is_honoured(
    cli_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = database_url("postgres", tmp_path)  # skips (or fails, when required) without PostgreSQL
    assert url == POSTGRES_URL
    monkeypatch.setenv("ECOPROCURE_DATABASE_URL", url)
    upgraded = run("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.stderr
    assert "postgresql" in upgraded.stdout
    assert run("reference", "load").exit_code == 0
    assert run_json("verify", "CEC-0000-NOPE", "--json")["status"] == "unknown"
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM scheme")).scalar_one() > 0
    finally:
        engine.dispose()
    assert not (cli_home / "ecoprocure.db").exists()
