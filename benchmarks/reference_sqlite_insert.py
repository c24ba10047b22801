"""Reference: SQLite's own bulk insert of the models CSV (csv module + executemany, one transaction,
a unique index on the natural key), to compare ecoprocure's validated import against.

Usage: python benchmarks/reference_sqlite_insert.py MODELS.csv DB_PATH
"""

import csv
import sqlite3
import sys
import time
from pathlib import Path

path, db_path = sys.argv[1], sys.argv[2]
started = time.perf_counter()
con = sqlite3.connect(db_path, isolation_level=None)
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA synchronous=NORMAL")
con.execute(
    "CREATE TABLE models (id INTEGER PRIMARY KEY, certificate_number TEXT, brand TEXT, model TEXT, "
    "gtin TEXT, category TEXT, attributes TEXT)"
)
con.execute("CREATE UNIQUE INDEX models_key ON models (certificate_number, brand, model)")
con.execute("BEGIN")
with Path(path).open(encoding="utf-8", newline="") as fh:
    reader = csv.reader(fh)
    next(reader)
    batch = []
    for row in reader:
        batch.append(row)
        if len(batch) == 5000:
            con.executemany("INSERT INTO models VALUES (NULL, ?, ?, ?, ?, ?, ?)", batch)
            batch = []
    con.executemany("INSERT INTO models VALUES (NULL, ?, ?, ?, ?, ?, ?)", batch)
con.execute("COMMIT")
print(f"{time.perf_counter() - started:.2f}")
