"""A certificate's page, ``/certificates/{number}``, and its lifecycle form.

The page shows what ``GET /api/v1/certificates/{number}`` and ``…/history`` show: today's
verification answer (the verifier pool), the product models (``store.registry_listing``, 50 a
page) and the public part of the audit trail (``store.certificates.history``; who acted is not
public). Certification officers and admins also get a form posting to
``/certificates/{number}/actions``, which calls ``store.certificates.perform_action`` exactly as
``POST /api/v1/certificates/{number}/actions`` does, with the logged-in user as actor: the change,
its event and its audit entry commit together; a refusal writes nothing and is shown on the page.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ecoprocure.domain.accounts import Role
from ecoprocure.domain.lifecycle import Action
from ecoprocure.errors import LifecycleError, NotFound
from ecoprocure.i18n import N_, gettext
from ecoprocure.store.certificates import history, perform_action
from ecoprocure.store.registry_listing import list_products
from ecoprocure.web.pages.templating import render, url_with
from ecoprocure.web.pages.visitor import PageError, check_csrf, require
from ecoprocure.web.params import MAX_OFFSET
from ecoprocure.web.services import Services
from ecoprocure.web.verifiers import by_number

router = APIRouter(include_in_schema=False)

PRODUCTS_PER_PAGE = 50
ACTIONS = ("suspend", "reinstate", "revoke", "expire", "renew")
ACTION_NAMES = {
    "issue": N_("issued"),
    "suspend": N_("suspended"),
    "reinstate": N_("reinstated"),
    "revoke": N_("revoked"),
    "expire": N_("expired"),
    "renew": N_("renewed"),
    "withdraw-criterion": N_("criterion withdrawn"),
}
DONE = {
    "suspend": N_("The certificate was suspended."),
    "reinstate": N_("The certificate was reinstated."),
    "revoke": N_("The certificate was revoked."),
    "expire": N_("The certificate was ended (expired)."),
    "renew": N_("The certificate was renewed."),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # a reason may hold line breaks and tabs

Text = Annotated[str | None, Form(max_length=2000)]
Token = Annotated[str | None, Form(max_length=100)]


def _page_number(value: str | None) -> int:
    try:
        offset = int(value or 0)
    except ValueError:
        raise PageError(400, N_("The page number is not a number.")) from None
    if not 0 <= offset <= MAX_OFFSET:
        raise PageError(400, N_("The page number is out of range."))
    return offset


def _facts(request: Request, number: str, offset: int) -> dict[str, Any]:
    """What the page shows about a certificate (404 when there is none)."""
    if len(number) > 80 or _CONTROL.search(number):
        raise PageError(404, N_("No such certificate is in the registry."))
    services: Services = request.app.state.services
    answer = services.verifiers.run(by_number(number, None))
    if answer.certificate is None:
        raise PageError(404, N_("No such certificate is in the registry."))
    shown = answer.to_dict()
    with services.db.engine.connect() as conn:
        products = list_products(conn, number, limit=PRODUCTS_PER_PAGE, offset=offset)
    with services.db.sessions() as session:
        events = [
            {
                "action": e.action,
                "action_name": gettext(ACTION_NAMES[e.action]) if e.action in ACTION_NAMES else e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "effective_on": e.effective_on,
                "reason": e.reason,
            }
            for e in history(session, number)
        ]
    more = offset + PRODUCTS_PER_PAGE < products.total
    return {
        "answer": shown,
        "cert": shown["certificate"],
        "products": products.rows,
        "product_total": products.total,
        "offset": offset,
        "pages": {
            "next": url_with(request, offset=offset + PRODUCTS_PER_PAGE) if more else None,
            "prev": url_with(request, offset=max(0, offset - PRODUCTS_PER_PAGE) or None) if offset else None,
        },
        "events": events,
        "actions": ACTIONS,
        "today": dt.date.today(),
    }


@router.get("/certificates/{number}", response_class=HTMLResponse)
def certificate_page(request: Request, number: str) -> HTMLResponse:
    facts = _facts(request, number, _page_number(request.query_params.get("offset")))
    done = request.query_params.get("done")
    return render(
        request,
        "certificate.html",
        done=gettext(DONE[done]) if done in DONE else None,
        problem=None,
        form={},
        **facts,
    )


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _day(value: str | None, field: str) -> dt.date | None:
    if not value or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise _Refused(
            400, gettext("“%(field)s” is not a date (YYYY-MM-DD).", field=gettext(field))
        ) from None


def _checked(
    action: str, effective_on: str | None, reason: str | None, expires_on: str | None
) -> dict[str, Any]:
    """The form's fields as ``perform_action`` takes them, or a 400 naming the field."""
    if action not in ACTIONS:
        raise _Refused(400, gettext("Choose one of the actions in the list."))
    text = (reason or "").strip() or None
    if text is not None and _CONTROL.search(text):
        raise _Refused(400, gettext("The reason contains control characters."))
    new_expiry = _day(expires_on, N_("New expiry date"))
    if action == "renew" and new_expiry is None:
        raise _Refused(400, gettext("Give the new expiry date to renew the certificate."))
    return {
        "action": Action(action),
        "reason": text,
        "effective_on": _day(effective_on, N_("Effective date")),
        "new_expires_on": new_expiry if action == "renew" else None,
    }


@router.post("/certificates/{number}/actions", response_class=HTMLResponse)
def certificate_action(
    request: Request,
    number: str,
    action: Annotated[str, Form(max_length=20)] = "",
    effective_on: Annotated[str | None, Form(max_length=20)] = None,
    reason: Text = None,
    expires_on: Annotated[str | None, Form(max_length=20)] = None,
    csrf_token: Token = None,
) -> Response:
    check_csrf(request, csrf_token)
    user = require(request, Role.CERTIFICATION_OFFICER)
    services: Services = request.app.state.services
    form = {"action": action, "effective_on": effective_on, "reason": reason, "expires_on": expires_on}
    try:
        fields = _checked(action, effective_on, reason, expires_on)
        with services.db.transaction() as session:
            perform_action(session, number, actor=user.username, details={"via": "page"}, **fields)
    except NotFound:
        raise PageError(404, N_("No such certificate is in the registry.")) from None
    except _Refused as refused:
        return _refusal(request, number, refused.status, refused.message, form)
    except LifecycleError as exc:
        message = gettext("The lifecycle rules refuse this action: %(reason)s", reason=str(exc))
        return _refusal(request, number, 409, message, form)
    target = "/certificates/" + quote(number, safe="") + "?done=" + action
    return RedirectResponse(target, status_code=303)


def _refusal(request: Request, number: str, status: int, message: str, form: dict[str, Any]) -> HTMLResponse:
    """The certificate's page again, with the refusal and the officer's entries kept."""
    return render(
        request,
        "certificate.html",
        status_code=status,
        done=None,
        problem=message,
        form=form,
        **_facts(request, number, 0),
    )
