"""What certificate matching adds to an indicator run (same data, warm, in one process).

python benchmarks/match_share.py ECOPROCURE_HOME   → JSON: seconds with and without matching
"""

import json
import sys
import time
from pathlib import Path

from ecoprocure.ingest.procurement_files import items_dir
from ecoprocure.pipeline.registry_snapshot import Snapshot
from ecoprocure.pipeline.run import run_indicators

home = Path(sys.argv[1])
files = sorted(items_dir(home).glob("*.parquet"))
snapshot = Snapshot(next((home / "pipeline").glob("registry-*")))
seconds: dict[str, list[float]] = {"with": [], "without": []}
for _ in range(3):
    for label, match_items in (("with", True), ("without", False)):
        started = time.perf_counter()
        run_indicators(files, snapshot, by=["year", "category"], match_items=match_items)
        seconds[label].append(time.perf_counter() - started)
best = {label: min(values) for label, values in seconds.items()}
print(
    json.dumps(
        {
            "with_matching_s": best["with"],
            "without_matching_s": best["without"],
            "matching_adds": best["with"] / best["without"] - 1,
        }
    )
)
