"""The search document of a report: what search reads, rebuilt whenever the report, its
entities or their identifiers change."""

from __future__ import annotations

from intelligence.models import Identifier, Report, ReportEntity


def search_document_for(report: Report) -> str:
    """What search reads: never the original text, and only what every reader of the report
    may read. An entity named in the report counts only when it lives in the report's own
    compartment: one of another compartment would make search an oracle for it (a search for
    its phone number would find this report) for readers who cannot see it."""
    if report.is_erased:
        return ""
    parts = [report.urn, report.sanitised_text, report.place_name]
    parts += [ct.name for ct in report.crime_types.all()]
    links = ReportEntity.objects.filter(
        report=report, entity__compartment_id=report.compartment_id
    ).select_related("entity")
    entity_ids = []
    for link in links:
        parts.append(link.entity.name)
        entity_ids.append(link.entity_id)
    parts += Identifier.objects.filter(entity_id__in=entity_ids).values_list("value", flat=True)
    return "\n".join(p for p in parts if p)


def refresh_search_document(report: Report) -> None:
    # update() leaves the audit safety net out (we are inside a service) and, on PostgreSQL,
    # fires the trigger that derives search_vector from search_document.
    document = search_document_for(report)
    Report.objects.filter(pk=report.pk).update(search_document=document)
    report.search_document = document
