"""Shipped, sourced reference data (schemes, categories, code mappings, criteria, agreements)."""

from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")
