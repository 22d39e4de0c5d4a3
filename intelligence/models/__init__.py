"""Models of the intelligence app, split by topic."""

from intelligence.models.entities import Entity, Identifier, Link, ReportEntity
from intelligence.models.imports import ImportJob, ImportMapping
from intelligence.models.incidents import Incident
from intelligence.models.mentions import MentionSuggestion
from intelligence.models.provenance import ORIGINATOR_CONSENT, Provenance, ProvenanceChannel
from intelligence.models.reference import CrimeType, RetentionClass, UrnSequence
from intelligence.models.reports import Grading, Report, ReportQuerySet, Review
from intelligence.models.sources import Source

__all__ = [
    "CrimeType",
    "Entity",
    "Grading",
    "Identifier",
    "ImportJob",
    "ImportMapping",
    "Incident",
    "Link",
    "MentionSuggestion",
    "ORIGINATOR_CONSENT",
    "Provenance",
    "ProvenanceChannel",
    "Report",
    "ReportEntity",
    "ReportQuerySet",
    "RetentionClass",
    "Review",
    "Source",
    "UrnSequence",
]
