"""Carrying a grade from this installation's scheme into the scheme a partner uses.

The table below says, for each pair of schemes and each axis (source evaluation, intelligence
assessment, handling code), which code of the partner's scheme says the same thing. ``None``
marks a code with no faithful counterpart: the sender is told and chooses the partner's code
for that item (``MappingNeeded``); the platform never guesses. Administrators change entries
with the setting ``ILP_EXCHANGE_GRADING_MAP`` (a JSON object of the same shape, merged over
these defaults, for example ``{"3x5x2>5x5x5": {"source_evaluation": {"1": "A"}}}``).

The defaults are documented with their reasoning in docs/exchange.md. Admiralty reports carry
the 3x5x2 handling codes (``intelligence.grading``), so the handling tables of Admiralty are
those of 3x5x2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from intelligence import grading

S, I, H = grading.SOURCE, grading.INTELLIGENCE, grading.HANDLING  # noqa: E741
AXES = (S, I, H)

_HANDLING_3X5X2: dict[str, dict[str, str | None]] = {
    ">5x5x5": {"P": "1", "C": None},
    ">4x4": {"P": "H0", "C": "H3"},
}

DEFAULT_MAP: dict[str, dict[str, dict[str, str | None]]] = {
    "3x5x2>5x5x5": {
        S: {"1": "B", "2": "E", "3": "D"},
        I: {"A": "2", "B": "3", "C": None, "D": "4", "E": "5"},
        H: _HANDLING_3X5X2[">5x5x5"],
    },
    "3x5x2>4x4": {
        S: {"1": "B", "2": "X", "3": "C"},
        I: {"A": "2", "B": "3", "C": "4", "D": None, "E": None},
        H: _HANDLING_3X5X2[">4x4"],
    },
    "3x5x2>admiralty": {
        S: {"1": "B", "2": "F", "3": "E"},
        I: {"A": None, "B": "1", "C": None, "D": "6", "E": "5"},
        H: {"P": "P", "C": "C"},
    },
    "5x5x5>3x5x2": {
        S: {"A": "1", "B": "1", "C": None, "D": "3", "E": "2"},
        I: {"1": None, "2": "A", "3": "B", "4": "D", "5": "E"},
        H: {"1": "P", "2": "C", "3": "C", "4": None, "5": None},
    },
    "5x5x5>4x4": {
        S: {"A": "A", "B": "B", "C": None, "D": "C", "E": "X"},
        I: {"1": "1", "2": "2", "3": "3", "4": None, "5": None},
        H: {"1": "H0", "2": None, "3": "H3", "4": None, "5": None},
    },
    "5x5x5>admiralty": {
        S: {"A": "A", "B": "B", "C": "C", "D": "E", "E": "F"},
        I: {"1": "1", "2": None, "3": None, "4": "6", "5": "5"},
        H: {"1": "P", "2": "C", "3": "C", "4": None, "5": None},
    },
    "4x4>3x5x2": {
        S: {"A": "1", "B": "1", "C": "3", "X": "2"},
        I: {"1": None, "2": "A", "3": "B", "4": "C"},
        H: {"H0": "P", "H1": "C", "H2": "C", "H3": "C"},
    },
    "4x4>5x5x5": {
        S: {"A": "A", "B": "B", "C": "D", "X": "E"},
        I: {"1": "1", "2": "2", "3": "3", "4": None},
        H: {"H0": "1", "H1": None, "H2": None, "H3": None},
    },
    "4x4>admiralty": {
        S: {"A": "A", "B": "B", "C": "D", "X": "F"},
        I: {"1": "1", "2": None, "3": None, "4": None},
        H: {"H0": "P", "H1": "C", "H2": "C", "H3": "C"},
    },
    "admiralty>3x5x2": {
        S: {"A": "1", "B": "1", "C": None, "D": "3", "E": "3", "F": "2"},
        I: {"1": "B", "2": None, "3": None, "4": None, "5": "E", "6": "D"},
        H: {"P": "P", "C": "C"},
    },
    "admiralty>5x5x5": {
        S: {"A": "A", "B": "B", "C": "C", "D": None, "E": "D", "F": "E"},
        I: {"1": "1", "2": None, "3": None, "4": None, "5": "5", "6": "4"},
        H: _HANDLING_3X5X2[">5x5x5"],
    },
    "admiralty>4x4": {
        S: {"A": "A", "B": "B", "C": None, "D": "C", "E": "C", "F": "X"},
        I: {"1": "1", "2": None, "3": None, "4": None, "5": None, "6": None},
        H: _HANDLING_3X5X2[">4x4"],
    },
}


def mapping() -> dict[str, dict[str, dict[str, str | None]]]:
    """The defaults with the administrator's overrides (``ILP_EXCHANGE_GRADING_MAP``)."""
    merged = {
        pair: {axis: dict(codes) for axis, codes in axes.items()}
        for pair, axes in DEFAULT_MAP.items()
    }
    configured = getattr(settings, "ILP_EXCHANGE_GRADING_MAP", None) or {}
    if isinstance(configured, str):
        configured = json.loads(configured)
    for pair, axes in configured.items():
        for axis, codes in axes.items():
            merged.setdefault(pair, {}).setdefault(axis, {}).update(codes)
    return merged


@dataclass
class Mapped:
    """A grade carried into the partner's scheme: the codes found, and the axes that need the
    sender's choice (axis -> the partner's codes to choose from)."""

    scheme: str
    codes: dict[str, str] = field(default_factory=dict)
    undecided: dict[str, list[str]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.undecided


def carry(
    from_scheme: str,
    grade: dict[str, str],
    to_scheme: str,
    chosen: dict[str, str] | None = None,
    table: dict | None = None,
) -> Mapped:
    """Map ``grade`` (axis -> code) into ``to_scheme``; ``chosen`` (axis -> code) is the
    sender's own choice where the table has none (or where the sender overrides it)."""
    chosen = chosen or {}
    result = Mapped(scheme=to_scheme)
    pair = (table or mapping()).get(f"{from_scheme}>{to_scheme}", {})
    for axis in AXES:
        allowed = list(grading.codes(to_scheme, axis))
        pick = chosen.get(axis)
        if pick:
            if pick not in allowed:
                raise ValueError(
                    _("“%(code)s” is not a %(axis)s code of the %(scheme)s scheme.")
                    % {
                        "code": pick,
                        "axis": str(grading.AXIS_LABELS[axis]).lower(),
                        "scheme": to_scheme,
                    }
                )
            result.codes[axis] = pick
            continue
        code = grade.get(axis, "")
        if from_scheme == to_scheme or _same_alphabet(from_scheme, to_scheme, axis):
            target: str | None = code if code in allowed else None
        else:
            target = pair.get(axis, {}).get(code)
        if target is None or target not in allowed:
            result.undecided[axis] = allowed
        else:
            result.codes[axis] = target
    return result


def _same_alphabet(from_scheme: str, to_scheme: str, axis: str) -> bool:
    # Admiralty reports use the 3x5x2 handling codes: between the two, handling is unchanged.
    pair = {from_scheme, to_scheme}
    return axis == H and pair == {"3x5x2", "admiralty"}
