"""What an event's details become when stored: ``jsonable``'s quick way through plain dicts,
lists and texts gives what its general way gives."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.utils.safestring import mark_safe

from audit.services import jsonable


class _Text(str):
    pass


def test_plain_details_come_back_equal_and_nul_is_escaped_wherever_it_is():
    details = {
        "reports": ["R-1", "R-2"],
        "provenance": [{"report": "R-1", "conditions": ["a"], "data_quality": []}],
        "query": "name\x00with a NUL",
        "with\x00nul": ("in a key", "and\x00in a tuple"),
        "count": 3,
        "flag": True,
        "none": None,
    }
    assert jsonable(details) == {
        "reports": ["R-1", "R-2"],
        "provenance": [{"report": "R-1", "conditions": ["a"], "data_quality": []}],
        "query": "name\\x00with a NUL",
        "with\\x00nul": ["in a key", "and\\x00in a tuple"],
        "count": 3,
        "flag": True,
        "none": None,
    }


def test_other_values_inside_plain_containers_still_take_the_general_way():
    moment = dt.datetime(2026, 12, 7, 13, 0, tzinfo=dt.UTC)
    ident = uuid.UUID(int=7)
    stored = jsonable(
        {
            2: [moment, dt.date(2026, 12, 7), decimal.Decimal("1.50"), ident, 0.1],
            False: {"a"},
            "safe": mark_safe("<b>"),  # noqa: S308 - a str subclass, as templates make
            "own": _Text("x\x00y"),
        }
    )
    assert stored == {
        "2": ["2026-12-07T13:00:00+00:00", "2026-12-07", "1.50", str(ident), "0.1"],
        "False": ["a"],
        "safe": "<b>",
        "own": "x\\x00y",
    }
    assert all(type(key) is str for key in stored)
