"""Dates in Russian: 06.12.2026, 06.12.2026 14:30.

The shape every language shares, with its separator: ilp_platform/formats/day_first.py.
"""

from ilp_platform.formats.day_first import day_first

globals().update(day_first("."))
