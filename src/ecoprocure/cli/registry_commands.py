"""Commands for the database, reference data, registry imports, statistics and search."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from ecoprocure.cli.context import console, database, fail, handles_errors, print_json, settings
from ecoprocure.ingest.registry_import import FORMATS, ImportReport, import_registry_file
from ecoprocure.reference import DATA_DIR
from ecoprocure.store.catalogue_search import SearchFilters
from ecoprocure.store.catalogue_search import search as run_search
from ecoprocure.store.reference_loader import load_reference
from ecoprocure.store.statistics import programme_statistics

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
reference_app = typer.Typer(help="Shipped, sourced reference data.", no_args_is_help=True)
registry_app = typer.Typer(
    help="Bulk import of licensees, certificates and product models.", no_args_is_help=True
)


@db_app.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Create or upgrade the database schema to the newest revision."""
    with database() as db:
        console.print(f"schema is current: {db.engine.url.render_as_string()}")


@reference_app.command("load")
@handles_errors
def reference_load(
    data_dir: Annotated[Path, typer.Option("--dir", help="A folder of reference CSVs.")] = DATA_DIR,
) -> None:
    """Load schemes, categories, code mappings, criteria and agreements (idempotent)."""
    with database() as db, db.engine.begin() as conn:
        counts = load_reference(conn, data_dir)
    console.print("loaded " + ", ".join(f"{n} {name}" for name, n in counts.items()))


def print_report(report: ImportReport) -> None:
    console.print(f"[bold]{report.file}[/] ({report.format}): {report.status}")
    if report.error:
        console.print(f"  [red]{report.error}[/]")
    console.print(f"  rows read: {report.rows_read:,}; kept original: {report.kept_path}")
    for kind, c in report.counts.items():
        console.print(f"  {kind}: {c.inserted:,} inserted, {c.updated:,} updated, {c.unchanged:,} unchanged")
    for note in report.notes:
        console.print(f"  note: {note}")
    if report.rejected:
        console.print(
            f"  [yellow]rejected rows: {report.rejected:,}[/] (all listed in {report.rejects_file})"
        )
        for r in report.rejects[:20]:
            console.print(f"    {r.file}: row {r.row}: field {r.field}: {r.reason}")
        if report.rejected > 20:
            console.print(f"    … {report.rejected - 20:,} more")


@registry_app.command("import")
@handles_errors
def registry_import(
    files: Annotated[list[Path], typer.Argument(help="CSV/XLSX files, or ENERGY STAR exports.")],
    file_format: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")] = "auto",
    kind: Annotated[
        str | None, typer.Option(help="licensees, certificates or models (default: from the header).")
    ] = None,
    actor: Annotated[str, typer.Option(help="Who is importing (for the audit log).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON report per file.")] = False,
) -> None:
    """Import registry files: each file lands whole or not at all; bad rows are reported."""
    conf = settings()
    failed = False
    reports = []
    with database() as db:
        for path in files:
            with Progress(
                *Progress.get_default_columns()[:1],
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
                disable=as_json,
            ) as bar:
                task = bar.add_task(
                    f"importing {path.name}", total=path.stat().st_size if path.exists() else 1
                )
                report = import_registry_file(
                    db,
                    path,
                    uploads_dir=conf.resolved_uploads_dir,
                    file_format=file_format,
                    kind=kind,
                    actor=actor,
                    batch_size=conf.import_batch_size,
                    progress=lambda done, total, t=task: bar.update(t, completed=done, total=total),
                )
            failed |= report.status == "failed"
            reports.append(report)
            if not as_json:
                print_report(report)
    if as_json:
        print_json([r.to_dict() for r in reports] if len(reports) > 1 else reports[0].to_dict())
    if failed:
        fail("; ".join(r.error or "" for r in reports if r.status == "failed"))


@handles_errors
def stats(
    year: Annotated[int, typer.Option(help="Year; counts are taken on 31 December.")],
    scheme: Annotated[str | None, typer.Option(help="One scheme code (default: all with data).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Programme statistics per scheme: criteria, licensees, certificates, categories, models, growth."""
    with database() as db, db.engine.connect() as conn:
        rows = programme_statistics(conn, year, scheme)
    if as_json:
        print_json([r.to_dict() for r in rows])
        return
    table = Table(
        "scheme",
        "year",
        "criteria",
        "licensees",
        "certificates",
        "categories",
        "product models",
        title=f"Programme statistics, 31 December {year}",
    )
    for r in rows:

        def cell(name: str, r=r) -> str:
            value = f"{r.counts[name]:,}"
            growth = r.growth.get(name)
            pct = growth.percent(0) if growth else None
            return value + (f" ({pct:+} %)" if pct is not None else "")

        table.add_row(
            r.scheme_code,
            str(r.year),
            *(cell(n) for n in ("criteria", "licensees", "certificates", "categories", "product_models")),
        )
    console.print(table)
    for r in rows:
        for g in r.growth.values():
            console.print(f"  {r.scheme_code}: {g.arithmetic}")


@handles_errors
def search(
    query: Annotated[str, typer.Argument(help="Brand, model, company or category, in Chinese or English.")],
    scheme: Annotated[str | None, typer.Option(help="Only this scheme code.")] = None,
    category: Annotated[str | None, typer.Option(help="Only this category code (and its children).")] = None,
    status: Annotated[str | None, typer.Option(help="valid, suspended, revoked, expired, withdrawn.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Search the green product catalogue (ranked)."""
    with database() as db, db.engine.connect() as conn:
        hits = run_search(conn, query, SearchFilters(scheme, category, status), limit=limit)
    if as_json:
        print_json({"query": query, "count": len(hits), "hits": [h.to_dict() for h in hits]})
        return
    table = Table("brand", "model", "certificate", "scheme", "licensee", "category", "status")
    for h in hits:
        table.add_row(
            h.brand,
            h.model,
            h.certificate,
            h.scheme,
            h.licensee_zh or h.licensee_en or "",
            h.category_zh or h.category_en,
            h.status,
        )
    console.print(table if hits else f"no products match {query!r}")
