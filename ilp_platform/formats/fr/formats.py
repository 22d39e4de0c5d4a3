"""Dates in French: 06/12/2026, 06/12/2026 14:30.

The language's own day-first numeric shape on pages, in forms and in PDFs; CSV files and the
API keep ISO 8601 (docs/dates.md). Forms accept ISO 8601 typed as well (2026-12-06,
2026-12-06 14:30), and no shape a reader could take another way. Numbers keep Django's own
separators for the language. Django reads this module through ``FORMAT_MODULE_PATH`` for the
active language.
"""

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "d/m"
YEAR_MONTH_FORMAT = "m/Y"
FIRST_DAY_OF_WEEK = 1  # Monday

# What a form accepts: the shape it shows (first: the boxes print it), then ISO 8601.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",  # what a datetime-local box sends
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
