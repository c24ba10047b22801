"""Errors on pages are pages: the same statuses as the API, a message in the visitor's language,
never a stack trace. API paths keep the JSON error body (``web.errors``)."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import Request
from fastapi.responses import HTMLResponse

from ecoprocure import i18n
from ecoprocure.i18n import N_
from ecoprocure.web.pages.templating import NOT_PAGES, render, request_locale
from ecoprocure.web.pages.visitor import PageError

TITLES = {
    400: N_("The request cannot be used"),
    401: N_("Please log in"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Not allowed"),
    413: N_("The file is too large"),
    415: N_("This kind of file cannot be used"),
    422: N_("The request cannot be used"),
    429: N_("Too many requests"),
    500: N_("Something went wrong on our side"),
    503: N_("The service is busy"),
}
GENERIC = {
    404: N_("There is no page at this address."),
    500: N_("The error was logged; please try again later."),
}


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(NOT_PAGES)


def page_error(request: Request, status: int, message: str | None, *, login: bool = False) -> HTMLResponse:
    """Render the error page; ``message`` is English (translated here when the catalogue has it)."""
    with i18n.use_locale(request_locale(request)):
        title = i18n.gettext(TITLES.get(status, HTTPStatus(status).phrase))
        text = i18n.gettext(message) if message else i18n.gettext(GENERIC.get(status, TITLES.get(status, "")))
    return render(request, "error.html", status_code=status, title=title, message=text, login=login)


async def handle_page_error(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, PageError)
    return page_error(request, exc.status, exc.message, login=exc.login)
