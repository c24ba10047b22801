"""``ecoprocure serve``: the web application and its REST API on uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from ecoprocure.cli.context import console, database, handles_errors, settings


@handles_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (each with its own database pool).")
    ] = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request (costs throughput).")
    ] = False,
) -> None:
    """Serve the web application: the REST API under /api/v1, described at /openapi.json."""
    import uvicorn  # local: the other commands do not need the web stack

    conf = settings()
    with database() as db:  # migrate once here, not in every worker at the same time
        url = db.engine.url.render_as_string()
    console.print(f"serving http://{host}:{port}/ (API at /api/v1, OpenAPI at /openapi.json; database {url})")
    common = {"host": host, "port": port, "access_log": access_log, "log_level": "info"}
    if workers == 1:
        from ecoprocure.web.app import create_app

        uvicorn.run(create_app(conf), **common)  # type: ignore[arg-type]
    else:  # each worker builds its app from the same environment and config file
        uvicorn.run("ecoprocure.web.app:create_app", factory=True, workers=workers, **common)  # type: ignore[arg-type]
