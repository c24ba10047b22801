"""Public verification over HTTP, beside the same server's trivial ``/healthz`` in the same run.

    python benchmarks/web_bench.py              # the demo registry (3,000 models), 10 s per case
    python benchmarks/web_bench.py --home DIR   # an existing ECOPROCURE_HOME, e.g. the national registry
                                                # of registry_bench.py (benchmarks/out/work/home)
    python benchmarks/web_bench.py --home DIR --duration 60 --as-of 2021-12-31

It starts ``ecoprocure serve`` in a child process on a free loopback port (the rate limit raised so
it is counted but never refuses), then drives it with a closed-loop load generator written here:
asyncio (uvloop when installed) over raw keep-alive HTTP/1.1 connections, each sending its next
request when the previous answer has arrived. Cases, each for ``--duration`` seconds after a
warm-up: ``/healthz`` (the reference), verification by certificate number (10 % unknown numbers),
by brand + model, catalogue search over the API and the catalogue page (``GET /catalogue?q=…``:
the same search plus the filter lists and the HTML) — both with fewer connections: a search costs
milliseconds of database work, so 32 closed loops would measure queueing, not the search.
Every answer's status is checked; anything but 200 is an error. Traffic goes to 127.0.0.1 only,
and every loop ends by itself.

Results go to stdout and ``benchmarks/out/web.json``; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("out")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def demo_home(folder: Path) -> Path:
    """The demo workspace (built once): registry, keys and synthetic purchases."""
    if not (folder / "ecoprocure.db").exists():
        env = {**_clean_env(), "ECOPROCURE_HOME": str(folder)}
        subprocess.run(
            [sys.executable, "-m", "ecoprocure.cli.main", "demo"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return folder


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ECOPROCURE_")}


def questions(home: Path, n: int = 2000, seed: int = 7, as_of: str | None = None) -> dict[str, list[str]]:
    """Request paths per case, from the registry itself (the same random sample every run);
    ``as_of`` asks verification for that day (a registry generated years ago is expired today)."""
    raw = sqlite3.connect(f"file:{home / 'ecoprocure.db'}?mode=ro", uri=True)
    rng = random.Random(seed)
    (models,) = raw.execute("SELECT max(id) FROM product_model").fetchone()
    ids = rng.sample(range(1, models + 1), min(n, models))
    pairs = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        pairs += raw.execute(
            f"SELECT brand, model FROM product_model WHERE id IN ({marks})", chunk
        ).fetchall()
    numbers = [r[0] for r in raw.execute("SELECT number FROM certificate")]
    brands = sorted({b for b, _ in pairs})
    raw.close()
    by_number = [
        "/api/v1/verify?" + urllib.parse.urlencode({"certificate": rng.choice(numbers)})
        if rng.random() >= 0.1
        else f"/api/v1/verify?certificate=NO-SUCH-{rng.randrange(10**6):06d}"
        for _ in range(n)
    ]
    by_model = ["/api/v1/verify?" + urllib.parse.urlencode({"brand": b, "model": m}) for b, m in pairs]
    words = [b.split()[0] for b in brands[:50]] + ["家具", "计算机", "涂料", "办公", "paper", "furniture"]
    search = ["/api/v1/catalogue/search?" + urllib.parse.urlencode({"q": w}) for w in words]
    page = ["/catalogue?" + urllib.parse.urlencode({"q": w}) for w in words]
    rng.shuffle(by_model)
    if as_of:
        by_number = [f"{path}&date={as_of}" for path in by_number]
        by_model = [f"{path}&date={as_of}" for path in by_model]
    return {
        "healthz": ["/healthz"],
        "verify_by_number": by_number,
        "verify_by_brand_model": by_model,
        "catalogue_search": search,
        "catalogue_page": page,
    }


class Server:
    """``ecoprocure serve`` in a child process."""

    def __init__(self, home: Path, workers: int) -> None:
        self.port = _free_port()
        env = {
            **_clean_env(),
            "ECOPROCURE_HOME": str(home),
            "ECOPROCURE_VERIFY_RATE_LIMIT": "100000000/minute",  # counted, never refusing
        }
        command = [sys.executable, "-m", "ecoprocure.cli.main", "serve", "--port", str(self.port)]
        command += ["--workers", str(workers)]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ecoprocure serve did not start: {self.stderr()}") from None
                time.sleep(0.2)

    def stderr(self) -> str:
        return self.process.stderr.read().decode() if self.process.stderr and self.process.poll() else ""

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


async def _connection(
    port: int, paths: list[str], start: int, until: float, measure_from: float, out: dict[str, Any]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    encoded = [f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() for p in paths]
    n = start
    latencies: list[float] = out["latencies"]
    try:
        while (now := time.perf_counter()) < until:
            writer.write(encoded[n % len(encoded)])
            n += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            if now >= measure_from:
                latencies.append(time.perf_counter() - now)
                if status != 200:
                    out["errors"] += 1
    except (OSError, asyncio.IncompleteReadError) as exc:
        out["errors"] += 1
        out["failures"].append(repr(exc))
    finally:
        writer.close()


async def _drive(
    port: int, paths: list[str], connections: int, warmup: float, duration: float
) -> dict[str, Any]:
    out: dict[str, Any] = {"latencies": [], "errors": 0, "failures": []}
    begin = time.perf_counter()
    measure_from, until = begin + warmup, begin + warmup + duration
    step = max(1, len(paths) // connections)
    await asyncio.gather(
        *(_connection(port, paths, i * step, until, measure_from, out) for i in range(connections))
    )
    return out


def run_case(port: int, paths: list[str], connections: int, warmup: float, duration: float) -> dict[str, Any]:
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    raw = runner(_drive(port, paths, connections, warmup, duration))
    times = sorted(raw["latencies"])
    count = len(times)

    def pct(p: float) -> float:
        return round(times[min(count - 1, int(count * p))] * 1000, 2) if count else float("nan")

    return {
        "requests": count,
        "requests_per_s": round(count / duration),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(times[-1] * 1000, 2) if count else float("nan"),
        "errors": raw["errors"],
        "failures": raw["failures"][:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--home", type=Path, help="an ECOPROCURE_HOME with an SQLite registry (default: demo)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per case")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--search-connections", type=int, default=4, help="connections for the search case")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--as-of", help="verify for this day (YYYY-MM-DD) instead of today")
    parser.add_argument(
        "--cases", default="healthz,verify_by_number,verify_by_brand_model,catalogue_search,catalogue_page"
    )
    args = parser.parse_args()
    home = args.home or demo_home(OUT / "web-demo")
    asked = questions(home, as_of=args.as_of)
    server = Server(home, args.workers)
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "home": str(home),
        "workers": args.workers,
        "connections": args.connections,
        "duration_s": args.duration,
        "as_of": args.as_of,
        "cases": {},
    }
    with sqlite3.connect(f"file:{home / 'ecoprocure.db'}?mode=ro", uri=True) as raw:
        results["product_models"] = raw.execute("SELECT count(*) FROM product_model").fetchone()[0]
    try:
        for case in args.cases.split(","):
            connections = args.search_connections if case.startswith("catalogue") else args.connections
            found = run_case(server.port, asked[case], connections, args.warmup, args.duration)
            found["connections"] = connections
            results["cases"][case] = found
            print(
                f"{case:24} {found['requests_per_s']:>8,}/s  p50 {found['p50_ms']:7.2f} ms  "
                f"p95 {found['p95_ms']:7.2f} ms  p99 {found['p99_ms']:7.2f} ms  errors {found['errors']}",
                flush=True,
            )
    finally:
        server.stop()
    reference = results["cases"].get("healthz", {}).get("requests_per_s")
    if reference:
        for found in results["cases"].values():
            found["share_of_healthz"] = round(found["requests_per_s"] / reference, 3)
    OUT.mkdir(exist_ok=True)
    (OUT / "web.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
