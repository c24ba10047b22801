"""Query parameter types shared by the routers, and page links.

Every text parameter has a length limit and refuses control characters (a NUL byte would make
PostgreSQL fail, and nothing legitimate contains one), so malformed input is a 422 with the error
body before any store function runs. SQL and HTML in text are harmless here: the store binds
every value, and the API only ever answers JSON.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from ecoprocure.store.registry_listing import Listing

NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
CODE = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"  # scheme and category codes: CEL, ict.computer.desktop

# What a pattern mismatch means, in words (the error body says this instead of the regex).
PATTERN_MESSAGES = {
    NO_CONTROL: "must not contain control characters",
    CODE: "must be a code of letters, digits and . _ : - (e.g. CEL, ict.computer.desktop)",
}

MAX_PAGE = 100
MAX_OFFSET = 1_000_000


def text_query(description: str, max_length: int = 200, min_length: int = 1) -> Any:
    return Query(description=description, min_length=min_length, max_length=max_length, pattern=NO_CONTROL)


def code_query(description: str) -> Any:
    return Query(description=description, max_length=120, pattern=CODE)


Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Rows per page (1–{MAX_PAGE}).")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]
SchemeFilter = Annotated[str | None, code_query("Only this scheme (code, e.g. CEL).")]
CategoryFilter = Annotated[str | None, code_query("Only this category (code) and its sub-categories.")]


def _url(request: Request, offset: int) -> str:
    url = request.url.include_query_params(offset=offset)
    return f"{url.path}?{url.query}"


def page_links(request: Request, limit: int, offset: int, has_next: bool) -> dict[str, Any]:
    """Relative links to this page, the first, the next (when ``has_next``) and the previous."""
    return {
        "self": _url(request, offset),
        "first": _url(request, 0),
        "next": _url(request, offset + limit) if has_next else None,
        "prev": _url(request, max(0, offset - limit)) if offset > 0 else None,
    }


def page(request: Request, listing: Listing, limit: int, offset: int, **extra: Any) -> dict[str, Any]:
    """A listing as the API's page: items, total, limit, offset and links."""
    return {
        **extra,
        "total": listing.total,
        "limit": limit,
        "offset": offset,
        "links": page_links(request, limit, offset, offset + limit < listing.total),
        "items": listing.rows,
    }


def sort_keys(columns: dict[str, str] | Any) -> Any:
    """A Literal type of the sort keys of a store listing (each also with a leading - )."""
    keys = tuple(key for name in columns for key in (name, f"-{name}"))
    return Literal[keys]


def query_model_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI query parameters described by a pydantic model (for routes that parse their query
    with :func:`parse_query_model` instead of FastAPI's per-parameter machinery)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    parameters = []
    for name, described in schema["properties"].items():
        prop = dict(described)
        description = prop.pop("description", None)
        prop.pop("title", None)
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": description,
                "schema": prop,
            }
        )
    return parameters


M = TypeVar("M", bound=BaseModel)


def parse_query_model(model: type[M], request: Request) -> M:
    """The query string as ``model``; a problem is the usual 422 error body (``in``: query)."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        problems = [{**problem, "loc": ("query", *problem["loc"])} for problem in exc.errors()]
        raise RequestValidationError(problems) from None
