"""Engines: DuckDB (embedded default) and Spark (for data that outgrows one machine).

The pipeline's steps are Ibis expressions; only reading files differs by engine, and both read
the same declared release schema (``release_schema``).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from ecoprocure.errors import ConfigurationError
from ecoprocure.pipeline.release_schema import duckdb_columns, spark_ddl

ENGINES = ("duckdb", "spark")


# DuckDB's own buffers are capped so that a whole run stays under 1 GiB: the indicator run over
# 2.4 million items peaked at 1.28 GiB with a 1 GB cap and at 0.88 GiB with 600 MB (~15 % slower,
# docs/benchmarks.md); the ingest streams and stays at ~0.7 GiB with the larger cap.
PIPELINE_MEMORY_LIMIT = "600MB"
INGEST_MEMORY_LIMIT = "1GB"
SPILL_DIR = (Path(tempfile.gettempdir()) / "ecoprocure-duckdb-spill").as_posix().replace("'", "")


def connect(engine: str = "duckdb", *, memory_limit: str = PIPELINE_MEMORY_LIMIT) -> Any:
    if engine == "duckdb":
        con = ibis.duckdb.connect()
        con.raw_sql(f"SET memory_limit = '{memory_limit}'")  # bounded memory: DuckDB spills beyond it
        # Spill into the system's temporary folder, not a `.tmp` folder in whatever directory the
        # command was started from (DuckDB's default for an in-memory database).
        con.raw_sql(f"SET temp_directory = '{SPILL_DIR}'")
        con.raw_sql("SET preserve_insertion_order = false")
        with contextlib.suppress(Exception):  # DuckDB 2 deprecates the `x -> …` lambdas Ibis 12 writes
            con.raw_sql("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")
        return con
    if engine == "spark":
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise ConfigurationError("the Spark engine needs `pip install 'ecoprocure[spark]'`") from exc
        session = (
            SparkSession.builder.master("local[2]")
            .appName("ecoprocure")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "true")
            .config("spark.ui.enabled", "false")
            # Local mode on a few cores: Spark's default of 200 shuffle partitions is for clusters.
            .config("spark.sql.shuffle.partitions", "8")
            .getOrCreate()
        )
        return ibis.pyspark.connect(session)
    raise ConfigurationError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")


def read_releases(con: Any, path: Path, *, strict: bool = True) -> ir.Table:
    """Release lines (JSON Lines) with the declared schema; ``strict`` raises on a malformed line."""
    if con.name == "duckdb":
        return con.read_json(
            str(path), format="newline_delimited", columns=duckdb_columns(), ignore_errors=not strict
        )
    mode = "FAILFAST" if strict else "DROPMALFORMED"
    return con.read_json(str(path), schema=spark_ddl(), mode=mode)


def read_parquet(con: Any, paths: Sequence[Path]) -> ir.Table:
    if con.name == "duckdb":
        return con.read_parquet([str(p) for p in paths])
    # Ibis' PySpark backend reads one path at a time.
    tables = [con.read_parquet(str(p)) for p in paths]
    return tables[0].union(*tables[1:]) if len(tables) > 1 else tables[0]


def from_arrow(table: Any) -> ir.Table:
    """A small in-memory table (rates, keywords) usable by any engine."""
    return ibis.memtable(table)
