"""The shape of dates in every language the platform offers: day first, in figures.

Each language module (``ilp_platform/formats/<language>/formats.py``, read by Django through
``FORMAT_MODULE_PATH`` for the active language) takes these settings with its own separator:
a slash (06/12/2026) or a dot (06.12.2026), a time as ``HH:MM`` after the date, Monday first.
Pages, forms and PDFs print that shape; CSV files and the API keep ISO 8601 (docs/dates.md).
Forms accept ISO 8601 typed as well (2026-12-06, 2026-12-06 14:30), and no shape a reader
could take another way (never month first). Numbers keep Django's own separators for the
language: a module here names only dates, so Django's own module answers for the rest.
"""

from __future__ import annotations


def day_first(separator: str) -> dict[str, object]:
    """The format settings of a language that writes 06<separator>12<separator>2026."""
    s = separator
    sd = "%" + "d" + s + "%m" + s + "%Y"
    return {
        "DATE_FORMAT": f"d{s}m{s}Y",
        "SHORT_DATE_FORMAT": f"d{s}m{s}Y",
        "DATETIME_FORMAT": f"d{s}m{s}Y H:i",
        "SHORT_DATETIME_FORMAT": f"d{s}m{s}Y H:i",
        "TIME_FORMAT": "H:i",
        "MONTH_DAY_FORMAT": f"d{s}m",
        "YEAR_MONTH_FORMAT": f"m{s}Y",
        "FIRST_DAY_OF_WEEK": 1,  # Monday
        # What a form accepts: the shape it shows (first: the boxes print it), then ISO 8601.
        "DATE_INPUT_FORMATS": [sd, "%Y-%m-%d"],
        "DATETIME_INPUT_FORMATS": [
            f"{sd} %H:%M",
            f"{sd} %H:%M:%S",
            sd,
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",  # what a datetime-local box sends
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d",
        ],
        "TIME_INPUT_FORMATS": ["%H:%M", "%H:%M:%S"],
    }
