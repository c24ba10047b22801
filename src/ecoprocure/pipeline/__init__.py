"""The bulk procurement pipeline, written once in Ibis and run on DuckDB (default) or Spark.

files → ``ingest`` (shapes → release lines) → ``normalise`` (one row per awarded item) →
``classify`` (category) → ``match`` (certificates) → ``indicators`` (green share, coverage).
"""
