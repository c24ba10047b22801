"""``ecoprocure event check|register|credits|report``: carbon-neutral events, PAS 2060 style.

See docs/events.md for the file format and the rules applied."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ecoprocure.cli.context import console, database, fail, handles_errors, locale_option, print_json
from ecoprocure.domain.claim_quantities import plain
from ecoprocure.domain.event_file import load_event
from ecoprocure.domain.events import Claim, Event, EventResult, check_event
from ecoprocure.reports.event_report import FORMATS as REPORT_FORMATS
from ecoprocure.reports.event_report import write_report
from ecoprocure.store.event_credits import claims_against, list_credits, register

event_app = typer.Typer(
    help="Carbon-neutral events (PAS 2060 style): inventory, offsets, balance, declaration.",
    no_args_is_help=True,
)
DOUBLE_COUNTING_EXIT_CODE = 3
STRICT_EXIT_CODE = 4

EventFile = Annotated[Path, typer.Argument(help="An event file (TOML, see docs/events.md).")]
Against = Annotated[
    list[Path] | None,
    typer.Option(
        "--against", help="Other event files whose credits this one must not overlap (repeat the option)."
    ),
]
NoLedger = Annotated[
    bool, typer.Option("--no-ledger", help="Do not check the registered credits in the database.")
]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Judge retirements as of this date (YYYY-MM-DD; default today).")
]


def _as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--as-of {value!r}: not a date (YYYY-MM-DD)")
        raise  # unreachable: fail exits


def _claims(event: Event, against: list[Path], use_ledger: bool) -> list[Claim]:
    claims: list[Claim] = []
    for path in against:
        other = load_event(path)
        if other.info.id == event.info.id:
            fail(f"{path.name}: event id {other.info.id!r} is the same as {event.origin}'s: ids must differ")
        claims.extend(Claim(other.info.id, o.id, o.serial, path.name) for o in other.offsets)
    if use_ledger:
        with database() as db, db.transaction() as session:
            claims.extend(claims_against(session, event))
    return claims


def _checked(file: Path, against: list[Path] | None, no_ledger: bool, as_of: str | None) -> EventResult:
    event = load_event(file)
    return check_event(event, as_of=_as_of(as_of), claims=_claims(event, against or [], not no_ledger))


def _refuse_double_counting(result: EventResult) -> None:
    double = result.double_counted
    if double:
        more = f" (and {len(double) - 1} more)" if len(double) > 1 else ""
        message = f"{result.event.origin}: {double[0].message}{more}: double counting refused"
        fail(message, DOUBLE_COUNTING_EXIT_CODE)


@event_app.command("check")
@handles_errors
def check(
    file: EventFile,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    against: Against = None,
    no_ledger: NoLedger = False,
    as_of: AsOf = None,
    strict: Annotated[
        bool, typer.Option("--strict", help=f"Exit {STRICT_EXIT_CODE} when the event is not neutral.")
    ] = False,
) -> None:
    """Inventory by scope and source, offsets counted or not (and why), the balance, the verdict.

    Exit 3 when a credit serial is claimed by another event (ledger or --against files)."""
    if output not in ("table", "json"):
        fail(f"--format {output!r}: use table or json")
    result = _checked(file, against, no_ledger, as_of)
    if output == "json":
        print_json(result.to_dict())
    else:
        _print_tables(result)
    _refuse_double_counting(result)
    if strict and not result.neutral:
        fail(f"{result.event.origin}: not neutral: {result.balance_arithmetic()}", STRICT_EXIT_CODE)


@event_app.command("register")
@handles_errors
def register_command(
    file: EventFile,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    actor: Annotated[str, typer.Option(help="Who registers (written to the audit log).")] = "cli",
) -> None:
    """Record the event's credit serials in the ledger; refused when one is another event's."""
    if output not in ("table", "json"):
        fail(f"--format {output!r}: use table or json")
    event = load_event(file)
    with database() as db:
        registration = register(db, event, actor=actor)
    data = {"event": registration.event_id, "credits": registration.credits}
    data["replaced"] = registration.replaced
    if output == "json":
        print_json(data)
    else:
        again = f" (replacing {registration.replaced} registered before)" if registration.replaced else ""
        console.print(f"registered {registration.credits} credit block(s) of event {event.info.id}{again}")


@event_app.command("credits")
@handles_errors
def credits_command(
    event_id: Annotated[str | None, typer.Option("--event", help="Only this event's credits.")] = None,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """The ledger: credit serial blocks registered for events."""
    if output not in ("table", "json"):
        fail(f"--format {output!r}: use table or json")
    with database() as db, db.transaction() as session:
        rows = [
            {
                "event": c.event_id,
                "offset": c.offset_id,
                "type": c.offset_type,
                "registry": c.carbon_registry,
                "serial": c.serial_text,
                "quantity_t": plain(c.quantity),
                "vintage": c.vintage,
                "retired_on": c.retired_on.isoformat() if c.retired_on else None,
                "file": c.source_file,
            }
            for c in list_credits(session, event_id)
        ]
    if output == "json":
        print_json(rows)
        return
    table = Table(title="Registered event credits")
    columns = ("event", "offset", "type", "serial", "quantity_t", "vintage", "retired_on")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(row[c] or "") for c in columns))
    console.print(table)


@event_app.command("report")
@handles_errors
def report(
    file: EventFile,
    output_file: Annotated[Path, typer.Option("--output", help="Where to write the report.")],
    output: Annotated[str, typer.Option("--format", help="html, json, md or pdf.")] = "html",
    lang: Annotated[str, typer.Option("--lang", help="en or zh (zh-Hans …).")] = "en",
    against: Against = None,
    no_ledger: NoLedger = False,
    as_of: AsOf = None,
) -> None:
    """The qualifying explanatory statement with the declaration of achievement (when neutral)."""
    if output not in REPORT_FORMATS:
        fail(f"--format {output!r}: use {', '.join(REPORT_FORMATS)}")
    locale = locale_option(lang)
    result = _checked(file, against, no_ledger, as_of)
    _refuse_double_counting(result)
    path = write_report(result, output, output_file, locale)
    verdict = "neutral" if result.neutral else "NOT neutral"
    console.print(f"wrote {path} ({verdict}: {result.balance_arithmetic()})")


def _print_tables(result: EventResult) -> None:
    data = result.to_dict()
    info = data["event"]
    console.print(Text(f"{info['name']} ({info['id']}), {info['start']} – {info['end']}", style="bold"))
    lines = Table(title="Inventory", show_lines=True)
    for column in ("scope", "source", "arithmetic", "t CO2e", "factor source"):
        lines.add_column(column, overflow="fold")
    for line in data["inventory"]["lines"]:
        row = (line["scope"], line["source"], line["arithmetic"], line["tco2e"], line["factor_source"])
        lines.add_row(*(str(v) for v in row))
    for scope, value in data["inventory"]["by_scope"].items():
        lines.add_row(f"{scope}", Text("scope total", style="italic"), "", value, "")
    lines.add_row("", Text("total", style="bold"), "", data["inventory"]["total_tco2e"], "")
    console.print(lines)
    offsets = Table(title="Offsets", show_lines=True)
    for column in ("id", "type", "serial", "vintage", "t", "retired", "counted"):
        offsets.add_column(column, overflow="fold")
    for o in data["offsets"]["lines"]:
        counted = Text("yes", style="green")
        if not o["counted"]:
            counted = Text("no: " + "; ".join(o["reasons"]), style="red")
        cells = (o["id"], o["type"], o["serial"], str(o["vintage"]), o["quantity_t"], o["retired_on"] or "")
        offsets.add_row(*cells, counted)
    console.print(offsets)
    style = "bold green" if result.neutral else "bold red"
    verdict = "neutral" if result.neutral else "NOT neutral"
    console.print(Text(f"balance: {result.balance_arithmetic()}: {verdict}", style=style))
    for problem in result.problems:
        console.print(Text(f"{problem.entry}: {problem.message}", style="yellow"))
    declaration = result.declaration()
    if declaration:
        console.print(Text(f"declaration: {declaration}"))
