"""The green procurement dashboard at national scale, beside ``/healthz`` in the same run.

    python benchmarks/dashboard_bench.py [--releases 1000000] [--requests 50]

Data: the national registry of ``registry_bench.py`` (``benchmarks/out/work/home/ecoprocure.db``,
1.5 million product models) copied into a fresh home, and ``--releases`` OCDS releases from the
shared generator (``/work/shared/bench/gen_ocds.py``; the file ``benchmarks/out/ocds-N.jsonl`` of
``procurement_bench.py`` is reused when present) ingested with ``ecoprocure ingest``. Preparing
the home is timed but not part of the figures.

Then ``ecoprocure serve`` runs in a child process (one worker) and one client asks, one request
at a time:

1. ``GET /dashboard`` once, the cache cold (the warm-up at start switched off): the pipeline runs;
2. ``GET /dashboard`` ``--requests`` times, warm; the same for ``/dashboard?lang=zh``; five or
   six filtered views (region, category, combinations with a year and a level, a buyers CSV), each
   its first request then 30 more; the first request of every region (with a category); a CSV
   download and ``/healthz``;
3. a second server with the warm-up on: the first ``/dashboard`` once the warm-up has had the cold
   run's time (the first visitor's page).

Every answer's status is checked (200). Results go to stdout and ``benchmarks/out/dashboard.json``;
docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from html import unescape
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))
from web_bench import _clean_env, _free_port  # noqa: E402 (a sibling script, not a package)


def _env(home: Path, **more: str) -> dict[str, str]:
    return {**_clean_env(), "ECOPROCURE_HOME": str(home), **more}


def prepare_home(releases: int, registry_db: Path, bench: Path, work: Path) -> dict[str, Any]:
    data = OUT / f"ocds-{releases}.jsonl"
    timings: dict[str, Any] = {}
    if not data.exists():
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(bench / "gen_ocds.py"), str(releases), str(data), "--workers", "2"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        timings["generate_s"] = time.perf_counter() - started
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copyfile(registry_db, work / "ecoprocure.db")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ecoprocure.cli.main", "ingest", str(data)],
        env=_env(work),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    timings["ingest_s"] = time.perf_counter() - started
    manifest = next((work / "procurement" / "items").glob("*.json"))
    timings["items"] = json.loads(manifest.read_text())["items"]
    timings["file_mib"] = data.stat().st_size / 2**20
    return timings


class Server:
    """``ecoprocure serve`` (one worker) in a child process, its log in a file."""

    def __init__(self, home: Path, warm_up: bool) -> None:
        self.port = _free_port()
        self.log = (home / f"serve-{self.port}.log").open("wb")
        env = _env(home, ECOPROCURE_DASHBOARD_WARM_UP="true" if warm_up else "false")
        command = [sys.executable, "-m", "ecoprocure.cli.main", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=2) as reply:
                    if reply.status == 200:
                        self.started = time.perf_counter()
                        return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ecoprocure serve did not start: see {self.log.name}") from None
                time.sleep(0.2)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str) -> tuple[float, int]:
        seconds, body = self.fetch(path)
        return seconds, len(body)

    def fetch(self, path: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        with urllib.request.urlopen(self.url(path), timeout=600) as reply:  # raises on 4xx/5xx
            body = reply.read()
        return time.perf_counter() - started, body

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


def first_option(page: bytes, select: str) -> str:
    """The first value offered by one of the dashboard's filter selects."""
    html = page.decode()
    start = html.index(f'<select id="f-{select}"')
    found = re.search(r'<option value="([^"]+)"', html[start:])
    assert found, f"no {select} to choose"
    return unescape(found.group(1))


def options(page: bytes, select: str) -> list[str]:
    """Every value offered by one of the dashboard's filter selects."""
    html = page.decode()
    start = html.index(f'<select id="f-{select}"')
    return [
        unescape(v)
        for v in re.findall(r'<option value="([^"]+)"', html[start : html.index("</select>", start)])
    ]


