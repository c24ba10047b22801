"""The certificate-matching cases of test_match.py on Spark: the rules are one Ibis expression, so
both engines must match the same items to the same certificates.

Skipped without PySpark unless ECOPROCURE_REQUIRE_SPARK is set (as in test_engines.py).
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from tests.pipeline.test_match import (  # noqa: F401 - collected here again, on Spark
    result,
    test_each_item_gets_the_documented_match,
    test_only_listed_items_are_matched,
)

if importlib.util.find_spec("pyspark") is None:
    if os.environ.get("ECOPROCURE_REQUIRE_SPARK"):
        pytest.fail("ECOPROCURE_REQUIRE_SPARK is set but pyspark is not installed", pytrace=False)
    pytest.skip("the Spark engine needs pyspark (pip install -e '.[spark]')", allow_module_level=True)

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def engine() -> str:
    return "spark"
