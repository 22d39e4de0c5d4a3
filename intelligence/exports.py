"""What each intelligence list writes to CSV, and the per-person rules a column must respect.

The list views hand their restricted, filtered queryset to :func:`prepare` and the matching
columns to ``ilp_platform.web.exports.export_queryset``. Two rules live here:

- a report's original ``text`` may identify the source, so it is exported only on rows the
  person may read it on (:meth:`Report.original_visible_to`: its author, the source's handler,
  evaluating analysts); everyone else gets the sanitised text and an empty original column;
- a source's identity (``identity_name``, ``identity_details``) is never exported, not even to
  its handler: identities are read on the source page, one at a time, and logged there.
"""

from __future__ import annotations

from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.functions import Concat

from ilp_platform.web.exports import Column
from intelligence.models.reports import EVALUATE


def _iso(value) -> str:
    return value.isoformat() if value else ""


def readable_original_text(user):
    """An expression giving ``text`` where the person may read the original, else ''.

    Mirrors :meth:`Report.original_visible_to` in SQL, so the rule is applied row by row in
    the database rather than in a Python loop over the export.
    """
    if user.has_perm(EVALUATE):
        return F("text")
    return Case(
        When(Q(submitted_by=user.pk) | Q(source__handler=user.pk), then=F("text")),
        default=Value(""),
        output_field=TextField(),
    )


def _source_handler(user):
    """The handler as the list shows it: "you", "assigned" or empty; never a name."""
    return Case(
        When(handler=user.pk, then=Value("you")),
        When(handler__isnull=False, then=Value("assigned")),
        default=Value(""),
        output_field=TextField(),
    )


REPORT_COLUMNS = [
    Column("urn", "urn"),
    Column("status", "status"),
    Column("compartment", "compartment__slug"),
    Column("grading_scheme", "grading_scheme"),
    # The grade as the pages show it, in its scheme's conventional order ("2B P" in 3x5x2).
    Column("grade", "export_grade"),
    Column("source_evaluation", "source_evaluation"),
    Column("intelligence_assessment", "intelligence_assessment"),
    Column("handling_code", "handling_code"),
    Column("handling_conditions", "handling_conditions"),
    Column("occurred_at", "occurred_at", _iso),
    Column("occurred_from", "occurred_from", _iso),
    Column("occurred_to", "occurred_to", _iso),
    Column("place_name", "place_name"),
    Column("sanitised_text", "sanitised_text"),
    Column("original_text", "export_original_text"),
    Column("submitted_by", "submitted_by__username"),
    Column("submitted_at", "submitted_at", _iso),
    Column("evaluated_by", "evaluated_by__username"),
    Column("evaluated_at", "evaluated_at", _iso),
    Column("retention_class", "retention_class__name"),
    Column("review_due", "review_due", _iso),
]

ENTITY_COLUMNS = [
    Column("id", "id"),
    Column("kind", "kind"),
    Column("name", "name"),
    Column("date_of_birth", "date_of_birth", _iso),
    Column("description", "description"),
    Column("compartment", "compartment__slug"),
    Column("created_at", "created_at", _iso),
]

SOURCE_COLUMNS = [
    Column("reference", "reference"),
    Column("source_type", "source_type"),
    Column("compartment", "compartment__slug"),
    Column("handler", "export_handler"),
    Column("is_active", "is_active"),
    Column("created_at", "created_at", _iso),
]

INCIDENT_COLUMNS = [
    Column("reference", "reference"),
    Column("crime_type", "crime_type__slug"),
    Column("occurred_from", "occurred_from", _iso),
    Column("occurred_to", "occurred_to", _iso),
    Column("latitude", "latitude"),
    Column("longitude", "longitude"),
    Column("address", "address"),
    Column("origin", "origin"),
    Column("compartment", "compartment__slug"),
]


def grade_expression():
    """The grade in its scheme's order, with the handling code: every scheme writes the source
    evaluation first (``intelligence.grading.full_code``), so one expression serves them all."""
    return Concat(
        F("source_evaluation"),
        F("intelligence_assessment"),
        Value(" "),
        F("handling_code"),
        output_field=TextField(),
    )


def reports(queryset, user):
    return queryset.annotate(
        export_original_text=readable_original_text(user), export_grade=grade_expression()
    )


def sources(queryset, user):
    return queryset.annotate(export_handler=_source_handler(user))
