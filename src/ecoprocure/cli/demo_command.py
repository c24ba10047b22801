"""``ecoprocure demo``: build a demo workspace and show what the system does, then exit."""

from __future__ import annotations

import datetime as dt

from rich.table import Table

from ecoprocure.cli.context import console, database, handles_errors, settings
from ecoprocure.cli.registry_commands import print_report
from ecoprocure.demo.workspace import DemoResult, build_demo_workspace
from ecoprocure.domain.equivalences import unit_text


@handles_errors
def demo() -> None:
    """Build a demo workspace in ECOPROCURE_HOME (reference data, a generated registry, keys), tour it."""
    conf = settings()
    console.rule("[bold]ecoprocure demo")
    console.print(f"workspace: {conf.home.resolve()}  database: {conf.resolved_database_url}")
    with database() as db:
        result = build_demo_workspace(db, conf, log=console.print)
    for report in result.imports:
        print_report(report)
    _show(result)
    console.rule("what to try next")
    number = result.valid_number
    years = [row["year"] for row in (result.indicators.rows if result.indicators else []) if row["year"]]
    report_year = max(years, default=dt.date.today().year - 1)
    console.print(
        f"  ecoprocure verify {number}\n"
        f"  ecoprocure verify --brand '{result.sample_brand}' --model '{result.sample_model}' --json\n"
        f"  ecoprocure verify --offline '<QR text above>' --public-key {result.public_key}\n"
        f"  ecoprocure search '{result.sample_query_zh}'   ecoprocure search 'lenov'\n"
        f"  ecoprocure stats --year {dt.date.today().year}\n"
        f"  ecoprocure certificate history {result.suspended_number}\n"
        f"  ecoprocure indicators --by year,region,category --format table\n"
        f"  ecoprocure impact --by year,category --monte-carlo 1000\n"
        f"  ecoprocure registry import FILE.csv   (templates: docs/import-templates.md)\n"
        f"  ecoprocure report annual --year {report_year} --lang zh --format pdf --output report.pdf\n"
        f"  ecoprocure serve   (then http://127.0.0.1:8000/ : verification, catalogue, dashboard; en/zh)"
    )


def _show(result: DemoResult) -> None:
    console.rule("verification")
    for label, answer in result.verifications:
        console.print(f"[bold]{label}[/] → {answer.status.value}: {answer.reason}")
        for r in answer.recognised_by:
            console.print(f"    recognised by {r.scheme_code} ({r.agreement_code})")
    console.print(f"QR code written: {', '.join(str(p) for p in result.qr_files)}")
    console.print(f"QR text: {result.qr_text}")
    console.rule("catalogue search")
    for query, hits in result.searches:
        console.print(
            f"[bold]{query}[/]: "
            + (", ".join(f"{h.brand} {h.model} ({h.certificate})" for h in hits[:3]) or "no match")
        )
    console.rule("programme statistics")
    table = Table("scheme", "year", "criteria", "licensees", "certificates", "categories", "product models")
    for row in result.statistics:
        c = row.counts
        table.add_row(
            row.scheme_code,
            str(row.year),
            *(f"{c[k]:,}" for k in ("criteria", "licensees", "certificates", "categories", "product_models")),
        )
    console.print(table)
    _show_procurement(result)


def _show_procurement(result: DemoResult) -> None:
    console.rule("green public procurement (synthetic purchases)")
    ingest = result.ingest
    console.print(f"ingested {ingest.releases:,} releases, {ingest.items:,} awarded items ({ingest.status})")
    table = Table(
        "year",
        "items",
        "eligible spend (CNY)",
        "green spend (CNY)",
        "green share",
        "green share by count",
        "declared green share",
        title="Green share by year",
    )
    for row in result.indicators.rows:
        table.add_row(
            str(row["year"]),
            f"{row['items']:,}",
            f"{row['eligible_spend']:,.0f}",
            f"{row['green_spend']:,.0f}",
            _pct(row["green_share"]),
            _pct(row["green_share_by_count"]),
            _pct(row["declared_green_share"]),
        )
    console.print(table)
    top = sorted(
        (r for r in result.indicators_by_category.rows if r["eligible_spend"]),
        key=lambda r: -r["eligible_spend"],
    )[:6]
    for row in top:
        console.print(
            f"  {row['category']}: green share {_pct(row['green_share'])} of {row['eligible_spend']:,.0f} CNY"
        )
    cover = result.indicators.coverage
    console.print(
        f"coverage: spend classified {_pct(cover['share_spend_classified'])}, in ecolabel categories "
        f"{_pct(cover['share_spend_eligible'])}, matched to certificates {_pct(cover['share_spend_matched'])}"
    )
    _show_benefits(result)


def _show_benefits(result: DemoResult) -> None:
    benefits = result.benefits
    table = Table(
        "impact",
        "unit",
        "low",
        "central",
        "high",
        title=(
            "Benefits of the certified purchases, whole life "
            f"({benefits.factor_set} {benefits.factor_set_version})"
        ),
    )
    for row in benefits.rows:
        if row["measure"] == "reduction":
            table.add_row(
                row["impact"], unit_text(row["unit"]), *(f"{row[k]:,.3g}" for k in ("low", "central", "high"))
            )
    console.print(table)
    told = result.benefit_summary
    for row in told["equivalents"]:
        console.print(f"  ≈ {row['arithmetic']}", markup=False)
    for row in told["money"]:
        console.print(f"  {row['arithmetic']}  ({row['source'][:60]}…)", markup=False)
    cover = benefits.coverage
    console.print(
        f"{cover['items_with_benefit']:,} of {cover['certified_items']:,} certified purchases earned a "
        f"benefit ({cover['certified_items_without_factor']:,} are in categories the factor set has no "
        "reduction for)"
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"
