"""Benchmarks with budgets: python -m benchmarks [--smoke] (see benchmarks/README.md)."""
