"""Annual report benchmark: ``ecoprocure report annual --format pdf`` (national scope) beside
``ecoprocure indicators --by year`` on the same items, in the same run (target: the PDF of a
national report over 10 million items in under 30 s).

    python benchmarks/report_bench.py [--items 10000000] [--year 2024] [--registry-db REGISTRY.db]

Items: the matched items Parquet of ``benefits_bench.py`` (every item names a valid certificate of
the national registry of ``registry_bench.py``, dated 2021–2025 inside its validity). The report
reads every item, keeps the report year and the year before, and computes indicators and benefits
(the shipped default factor set) on that one preparation. Each command runs as its own process
under GNU time (wall and peak memory of the largest process). Results: stdout and
``benchmarks/out/report.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT / "benchmarks"))

from benefits_bench import write_items  # noqa: E402  (a sibling script)
from ecoprocure.pipeline.registry_snapshot import export  # noqa: E402
from ecoprocure.store.db import Database  # noqa: E402
from procurement_bench import _cli, _env, _timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=10_000_000)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--registry-db", type=Path, default=OUT / "work" / "home" / "ecoprocure.db")
    parser.add_argument("--work", type=Path, default=OUT / "work-report")
    parser.add_argument("--reuse", action="store_true", help="keep the items of an earlier run")
    args = parser.parse_args()
    if not args.registry_db.exists():
        sys.exit(f"{args.registry_db} not found: run `python benchmarks/registry_bench.py` first")
    home = args.work / "home"
    items = home / "procurement" / "items" / "bench.parquet"
    if not (args.reuse and items.exists()):
        shutil.rmtree(home, ignore_errors=True)
        items.parent.mkdir(parents=True)
        shutil.copyfile(args.registry_db, home / "ecoprocure.db")
        db = Database(f"sqlite:///{home / 'ecoprocure.db'}")
        with db.engine.connect() as conn:
            folder = export(conn, home / "pipeline").folder
        db.close()
        write_items(args.items, folder, items)
    per_year = dict(
        duckdb.sql(
            f"SELECT year, count(*) FROM read_parquet('{items}') GROUP BY year ORDER BY year"
        ).fetchall()
    )
    env = _env(home)
    pdf = args.work / f"report-{args.year}.pdf"
    report = ("report", "annual", "--year", str(args.year), "--lang", "zh", "--output")
    indicators = _timed(_cli(home, "indicators", "--by", "year", "--format", "json"), env)
    timed_pdf = _timed(_cli(home, *report, str(pdf), "--format", "pdf"), env)
    timed_html = _timed(_cli(home, *report, str(args.work / "report.html"), "--format", "html"), env)
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False).stdout
    summary = {
        "items": args.items,
        "items_per_year": {str(k): v for k, v in per_year.items()},
        "report_year": args.year,
        "items_in_report_years": per_year.get(args.year, 0) + per_year.get(args.year - 1, 0),
        "indicators_by_year": indicators,
        "report_pdf": timed_pdf,
        "report_html": timed_html,
        "ratio_pdf_to_indicators": timed_pdf["seconds"] / indicators["seconds"],
        "pdf_bytes": pdf.stat().st_size,
        "pdf_pages": next(
            (line.split()[-1] for line in pages.splitlines() if line.startswith("Pages")), None
        ),
    }
    (OUT / "report.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
