"""One convention for lists typed into a single box (report URNs, entity ids, numbers).

Parts are separated by commas or spaces; semicolons and new lines separate too, so a list
pasted from a spreadsheet column, an e-mail or another form reads the same. Every form that
takes such a list parses it here, and says "separated by commas or spaces" in its help.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Commas, semicolons and any run of white space (spaces, tabs, new lines).
_SEPARATORS = re.compile(r"[,;\s]+")

HELP = "separated by commas or spaces"


def split_list(text: str | None) -> list[str]:
    """The non-empty parts of ``text``, in order, as typed (duplicates kept)."""
    if not text:
        return []
    return [part for part in _SEPARATORS.split(text) if part]


def join_list(parts: Iterable[object]) -> str:
    """Parts joined as the forms show a list back: ``"a, b, c"``."""
    return ", ".join(str(part) for part in parts)
