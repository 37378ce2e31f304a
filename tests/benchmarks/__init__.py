"""Benchmarks: each bench_*.py module exposes run() -> list of (name, value, unit, target) rows."""
