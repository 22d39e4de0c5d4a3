"""Every processing activity of the platform, by key: what must have a record of processing.

An analysis kind is an activity of its own (``analysis.<kind>``), read from the analysis
registry, so a new kind is a new activity the day its module lands; the rest are listed here.
:func:`missing_records` names the activities with no record, and the test suite fails while
any is missing, so nothing that processes personal data ships without its record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Activity:
    key: str
    label: Any  # text, or lazily translated text
    # Where the processing happens in the code, for the reader of the register.
    where: str


# Activities other than analysis kinds. Keys are public (the register, the API, job pages).
FIXED = (
    Activity("intelligence.reports", _("Intelligence reports and grading"), "intelligence"),
    Activity("intelligence.entities", _("Entities, links and mentions"), "intelligence"),
    Activity("intelligence.import", _("Incident imports (CSV, XLSX)"), "intelligence.imports"),
    Activity("intelligence.search", _("Search across reports and entities"), "intelligence"),
    Activity("intelligence.review", _("Review, retention and erasure of records"), "intelligence"),
    Activity("analysis.products", _("Analytical products and dissemination"), "analysis"),
    Activity("operations.operation", _("Operations gathering records"), "operations"),
    Activity("tasking.tasking", _("Tasking and co-ordination"), "tasking"),
    Activity("notifications.watch", _("Watches of entities and notifications"), "notifications"),
    Activity("sharing.share", _("Shares between units"), "sharing"),
    Activity("exchange.package", _("Exchange packages to partner agencies"), "exchange"),
    Activity("exchange.import", _("Imports of partner agencies' packages"), "exchange"),
    Activity("subjectrequests.search", _("Data-subject search and requests"), "subjectrequests"),
    Activity("audit.log", _("The data-protection log and its anomaly checks"), "audit"),
    Activity("dataprotection.pack", _("Proportionality packs from the log"), "dataprotection"),
)

ANALYSIS_PREFIX = "analysis."


def analysis_key(kind: str) -> str:
    return f"{ANALYSIS_PREFIX}{kind}"


def activities() -> list[Activity]:
    """Every activity: the analysis kinds registered now, then the fixed ones."""
    from analysis.kinds import registry

    kinds = [
        Activity(analysis_key(k.name), str(k.label), f"analysis.kinds.{k.name}")
        for k in registry.kinds()
    ]
    return kinds + list(FIXED)


def all_keys() -> list[str]:
    return [a.key for a in activities()]


def get(key: str) -> Activity | None:
    return next((a for a in activities() if a.key == key), None)


def missing_records() -> list[str]:
    """Keys of the activities that have no record of processing, in order."""
    from dataprotection.models import ProcessingRecord

    present = set(ProcessingRecord.objects.values_list("activity", flat=True))
    return [key for key in all_keys() if key not in present]
