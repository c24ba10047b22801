"""Readers that turn files (CSV, XLSX, ENERGY STAR exports, later OCDS) into validated rows."""
