"""DuckDB and Spark give the same indicators: the pipeline is defined once (Ibis).

Runs when PySpark is installed (`pip install -e '.[spark]'`); CI installs it and sets
ECOPROCURE_REQUIRE_SPARK=1 so that a missing Spark fails instead of skipping. Counts, keys and
ranks must be identical; sums may differ in the last bits (parallel summation order), so money
compares with a relative tolerance of 1e-9.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from tests.pipeline.test_indicators_golden import result_by  # noqa: F401 - the shared fixture

if importlib.util.find_spec("pyspark") is None:
    if os.environ.get("ECOPROCURE_REQUIRE_SPARK"):
        pytest.fail("ECOPROCURE_REQUIRE_SPARK is set but pyspark is not installed", pytrace=False)
    pytest.skip("the Spark engine needs pyspark (pip install -e '.[spark]')", allow_module_level=True)

pytestmark = pytest.mark.spark


def _same(duck: dict, spark: dict) -> None:  # type: ignore[type-arg]
    assert duck.keys() == spark.keys()
    for key, value in duck.items():
        if isinstance(value, float):
            assert spark[key] == pytest.approx(value, rel=1e-9), key
        else:
            assert spark[key] == value, key


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("by", [("year", "category"), ("buyer", "region", "level")])
def test_spark_and_duckdb_agree(result_by, by: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    duck, spark = result_by(*by), result_by(*by, engine="spark")
    keys = ("year", "category", "buyer_id", "buyer_region")
    order = lambda row: tuple(str(row[k]) for k in row if k in keys)  # noqa: E731
    assert len(duck.rows) == len(spark.rows) > 0
    for d, s in zip(sorted(duck.rows, key=order), sorted(spark.rows, key=order), strict=True):
        _same(d, s)
    _same(duck.coverage, spark.coverage)
    assert sorted(map(str, duck.issues)) == sorted(map(str, spark.issues))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_spark_and_duckdb_agree_on_benefits(reference_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ecoprocure.domain.factors import DEFAULT_FACTOR_SET, find_factor_set
    from ecoprocure.pipeline.run import run_benefits
    from tests.pipeline.test_indicators_golden import golden_workspace

    files, snapshot, rates = golden_workspace(reference_db, tmp_path)
    factor_set = find_factor_set(DEFAULT_FACTOR_SET)
    duck, spark = (
        run_benefits(files, snapshot, factor_set, by=["year", "category"], rates_file=rates, engine=engine)
        for engine in ("duckdb", "spark")
    )
    order = lambda row: (row["year"], row["category"], row["impact"], row["measure"])  # noqa: E731
    assert len(duck.rows) == len(spark.rows) > 0
    for d, s in zip(sorted(duck.rows, key=order), sorted(spark.rows, key=order), strict=True):
        _same(d, s)
    assert duck.coverage == spark.coverage
