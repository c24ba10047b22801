"""Benefit computation benchmark: ``ecoprocure impact`` beside ``ecoprocure indicators`` on the
same matched items (target: the benefits within 1.5× of the indicator run, bounded memory).

    python benchmarks/benefits_bench.py [--items 10000000] [--registry-db REGISTRY.db]

Items: a normalised items Parquet written directly (generating and ingesting 4 million OCDS
releases for 10 million items would measure the ingest, which the procurement benchmark does).
Every item names a certificate of the national registry of ``registry_bench.py`` and is dated
inside the certificate's validity and the default factor set's years, with a CPV code of the
certificate's category and a unit its functional unit accepts, so each earns benefits for every
impact of its category. Both commands run as their own processes under GNU time (wall and peak
memory of the largest process). Results: stdout and ``benchmarks/out/benefits.json``.
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

from ecoprocure.pipeline.registry_snapshot import export  # noqa: E402
from ecoprocure.store.db import Database  # noqa: E402
from procurement_bench import _cli, _env, _timed  # noqa: E402  (a sibling script)

# A unit per functional unit the items' categories use (paper by the ream, paint by the litre …).
_UNITS = {"piece": "H87", "set": "SET", "t": "RM", "L": "LTR", "kg": "KGM", "m2": "MTK"}


def write_items(items: int, snapshot: Path, target: Path) -> None:
    """``items`` rows in the normalised items schema, each matched to a certificate."""
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    categories = ROOT / "src" / "ecoprocure" / "reference" / "data" / "categories.csv"
    units = ", ".join(f"('{fu}', '{code}')" for fu, code in _UNITS.items())
    con.execute(
        f"""
        CREATE TABLE certs AS
        SELECT row_number() OVER (ORDER BY c.certificate_id) - 1 AS n, c.number_key,
               c.certificate_category AS category, cpv.cpv8, u.code AS unit_code,
               greatest(c.issued_on, '2021-01-01') AS start_on,
               least(coalesce(c.expires_on, '2025-12-31'), '2025-12-31') AS end_on
        FROM read_parquet('{snapshot / "certificates.parquet"}') c
        JOIN (SELECT category, min(cpv8) AS cpv8 FROM read_parquet('{snapshot / "cpv_categories.parquet"}')
              WHERE category IS NOT NULL GROUP BY category) cpv ON cpv.category = c.certificate_category
        JOIN read_csv('{categories}') k ON k.code = c.certificate_category
        JOIN (VALUES {units}) u(fu, code) ON u.fu = k.functional_unit
        WHERE c.status = 'valid'
          AND greatest(c.issued_on, '2021-01-01') <= least(coalesce(c.expires_on, '2025-12-31'), '2025-12-31')
        """
    )
    (count,) = con.execute("SELECT count(*) FROM certs").fetchone()  # type: ignore[misc]
    con.execute(
        f"""
        COPY (
          WITH i AS (SELECT range AS i FROM range({items})),
          x AS (
            SELECT i.i, c.*,
                   c.start_on::DATE + ((i.i * 7919) % (c.end_on::DATE - c.start_on::DATE + 1))::INT AS day
            FROM i JOIN certs c ON c.n = i.i % {count}
          )
          SELECT 'bench.jsonl' AS source_file, NULL::VARCHAR AS source_location,
                 'ocds-bench-' || i AS ocid, 'ocds-bench-' || i || '-1' AS release_id,
                 start_on AS release_date, 'award' AS source, 'a' || i AS award_id, '1' AS item_id,
                 strftime(day, '%Y-%m-%d') AS date, year(day)::INT AS year,
                 'B' || (i % 5000) AS buyer_id, 'Buyer ' || (i % 5000) AS buyer_name,
                 ['national', 'provincial', 'municipal'][1 + i % 3] AS buyer_level,
                 'Region ' || (i % 31) AS buyer_region, 'S' || (i % 60000) AS supplier_id,
                 'Supplier ' || (i % 60000) AS supplier_name, 'CPV' AS classification_scheme,
                 cpv8 AS classification_code, cpv8, category AS description,
                 (1 + i % 50)::DOUBLE AS quantity, 'UNCEFACT' AS unit_scheme, unit_code,
                 NULL::VARCHAR AS unit_name, (100 + i % 900)::DOUBLE AS unit_price, 'CNY' AS currency,
                 ((1 + i % 50) * (100 + i % 900))::DOUBLE AS value, 'unit price' AS value_source,
                 NULL::VARCHAR AS brand, NULL::VARCHAR AS model, number_key AS certificate_number,
                 NULL::VARCHAR AS declared_green_basis, false AS declared_green, NULL::VARCHAR AS issue
          FROM x
        ) TO '{target}' (FORMAT parquet, COMPRESSION lz4)
        """
    )


# Four impacts the default set has no sourced numbers for, added with made-up values so that the
# benchmark computes 15 impacts (the figure); never use this set for real results.
_EXTRA_IMPACTS = {"mercury": "g", "plastic_waste": "kg", "industrial_waste": "kg", "plastics": "kg"}
_EXTRA_CATEGORIES = (
    "ict.computer.desktop", "ict.computer.portable", "ict.monitor", "ict.printer", "ict.television",
    "lighting.lamp", "appliance.air-conditioner", "appliance.refrigerator", "office.furniture",
)  # fmt: skip


def write_bench_factor_set(home: Path) -> str:
    """The default factor set plus synthetic rows for four more impacts, as a user set."""
    source = ROOT / "src" / "ecoprocure" / "reference" / "data" / "factors" / "default"
    folder = home / "factors" / "bench"
    shutil.copytree(source, folder)
    meta = folder / "factor-set.toml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace(
            'name = "ecoprocure-default-cn"', 'name = "ecoprocure-bench"'
        ),
        encoding="utf-8",
    )
    extra = [
        f"{category},{impact},reduction,per_functional_unit,production,piece,{unit},0.5,1,2,,,,,false,,"
        f'triangular,L,true,ecoprocure,"benchmark only: a made-up value, not a factor"'
        for category in _EXTRA_CATEGORIES
        for impact, unit in _EXTRA_IMPACTS.items()
    ]
    with (folder / "rows.csv").open("a", encoding="utf-8") as fh:
        fh.write("\n".join(extra) + "\n")
    return "ecoprocure-bench"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=10_000_000)
    parser.add_argument("--registry-db", type=Path, default=OUT / "work" / "home" / "ecoprocure.db")
    parser.add_argument("--work", type=Path, default=OUT / "work-benefits")
    args = parser.parse_args()
    if not args.registry_db.exists():
        sys.exit(f"{args.registry_db} not found: run `python benchmarks/registry_bench.py` first")
    home = args.work / "home"
    shutil.rmtree(home, ignore_errors=True)
    (home / "procurement" / "items").mkdir(parents=True)
    shutil.copyfile(args.registry_db, home / "ecoprocure.db")
    env = _env(home)
    db = Database(f"sqlite:///{home / 'ecoprocure.db'}")
    with db.engine.connect() as conn:  # the snapshot is written once per registry state
        folder = export(conn, home / "pipeline").folder
    db.close()
    write_items(args.items, folder, home / "procurement" / "items" / "bench.parquet")
    factors = write_bench_factor_set(home)
    by = ("--by", "year,category", "--format", "json")
    indicators = _timed(_cli(home, "indicators", *by), env)
    impact = _timed(_cli(home, "impact", *by, "--factors", factors), env)
    run = subprocess.run(
        _cli(home, "impact", *by, "--factors", factors), env=env, check=True, capture_output=True, text=True
    )
    result = json.loads(run.stdout)
    impacts = sorted({row["impact"] for row in result["rows"]})
    summary = {
        "items": args.items,
        "impacts": impacts,
        "certified_items": result["coverage"]["certified_items"],
        "items_with_benefit": result["coverage"]["items_with_benefit"],
        "indicators": indicators,
        "impact": impact,
        "ratio_impact_to_indicators": impact["seconds"] / indicators["seconds"],
    }
    (OUT / "benefits.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
