"""``ecoprocure verify``: by certificate number, brand + model, QR text, or offline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from ecoprocure.cli.context import console, database, fail, handles_errors, print_json, settings
from ecoprocure.domain.verification import Verdict, VerificationAnswer, verify_offline
from ecoprocure.store.keys import read_public_key
from ecoprocure.store.verification import Verifier

_COLOURS = {Verdict.VALID: "green", Verdict.SUSPENDED: "yellow", Verdict.EXPIRED: "yellow"}


def _print(answer: VerificationAnswer) -> None:
    colour = _COLOURS.get(answer.status, "red")
    console.print(f"[bold {colour}]{answer.status.value.upper()}[/]: {answer.reason}")
    facts = answer.certificate
    if facts is not None:
        console.print(
            f"  certificate {facts.number} · scheme {facts.scheme_code} · criterion {facts.criterion_code}"
        )
        console.print(f"  licensee {facts.licensee_name_zh or ''} {facts.licensee_name_en or ''}".rstrip())
        if facts.category_code:
            console.print(f"  category {facts.category_code} ({facts.category_name_en})")
        console.print(f"  issued {facts.issued_on}, expires {facts.expires_on or 'never'}")
    if answer.product:
        console.print(f"  product {answer.product['brand']} {answer.product['model']}")
    for r in answer.recognised_by:
        console.print(f"  recognised by {r.scheme_code} under {r.agreement_code}")
    if answer.other_certificates:
        console.print(f"  also covered by: {', '.join(answer.other_certificates)}")


@handles_errors
def verify(
    certificate: Annotated[str | None, typer.Argument(help="Certificate number.")] = None,
    brand: Annotated[str | None, typer.Option(help="Brand (with --model).")] = None,
    model: Annotated[str | None, typer.Option(help="Model (with --brand).")] = None,
    qr: Annotated[str | None, typer.Option(help="The text of a certificate QR code.")] = None,
    offline: Annotated[
        str | None, typer.Option(help="QR text to check with --public-key, no database.")
    ] = None,
    public_key: Annotated[Path | None, typer.Option(help="Scheme public key (PEM) for --offline.")] = None,
    as_of: Annotated[str | None, typer.Option(help="Date to verify on (YYYY-MM-DD, default today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Is this label genuine and valid? Answers valid / suspended / revoked / expired / unknown."""
    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)")
        return
    chosen = sum(x is not None for x in (certificate, qr, offline)) + (brand is not None or model is not None)
    if chosen != 1:
        fail(
            "give exactly one of: CERT_NO, --brand B --model M, --qr PAYLOAD, "
            "--offline PAYLOAD --public-key KEY"
        )
    if offline is not None:
        if public_key is None:
            fail("--offline needs --public-key KEY (the scheme's public key file)")
            return
        answer = verify_offline(offline, read_public_key(public_key), day)
    else:
        if (brand is None) != (model is None):
            fail("--brand and --model go together")
        with database() as db, Verifier(db, settings().resolved_keys_dir) as verifier:
            if certificate is not None:
                answer = verifier.by_number(certificate, day)
            elif qr is not None:
                answer = verifier.by_qr(qr, day)
            else:
                answer = verifier.by_brand_model(brand or "", model or "", day)
    if as_json:
        print_json(answer.to_dict())
    else:
        _print(answer)
