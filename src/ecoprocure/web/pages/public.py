"""Public pages: the start page and label verification (by number, brand + model, or the URL a
QR code points to). They call the same verifier as ``GET /api/v1/verify``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from ecoprocure.domain.verification import VerificationAnswer
from ecoprocure.i18n import N_, gettext
from ecoprocure.web.api.verification import VerifyQuery
from ecoprocure.web.pages.templating import render
from ecoprocure.web.services import Services
from ecoprocure.web.verifiers import by_brand_model, by_number, by_qr

router = APIRouter(include_in_schema=False)

HEADLINES = {
    "valid": N_("This label is genuine and valid."),
    "suspended": N_("This certificate is suspended: the label may not be used for now."),
    "revoked": N_("This certificate was revoked: the label is not valid."),
    "expired": N_("This certificate has expired: the label is no longer valid."),
    "unknown": N_("No such certificate or product is in the registry."),
    "invalid-signature": N_("This QR code was not signed by the ecolabel body: do not trust it."),
}
EXPLANATIONS = {
    "valid": N_(
        "The product was certified against the criterion below and the certificate is in force today."
    ),
    "suspended": N_("Suspended certificates may be reinstated after the licensee corrects a problem."),
    "revoked": N_(
        "A revoked certificate does not come back; products sold with this label are not certified."
    ),
    "expired": N_("The licensee did not renew the certificate before its expiry date."),
    "unknown": N_(
        "Check the number or the spelling of brand and model; "
        "a label whose number is unknown may be counterfeit."
    ),
    "invalid-signature": N_("The text of the QR code was changed or made by someone else."),
}


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


def _question(params: dict[str, str]) -> tuple[Any, str | None]:
    """The verifier's work for the asked question, or a problem to show (nothing asked: None)."""
    asked = {
        k: v.strip() for k, v in params.items() if k in ("certificate", "brand", "model", "qr") and v.strip()
    }
    if not asked:
        return None, None
    try:
        query = VerifyQuery(**asked)
    except ValidationError:
        return None, gettext("The question is too long or contains characters a label never has.")
    if query.certificate:
        return by_number(query.certificate, None), None
    if query.qr:
        return by_qr(query.qr, None), None
    if not (query.brand and query.model):
        return None, gettext("Enter both the brand and the model.")
    return by_brand_model(query.brand, query.model, None), None


@router.get("/verify", response_class=HTMLResponse)
async def verify(request: Request) -> HTMLResponse:
    params = dict(request.query_params)
    work, problem = _question(params)
    answer: VerificationAnswer | None = None
    if work is not None:
        services: Services = request.app.state.services
        services.verify_limit.check(request)
        answer = await services.verifiers.answer(work)
    shown = answer.to_dict() if answer is not None else None
    status = shown["status"] if shown else None
    return render(
        request,
        "verify.html",
        asked=params,
        problem=problem,
        answer=shown,
        headline=gettext(HEADLINES[status]) if status else "",
        explanation=gettext(EXPLANATIONS[status]) if status else "",
    )


@router.get("/v/{qr_text:path}")
def qr_link(qr_text: str) -> RedirectResponse:
    """Where a QR code that carries a URL points: the verification page for its text."""
    from urllib.parse import urlencode

    return RedirectResponse("/verify?" + urlencode({"qr": qr_text}), status_code=303)
