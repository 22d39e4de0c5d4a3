"""Benchmarks of the platform on PostgreSQL: a seeded data generator and a side-by-side runner.

``make bench`` (``python -m benchmarks.run``) runs it; see ``benchmarks/README.md``.
"""
