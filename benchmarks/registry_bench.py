"""Registry benchmarks at the seeds' national scale, each beside a reference measured in the same run.

    python benchmarks/registry_bench.py            # 1.5 million models (about 3 minutes)
    python benchmarks/registry_bench.py --small    # 100,000 models (a quick check)

1. bulk import of the product models CSV (``ecoprocure registry import``, a child process: wall
   time and peak memory of the largest process) vs SQLite's own insert of the same rows
   (``reference_sqlite_insert.py``);
2. verification through the domain API (``Verifier``: the full answer) by certificate number and
   by brand + model, vs a bare indexed sqlite3 lookup on the same database;
3. catalogue search (``store.catalogue_search.search``) for Chinese, English and type-ahead
   prefix queries, vs a bare FTS5 MATCH on the same index.

Results go to stdout and ``benchmarks/out/registry.json``; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ecoprocure.demo.registry_generator import NATIONAL, Size, generate
from ecoprocure.domain.search_tokens import parse_query
from ecoprocure.store.catalogue_search import fts5_expression, search
from ecoprocure.store.db import Database
from ecoprocure.store.verification import Verifier

OUT = Path(__file__).with_name("out")
HERE = Path(__file__).parent


def _cli(home: Path, *args: str) -> None:
    env = {**os.environ, "ECOPROCURE_HOME": str(home)}
    env.pop("ECOPROCURE_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "ecoprocure.cli.main", *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


def _child_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def prepare(size: Size, work: Path) -> tuple[Path, Path]:
    data = OUT / f"registry-{size.models}"
    if not (data / "models.csv").exists():
        generate(data, size, as_of=dt.date(2021, 12, 31))
    home = work / "home"
    shutil.rmtree(home, ignore_errors=True)
    _cli(home, "reference", "load")
    _cli(home, "reference", "load", "--dir", str(data))
    _cli(home, "registry", "import", str(data / "licensees.csv"), str(data / "certificates.csv"))
    return data, home


def bench_import(data: Path, home: Path, work: Path) -> dict[str, float]:
    models = data / "models.csv"
    started = time.perf_counter()
    _cli(home, "registry", "import", str(models))
    ours = time.perf_counter() - started
    peak = _child_peak_mib()
    ref_db = work / "reference.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{ref_db}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(HERE / "reference_sqlite_insert.py"), str(models), str(ref_db)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    reference = time.perf_counter() - started
    rows = sum(1 for _ in models.open(encoding="utf-8")) - 1
    return {
        "rows": rows,
        "seconds": ours,
        "reference_seconds": reference,
        "ratio": ours / reference,
        "rows_per_second": rows / ours,
        "peak_rss_mib": peak,
    }


def _latencies(func, items) -> dict[str, float]:  # type: ignore[no-untyped-def]
    times = []
    started = time.perf_counter()
    for item in items:
        t0 = time.perf_counter_ns()
        func(item)
        times.append(time.perf_counter_ns() - t0)
    total = time.perf_counter() - started
    times.sort()
    return {
        "calls": len(items),
        "per_second": len(items) / total,
        "p50_ms": times[len(times) // 2] / 1e6,
        "p99_ms": times[int(len(times) * 0.99)] / 1e6,
    }


def bench_verification(home: Path, n: int) -> dict[str, dict[str, float]]:
    db_path = home / "ecoprocure.db"
    raw = sqlite3.connect(db_path)
    rng = random.Random(7)
    numbers = [r[0] for r in raw.execute("SELECT number FROM certificate")]
    max_id = raw.execute("SELECT max(id) FROM product_model").fetchone()[0]
    pairs = [
        raw.execute(
            "SELECT brand, model, brand_key, model_key FROM product_model WHERE id = ?",
            (rng.randrange(1, max_id + 1),),
        ).fetchone()
        for _ in range(n)
    ]
    sample = [rng.choice(numbers) for _ in range(n)]
    db = Database(f"sqlite:///{db_path}")
    today = dt.date(2021, 12, 31)
    out = {}
    with Verifier(db) as verifier:
        verifier.by_number(sample[0], today)  # warm the caches
        out["by_number"] = _latencies(lambda x: verifier.by_number(x, today), sample)
        out["by_brand_model"] = _latencies(lambda p: verifier.by_brand_model(p[0], p[1], today), pairs)
    keys = [(n.upper(),) for n in sample]
    out["reference_by_number"] = _latencies(
        lambda k: raw.execute("SELECT id FROM certificate WHERE number_key = ?", k).fetchone(), keys
    )
    out["reference_by_brand_model"] = _latencies(
        lambda p: raw.execute(
            "SELECT id FROM product_model WHERE brand_key = ? AND model_key = ?", (p[2], p[3])
        ).fetchall(),
        pairs,
    )
    for kind in ("by_number", "by_brand_model"):
        out[kind]["ratio_to_reference"] = out[f"reference_{kind}"]["per_second"] / out[kind]["per_second"]
    db.close()
    return out


def _queries(home: Path) -> dict[str, list[str]]:
    raw = sqlite3.connect(home / "ecoprocure.db")
    rng = random.Random(11)
    brands = [r[0] for r in raw.execute("SELECT DISTINCT brand FROM product_model")]
    latin = [b for b in brands if b.isascii()]
    chinese = [b for b in brands if not b.isascii()]
    models = [r[0] for r in raw.execute("SELECT model FROM product_model WHERE id % 997 = 0")]
    return {
        "chinese_brand": rng.sample(chinese, 10),
        "chinese_category_or_company": [
            "家具",
            "计算机",
            "涂料",
            "打印机",
            "北京",
            "有限公司",
            "照明",
            "办公",
        ],
        "english_word": [b.split()[0].lower() for b in rng.sample(latin, 5)]
        + ["furniture", "paint", "computer"],
        "prefix_2_3_4": [w[:k] for w in ("haier", "lenovo", "midea", "dulux", "gree") for k in (2, 3, 4)],
        "model_prefix": [m.split("-")[0].lower() + "-" + m.split("-")[1][:2] for m in rng.sample(models, 10)],
        "mixed": [f"{rng.choice(chinese)} 家具", "haier 计算机", f"{rng.choice(latin).split()[0]} office"],
    }


def bench_search(home: Path, rounds: int = 5) -> dict[str, object]:
    db = Database(f"sqlite:///{home / 'ecoprocure.db'}")
    raw = sqlite3.connect(home / "ecoprocure.db")
    out: dict[str, object] = {}
    all_times: list[float] = []
    ref_times: list[float] = []
    with db.engine.connect() as conn:
        for kind, queries in _queries(home).items():
            times = []
            for _ in range(rounds):
                for q in queries:
                    t0 = time.perf_counter()
                    search(conn, q, limit=20)
                    times.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
                    raw.execute(
                        "SELECT rowid FROM product_search WHERE product_search MATCH ? "
                        "ORDER BY rank LIMIT 20",
                        (fts5_expression(parse_query(q)),),
                    ).fetchall()
                    ref_times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            all_times += times
            out[kind] = {
                "queries": queries,
                "p50_ms": statistics.median(times),
                "p95_ms": times[int(len(times) * 0.95) - 1],
                "max_ms": times[-1],
            }
    all_times.sort()
    ref_times.sort()
    out["all"] = {"p50_ms": statistics.median(all_times), "p95_ms": all_times[int(len(all_times) * 0.95) - 1]}
    out["reference_bare_fts5"] = {
        "p50_ms": statistics.median(ref_times),
        "p95_ms": ref_times[int(len(ref_times) * 0.95) - 1],
    }
    db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help="100,000 models instead of 1.5 million")
    parser.add_argument("--work", type=Path, default=OUT / "work", help="scratch folder")
    args = parser.parse_args()
    size = Size(4_700, 11_500, 100_000, 300) if args.small else NATIONAL
    args.work.mkdir(parents=True, exist_ok=True)
    data, home = prepare(size, args.work)
    results = {
        "machine": {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "size": size.__dict__,
        "import": bench_import(data, home, args.work),
        "verification": bench_verification(home, 20_000),
        "search": bench_search(home),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "registry.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
