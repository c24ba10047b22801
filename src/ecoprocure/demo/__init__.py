"""Synthetic demo data and the demo workspace (clearly marked synthetic; never mixed with reference data)."""
