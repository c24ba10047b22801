"""Procurement pipeline benchmark: ingest → normalise → classify → match → indicators, end to end,
beside the reference scripts of ``shared/bench`` measured in the same run.

    python benchmarks/procurement_bench.py --releases 100000 1000000 [--bench-dir ../shared/bench] [--spark]

It needs the national registry built by ``benchmarks/registry_bench.py`` (1.5 million product
models; matching runs against it) and the generator and references in ``--bench-dir``
(``gen_ocds.py``, ``reference_duckdb_aggregate.py``, ``reference_naive_json_aggregate.py``).
Each step runs as its own process under GNU time (``/usr/bin/time``): wall time and peak memory
of its largest process are reported.
Results: stdout and ``benchmarks/out/procurement.json``; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def _timed(args: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall seconds and peak RSS (MiB) of one command, its largest process, via GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        started = time.perf_counter()
        subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", rss.name, *args],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
        peak_kib = int(rss.read().split()[-1])
    return {"seconds": seconds, "peak_rss_mib": peak_kib / 1024}


def _cli(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "ecoprocure.cli.main", *args]


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "ECOPROCURE_HOME": str(home)}
    env.pop("ECOPROCURE_DATABASE_URL", None)
    return env


def _match_share(home: Path) -> dict[str, float]:
    """The indicator run with and without the matching step (``match_share.py``)."""
    script = str(ROOT / "benchmarks" / "match_share.py")
    result = subprocess.run([sys.executable, script, str(home)], check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def run_size(n: int, bench: Path, registry_db: Path, work: Path, spark: bool = False) -> dict[str, object]:
    data = OUT / f"ocds-{n}.jsonl"
    if not data.exists():
        subprocess.run(
            [sys.executable, str(bench / "gen_ocds.py"), str(n), str(data), "--workers", "2"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    home = work / f"home-{n}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copyfile(registry_db, home / "ecoprocure.db")
    env = _env(home)
    # The registry snapshot is written once per registry state (not per run): take it out of the timing.
    snapshot = _timed(
        [
            sys.executable,
            "-c",
            (
                "from pathlib import Path; from ecoprocure.store.db import Database;"
                "from ecoprocure.pipeline.registry_snapshot import export;"
                f"db = Database('sqlite:///{home / 'ecoprocure.db'}');"
                f"c = db.engine.connect(); export(c, Path('{home / 'pipeline'}'))"
            ),
        ],
        env,
    )
    reference = _timed(
        [sys.executable, str(bench / "reference_duckdb_aggregate.py"), str(data), str(work / "ref.csv")]
    )
    ingest = _timed(_cli(home, "ingest", str(data)), env)
    indicators = _timed(_cli(home, "indicators", "--by", "year,category", "--format", "json"), env)
    naive = _timed(
        [sys.executable, str(bench / "reference_naive_json_aggregate.py"), str(data), str(work / "naive.csv")]
    )
    total = ingest["seconds"] + indicators["seconds"]
    manifest = next((home / "procurement" / "items").glob("*.json"))
    items = json.loads(manifest.read_text())["items"]
    spark_run = (
        _timed(
            _cli(home, "indicators", "--by", "year,category", "--format", "json", "--engine", "spark"), env
        )
        if spark
        else None
    )
    return {
        "releases": n,
        "items": items,
        "file_mib": data.stat().st_size / 2**20,
        "registry_snapshot": snapshot,
        "ingest": ingest,
        "indicators": indicators,
        "end_to_end_seconds": total,
        "items_per_second": items / total,
        "reference_duckdb": reference,
        "reference_naive_python": naive,
        "ratio_to_duckdb_reference": total / reference["seconds"],
        "speedup_over_naive_python": naive["seconds"] / total,
        "matching": _match_share(home),
        # Spark local[2] on the same items (no target: the path to a cluster); JVM start included
        "indicators_spark": spark_run,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--releases", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--bench-dir", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument(
        "--registry-db",
        type=Path,
        default=OUT / "work" / "home" / "ecoprocure.db",
        help="a registry database (default: the one registry_bench.py builds)",
    )
    parser.add_argument("--work", type=Path, default=OUT / "work-procurement")
    parser.add_argument("--spark", action="store_true", help="also time the indicator step on Spark local[2]")
    args = parser.parse_args()
    if not args.registry_db.exists():
        sys.exit(f"{args.registry_db} not found: run `python benchmarks/registry_bench.py` first")
    args.work.mkdir(parents=True, exist_ok=True)
    results = [run_size(n, args.bench_dir, args.registry_db, args.work, args.spark) for n in args.releases]
    (OUT / "procurement.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
