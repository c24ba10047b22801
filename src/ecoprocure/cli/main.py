"""Entry point: ``ecoprocure COMMAND``. Each group lives in its own module."""

from __future__ import annotations

import typer

from ecoprocure.cli import (
    case_commands,
    certificate_commands,
    claims_commands,
    demo_command,
    event_commands,
    factor_commands,
    impact_commands,
    procurement_commands,
    registry_commands,
    report_commands,
    sdg_commands,
    serve_command,
    user_commands,
    verify_command,
)

app = typer.Typer(
    name="ecoprocure",
    help="Green public procurement backed by ecolabels. Every command honours ECOPROCURE_HOME "
    "(data directory, default ./ecoprocure-data) and ECOPROCURE_DATABASE_URL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("demo")(demo_command.demo)
app.command("verify")(verify_command.verify)
app.command("search")(registry_commands.search)
app.command("stats")(registry_commands.stats)
app.command("ingest")(procurement_commands.ingest)
app.command("indicators")(procurement_commands.indicators)
app.command("impact")(impact_commands.impact)
app.command("serve")(serve_command.serve)
app.add_typer(registry_commands.db_app, name="db")
app.add_typer(registry_commands.reference_app, name="reference")
app.add_typer(registry_commands.registry_app, name="registry")
app.add_typer(certificate_commands.certificate_app, name="certificate")
app.add_typer(certificate_commands.criterion_app, name="criterion")
app.add_typer(certificate_commands.keys_app, name="keys")
app.add_typer(factor_commands.factors_app, name="factors")
app.add_typer(claims_commands.claims_app, name="claims")
app.add_typer(case_commands.cases_app, name="cases")
app.add_typer(user_commands.user_app, name="user")
app.add_typer(report_commands.report_app, name="report")
app.add_typer(event_commands.event_app, name="event")
app.add_typer(sdg_commands.sdg_app, name="sdg")

if __name__ == "__main__":
    app()
