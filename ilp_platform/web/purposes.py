"""Purposes a justification may name: an operation, a requirement, a tasking.

A domain app registers each kind it holds (``register``) in its ``ready()``: how to list the
open ones a person works on, and how to check that a person may name one. The justification
page offers them; the chosen one is stored as "kind:id" beside the text, and every audit event
written under it carries it (``AuditEvent.purpose_type`` / ``purpose_id``), so oversight can ask
for everything consulted for one operation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ilp_platform.core.people import Reader


@dataclass(frozen=True)
class PurposeKind:
    key: str  # "operation"
    label: Any  # plural label of the group, lazily translated
    # The open records of this kind the person works on, most relevant first: (id, label).
    offered: Callable[[Reader], list[tuple[int, str]]]
    # The record's label when the person may name it (they see it), else None.
    named: Callable[[Reader, int], str | None]
    # Whether the record is still open (a closed purpose is flagged, not refused, in the log).
    is_open: Callable[[int], bool]


_KINDS: dict[str, PurposeKind] = {}


def register(kind: PurposeKind) -> None:
    _KINDS[kind.key] = kind


def kinds() -> list[PurposeKind]:
    return list(_KINDS.values())


def kind(key: str) -> PurposeKind | None:
    return _KINDS.get(key)


def choices_for(user: Reader) -> list[tuple[Any, list[tuple[str, str]]]]:
    """Grouped choices for a select: [(group label, [("operation:12", "OP-1 Name"), ...])]."""
    groups = []
    for purpose in _KINDS.values():
        options = [(f"{purpose.key}:{pk}", label) for pk, label in purpose.offered(user)]
        if options:
            groups.append((purpose.label, options))
    return groups


def describe(user: Reader, value: str) -> str | None:
    """The label of the purpose "kind:id" when ``user`` may name it, else None."""
    key, _, pk = value.partition(":")
    purpose = _KINDS.get(key)
    if purpose is None or not pk.isdigit():
        return None
    return purpose.named(user, int(pk))


def label_of(key: str) -> Any:
    purpose = _KINDS.get(key)
    return purpose.label if purpose else key