def views(page: bytes) -> list[tuple[str, str]]:
    """Filtered views nobody asked for before (each its first request after the cold one); the
    buyer level only where the data records one (the generator's releases have none)."""
    region, category = first_option(page, "region"), first_option(page, "category")
    levels, years = options(page, "level"), options(page, "year")
    year = years[min(1, len(years) - 1)]  # the year before the latest
    asked: dict[str, dict[str, str]] = {
        "region": {"region": region},
        "category": {"category": category},
        "region_category": {"region": region, "category": category},
        "year_category_zh": {"year": year, "category": category, "lang": "zh"},
        "year_region_csv": {"year": year, "region": region},
    }
    if levels:
        asked["level_category"] = {"level": levels[0], "category": category}
    return [
        (
            name,
            ("/dashboard/download/buyers.csv?" if name.endswith("csv") else "/dashboard?")
            + urllib.parse.urlencode(query),
        )
        for name, query in asked.items()
    ]


def region_views(page: bytes) -> list[str]:
    """Every region with the second category offered: a user clicking through the regions."""
    category = options(page, "category")[1]
    return [
        "/dashboard?" + urllib.parse.urlencode({"region": region, "category": category})
        for region in options(page, "region")
    ]


def repeated(server: Server, path: str, n: int) -> dict[str, Any]:
    times = sorted(server.get(path)[0] for _ in range(n))
    return {
        "requests": n,
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(times[max(0, round(0.95 * n) - 1)] * 1000, 2),
        "max_ms": round(times[-1] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--releases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50, help="warm requests per case (≥ 30)")
    parser.add_argument("--bench-dir", type=Path, default=HERE.parents[1] / "shared" / "bench")
    parser.add_argument("--registry-db", type=Path, default=OUT / "work" / "home" / "ecoprocure.db")
    parser.add_argument("--work", type=Path, default=OUT / "work-dashboard")
    parser.add_argument("--reuse-home", action="store_true", help="keep an already ingested --work home")
    args = parser.parse_args()
    if not args.registry_db.exists():
        sys.exit(f"{args.registry_db} not found: run `python benchmarks/registry_bench.py` first")
    home = args.work
    if args.reuse_home and (home / "procurement").exists():
        prepared: dict[str, Any] = {"reused": True}
    else:
        prepared = prepare_home(args.releases, args.registry_db, args.bench_dir, home)
    print("home ready:", prepared, flush=True)
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "releases": args.releases,
        "prepared": prepared,
        "cases": {},
    }
    cases = results["cases"]
    server = Server(home, warm_up=False)
    try:
        cases["healthz_before"] = repeated(server, "/healthz", args.requests)
        seconds, body = server.fetch("/dashboard")
        cases["dashboard_cold"] = {"seconds": round(seconds, 2), "bytes": len(body)}
        print(f"cold /dashboard: {seconds:.2f} s ({len(body):,} bytes)", flush=True)
        cases["dashboard_warm"] = repeated(server, "/dashboard", args.requests)
        cases["dashboard_warm_zh"] = repeated(server, "/dashboard?lang=zh", args.requests)
        for name, path in views(body):
            seconds, _size = server.get(path)  # the first request of this filter combination
            cases[f"view_{name}"] = {"path": path, "first_s": round(seconds, 3), **repeated(server, path, 30)}
            print(f"{name:24} {json.dumps(cases[f'view_{name}'])}", flush=True)
        firsts = sorted(server.get(path)[0] for path in region_views(body))
        cases["first_requests_by_region"] = {
            "requests": len(firsts),
            "p50_ms": round(statistics.median(firsts) * 1000, 2),
            "p95_ms": round(firsts[max(0, round(0.95 * len(firsts)) - 1)] * 1000, 2),
            "max_ms": round(firsts[-1] * 1000, 2),
        }
        cases["download_csv_warm"] = repeated(server, "/dashboard/download/categories.csv", args.requests)
        cases["healthz"] = repeated(server, "/healthz", args.requests)
        results["server_peak_rss_mib"] = round(server.peak_rss_mib(), 1)
    finally:
        server.stop()
    for name, found in cases.items():
        print(f"{name:20} {json.dumps(found)}", flush=True)
    warmed = Server(home, warm_up=True)
    try:
        time.sleep(cases["dashboard_cold"]["seconds"] * 1.5 + 2)
        seconds, _size = warmed.get("/dashboard")
        cases["first_visit_after_warm_up"] = {
            "waited_s": round(cases["dashboard_cold"]["seconds"] * 1.5 + 2, 1),
            "seconds": round(seconds, 3),
        }
        print("first visit after the warm-up:", cases["first_visit_after_warm_up"], flush=True)
    finally:
        warmed.stop()
    OUT.mkdir(exist_ok=True)
    (OUT / "dashboard.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
