"""The records of processing as shipped: one per activity of :mod:`dataprotection.activities`.

Loaded after every ``migrate`` (and by the demo seed): a missing row is created from here, a
row already present is never overwritten, since the data-protection officer keeps it current
from then on. The texts are a starting point written for a UK or EU police intelligence unit;
the officer adapts them to the force's own policies.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

LED_POLICING = (
    "LED Art. 8 (UK DPA 2018 s.35): processing necessary for a law-enforcement purpose, the "
    "prevention, investigation, detection or prosecution of criminal offences."
)
INTELLIGENCE_DATA = (
    "Names, dates of birth, addresses, identifiers (phones, vehicles), associations, "
    "descriptions, locations and times of events, intelligence text with its grading; "
    "special categories (LED Art. 10) only where marked and strictly necessary."
)
SUBJECTS = (
    "Suspects, convicted persons, victims and potential victims, witnesses, informants and "
    "contacts or associates of suspects (LED Art. 6 categories, recorded per mention)."
)
UNIT = "Analysts, managers and officers of the unit holding the record's compartment."
MOPI = (
    "Held under the review schedule of its retention group (MoPI); reviewed for continued "
    "policing purpose, erased to a tombstone when no longer needed."
)
CONTROLS = (
    "Compartments and handling codes restrict access; every consultation needs a "
    "justification and is logged (LED Art. 25) in the append-only, hash-chained audit trail."
)

_ANALYSIS: dict[str, Any] = {
    "purpose": (
        "Analysis of incidents and intelligence the requester may see, to direct policing "
        "resources and inform tasking decisions."
    ),
    "legal_basis": LED_POLICING,
    "data_categories": (
        "Incidents (crime type, place, time, origin of the record) and, for link analysis, "
        "entities and links; results hold counts and statistics, not personal details, "
        "unless the kind names entities."
    ),
    "subject_categories": SUBJECTS,
    "recipients": UNIT + " Products built on a result are disseminated under their own record.",
    "retention": (
        "A job and its result are kept with the records it read and reviewed with them; "
        "a job reads only the compartments the requester holds, fixed when it is requested."
    ),
    "safeguards": CONTROLS
    + " The job runs with its requester's access; the result is visible only to people who "
    "hold every compartment it read.",
}

_BY_KIND: dict[str, dict[str, Any]] = {
    "hotspot": {
        "name": "Hotspot analysis",
        "assessment_required": True,
        "safeguards": _ANALYSIS["safeguards"]
        + " A feedback-loop check flags hot spots that are significant only with records "
        "found by police activity, against self-reinforcing patrol patterns.",
    },
    "temporal": {"name": "Temporal analysis"},
    "trend": {"name": "Trend analysis"},
    "near_repeat": {"name": "Near-repeat analysis"},
    "network": {
        "name": "Network (link) analysis",
        "assessment_required": True,
        "data_categories": (
            "Entities (names, kinds), the links between them with their strength, the reports "
            "naming them; centrality scores of people."
        ),
    },
}

FIXED: dict[str, dict[str, Any]] = {
    "intelligence.reports": {
        "name": "Intelligence reports and grading",
        "purpose": "Collection, evaluation and grading of intelligence for policing purposes.",
        "data_categories": INTELLIGENCE_DATA,
        "assessment_required": True,
    },
    "intelligence.entities": {
        "name": "Entities, links and mentions",
        "purpose": "Recording the people, places, vehicles and groups intelligence names, and "
        "their connections (combination, LED Art. 25).",
        "data_categories": INTELLIGENCE_DATA,
    },
    "intelligence.import": {
        "name": "Incident imports",
        "purpose": "Loading recorded crime and incidents in bulk for analysis.",
        "data_categories": "Incident references, crime types, places, times, addresses.",
        "subject_categories": "Victims and places of recorded crime (by address).",
        "retention": "The uploaded file is deleted after loading or after its expiry time; "
        "incidents follow the retention of recorded crime.",
    },
    "intelligence.search": {
        "name": "Search",
        "purpose": "Finding intelligence and entities relevant to a stated purpose.",
        "data_categories": INTELLIGENCE_DATA,
        "retention": "Queries are kept in the audit trail with the hits' ids, for its "
        "retention period.",
    },
    "intelligence.review": {
        "name": "Review, retention and erasure",
        "purpose": "Periodic review for continued policing purpose; erasure when none remains "
        "(LED Art. 5).",
        "data_categories": INTELLIGENCE_DATA,
        "retention": "Review decisions with their reasons are kept in the audit trail; an "
        "erased record leaves a tombstone without personal data.",
    },
    "analysis.products": {
        "name": "Analytical products and dissemination",
        "purpose": "Products (profiles, assessments) for decision makers and partners.",
        "data_categories": INTELLIGENCE_DATA,
        "recipients": UNIT + " Recipients named at each dissemination, with its legal basis.",
        "safeguards": CONTROLS + " Approval by a manager; handling codes checked at "
        "dissemination, which is logged with recipient and legal basis.",
    },
    "operations.operation": {
        "name": "Operations",
        "purpose": "Gathering the records of one piece of work; the operation is a purpose "
        "consultations may cite.",
        "data_categories": INTELLIGENCE_DATA,
    },
    "tasking.tasking": {
        "name": "Tasking and co-ordination",
        "purpose": "Setting priorities and requirements, tasking resources, recording decisions.",
        "data_categories": "Priorities and taskings naming subjects (people, groups, places); "
        "decisions with their rationale.",
    },
    "notifications.watch": {
        "name": "Watches and notifications",
        "purpose": "Telling an analyst that new intelligence names an entity they follow.",
        "data_categories": "The watched entity's id; notifications name records by type and "
        "id only.",
        "retention": "A watch lasts until removed or the entity is out of the analyst's reach.",
    },
    "sharing.share": {
        "name": "Shares between units",
        "purpose": "Sharing records with another unit of the force that needs them.",
        "data_categories": INTELLIGENCE_DATA,
        "recipients": "The receiving unit, as recorded on each share.",
        "assessment_required": True,
    },
    "exchange.package": {
        "name": "Exchange packages to partner agencies",
        "purpose": "Transfers to partner law-enforcement agencies (LED Chapter V where "
        "outside the Union).",
        "data_categories": INTELLIGENCE_DATA,
        "recipients": "Partner agencies named on each package, with the legal basis.",
        "safeguards": CONTROLS + " Packages are signed; handling codes checked; each "
        "transfer logged as a disclosure with recipient and legal basis.",
        "assessment_required": True,
    },
    "exchange.import": {
        "name": "Imports of partner packages",
        "purpose": "Receiving intelligence from partner agencies.",
        "data_categories": INTELLIGENCE_DATA,
        "recipients": UNIT,
        "safeguards": CONTROLS + " The sender's signature is verified before loading.",
    },
    "subjectrequests.search": {
        "name": "Data-subject search and requests",
        "purpose": "Answering data subjects' requests (LED Arts. 14-17).",
        "data_categories": "The requester's identifying details, the identity check, and the "
        "records found that name them.",
        "subject_categories": "People who exercise their rights, and everyone named in the "
        "records found.",
        "recipients": "The data-protection officer; the data subject or the supervisory "
        "authority for what is disclosed.",
        "retention": "The request and its decisions kept for the period set by force policy.",
        "safeguards": "Oversight role only; the search is tied to the request, its query and "
        "hits logged; hits visible only within the request.",
        "assessment_required": True,
    },
    "audit.log": {
        "name": "The data-protection log",
        "purpose": "Verifying lawfulness, self-monitoring, integrity and security, criminal "
        "proceedings (LED Art. 25(2)).",
        "data_categories": "Who did what to which record, when, why (justification), from "
        "where; personal values digested.",
        "subject_categories": "Users of the platform; records named by type, id and reference.",
        "recipients": "Oversight and administrators; the supervisory authority on request.",
        "retention": "Set by AUDIT_RETENTION_DAYS; older segments anchored in the hash chain.",
        "safeguards": "Append-only in the database, hash-chained, checkpoints kept outside.",
    },
    "dataprotection.pack": {
        "name": "Proportionality packs",
        "purpose": "Evidence of what was done for an operation or tasking, for the "
        "data-protection officer and the supervisory authority.",
        "data_categories": "What the log names: people consulting, records by type, id and "
        "reference, special-category flags; no names or texts of records.",
        "subject_categories": "Users of the platform; data subjects by record id only.",
        "recipients": "The data-protection officer; the supervisory authority on request.",
        "retention": "With the audit trail.",
        "safeguards": "Oversight role only; each pack's SHA-256 recorded in the log.",
    },
}

_DEFAULTS: dict[str, Any] = {
    "purpose": "",
    "legal_basis": LED_POLICING,
    "data_categories": INTELLIGENCE_DATA,
    "subject_categories": SUBJECTS,
    "recipients": UNIT,
    "retention": MOPI,
    "safeguards": CONTROLS,
    "assessment_required": False,
}


def entry(key: str) -> dict | None:
    """The baseline fields of the activity ``key``, or None when the baseline has none."""
    from dataprotection.activities import ANALYSIS_PREFIX

    if key.startswith(ANALYSIS_PREFIX) and key[len(ANALYSIS_PREFIX) :] in _BY_KIND:
        return {**_DEFAULTS, **_ANALYSIS, **_BY_KIND[key[len(ANALYSIS_PREFIX) :]]}
    if key in FIXED:
        return {**_DEFAULTS, **FIXED[key]}
    return None


def load() -> list[str]:
    """Create the record of every activity that has none and has a baseline entry; returns
    the keys created. Rows present are left as the officer keeps them. No audit event: the
    baseline is code, reviewed with it; every change a person makes afterwards is logged."""
    from dataprotection.activities import all_keys
    from dataprotection.models import ProcessingRecord

    if ProcessingRecord._meta.db_table not in connection.introspection.table_names():
        return []
    present = set(ProcessingRecord.objects.values_list("activity", flat=True))
    rows = []
    for key in all_keys():
        fields = entry(key)
        if key in present or fields is None:
            continue
        rows.append(ProcessingRecord(activity=key, from_baseline=True, **fields))
    if rows:
        with transaction.atomic():
            # bulk_create sends no model signals: the safety net stays out (see above).
            ProcessingRecord.objects.bulk_create(rows, ignore_conflicts=True)
    return [row.activity for row in rows]


def load_after_migrate(sender, **kwargs) -> None:
    if getattr(sender, "label", "") != "dataprotection":
        return
    load()
