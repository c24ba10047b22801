"""Certificate lifecycle, criterion withdrawal, signing keys and QR codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from ecoprocure.cli.context import console, database, fail, handles_errors, print_json, settings
from ecoprocure.domain.lifecycle import Action
from ecoprocure.domain.signing import sign
from ecoprocure.reports.certificate_qr import write_qr
from ecoprocure.store.certificates import certificate_payload, history, perform_action, withdraw_criterion
from ecoprocure.store.keys import generate_key, load_private_key

certificate_app = typer.Typer(
    help="Certificate lifecycle, history and signed QR codes.", no_args_is_help=True
)
criterion_app = typer.Typer(help="Criteria.", no_args_is_help=True)
keys_app = typer.Typer(help="Scheme signing keys (kept outside the database).", no_args_is_help=True)

Reason = Annotated[str | None, typer.Option(help="Why (required to suspend or revoke).")]
Actor = Annotated[str, typer.Option(help="Who acts (written to the audit log).")]
On = Annotated[str | None, typer.Option("--on", help="Effective date YYYY-MM-DD (default today).")]


def _day(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else dt.date.today()
    except ValueError:
        fail(f"{text!r} is not a date (YYYY-MM-DD)")
        raise


def _act(
    number: str, action: Action, actor: str, reason: str | None, on: str | None, new_expiry: str | None = None
) -> None:
    with database() as db, db.transaction() as session:
        cert = perform_action(
            session,
            number,
            action,
            actor=actor,
            reason=reason,
            effective_on=_day(on),
            new_expires_on=_day(new_expiry) if new_expiry else None,
        ).certificate
        console.print(f"{cert.number}: {action.value} → {cert.status} (expires {cert.expires_on or 'never'})")


@certificate_app.command("suspend")
@handles_errors
def suspend(number: str, reason: Reason = None, actor: Actor = "cli", on: On = None) -> None:
    """Suspend a valid certificate."""
    _act(number, Action.SUSPEND, actor, reason, on)


@certificate_app.command("reinstate")
@handles_errors
def reinstate(number: str, reason: Reason = None, actor: Actor = "cli", on: On = None) -> None:
    """Reinstate a suspended certificate."""
    _act(number, Action.REINSTATE, actor, reason, on)


@certificate_app.command("revoke")
@handles_errors
def revoke(number: str, reason: Reason = None, actor: Actor = "cli", on: On = None) -> None:
    """Revoke a certificate (final)."""
    _act(number, Action.REVOKE, actor, reason, on)


@certificate_app.command("expire")
@handles_errors
def expire(number: str, reason: Reason = None, actor: Actor = "cli", on: On = None) -> None:
    """End a certificate early (it also expires by itself after its expiry date)."""
    _act(number, Action.EXPIRE, actor, reason, on)


@certificate_app.command("renew")
@handles_errors
def renew(
    number: str,
    expires: Annotated[str, typer.Option(help="New expiry date YYYY-MM-DD.")],
    reason: Reason = None,
    actor: Actor = "cli",
    on: On = None,
) -> None:
    """Renew a valid or expired certificate to a later expiry date."""
    _act(number, Action.RENEW, actor, reason, on, expires)


@certificate_app.command("history")
@handles_errors
def show_history(number: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The audit trail of a certificate."""
    with database() as db, db.transaction() as session:
        events = [
            {
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "effective_on": e.effective_on,
                "recorded_at": e.recorded_at,
                "actor": e.actor,
                "reason": e.reason,
            }
            for e in history(session, number)
        ]
    if as_json:
        print_json(events)
        return
    for e in events:
        console.print(
            f"{e['effective_on']} {e['action']:<20} {e['from'] or '-'} → {e['to']}  by {e['actor']}"
            f"{': ' + e['reason'] if e['reason'] else ''}"
        )


@certificate_app.command("qr")
@handles_errors
def qr(
    number: str,
    out: Annotated[Path, typer.Option(help="Folder for the PNG and SVG.")] = Path(),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Sign a certificate with its scheme's key and write QR codes (PNG and SVG)."""
    with database() as db, db.transaction() as session:
        payload = certificate_payload(session, number)
    text = sign(payload, load_private_key(settings().resolved_keys_dir, payload.scheme))
    paths = write_qr(text, out, payload.number)
    if as_json:
        print_json({"payload": text, "files": [str(p) for p in paths]})
        return
    console.print(f"signed payload: {text}")
    console.print("wrote " + ", ".join(str(p) for p in paths))


@criterion_app.command("withdraw")
@handles_errors
def withdraw(
    scheme: str,
    standard_code: str,
    reason: Annotated[str, typer.Option(help="Why.")],
    actor: Actor = "cli",
    on: On = None,
) -> None:
    """Withdraw a criterion; every valid or suspended certificate under it ends that day."""
    with database() as db, db.transaction() as session:
        ended = withdraw_criterion(session, scheme, standard_code, _day(on), actor=actor, reason=reason)
    console.print(f"criterion {standard_code} withdrawn; {len(ended)} certificate(s) ended")


@keys_app.command("generate")
@handles_errors
def keys_generate(scheme: str, overwrite: Annotated[bool, typer.Option()] = False) -> None:
    """Create a scheme's Ed25519 signing key pair in the keys folder."""
    public = generate_key(settings().resolved_keys_dir, scheme, overwrite=overwrite)
    console.print(f"public key (share it for offline checks): {public}")
