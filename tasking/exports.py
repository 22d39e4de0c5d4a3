"""Exports of tasking records: meeting minutes (PDF and HTML) and the decision log (CSV).

Each export is a consultation recorded in the audit trail before anything leaves, and holds
only what the person exporting may see.
"""

from __future__ import annotations

import io

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.choices import Action
from ilp_platform.core import training
from ilp_platform.web.exports import csv_lines
from tasking import minutes as minutes_of
from tasking import selectors
from tasking.models import Meeting

CSV_COLUMNS = (
    "id",
    "meeting",
    "meeting_date",
    "subject_kind",
    "subject",
    "decision",
    "rationale",
    "decided_by",
    "decided_at",
    "amends",
    "compartment",
    "evidence_products",
    "evidence_reports",
)
CSV_BATCH = 1000  # rows fetched per query while streaming an export


def agenda_ids(agenda) -> dict:
    return {f"{name}_ids": [row["id"] for row in rows] for name, rows in agenda.sections.items()}


def marking_for(meeting: Meeting) -> str:
    return _("OFFICIAL-SENSITIVE · Tasking minutes · Compartment: %(name)s") % {
        "name": meeting.compartment.name
    }


def _print_css() -> str:
    found = finders.find("css/print.css")
    if not found:
        return ""
    with open(found, encoding="utf-8") as handle:
        return handle.read()


def minutes_context(meeting: Meeting, user) -> dict:
    built = minutes_of.build(meeting, user)
    return {
        "meeting": meeting,
        "minutes": built,
        "attendees": built.attendees,
        "decisions": built.decisions,
        "actions": built.actions,
        "marking": marking_for(meeting),
        "exported_at": timezone.now(),
        "exported_by": user,
    }


def minutes(meeting: Meeting, user, fmt: str) -> tuple[bytes, str, str]:
    """The minutes as (body, content type, file name); the export is audited first."""
    from ilp_platform.web.pdf import render_pdf

    context = minutes_context(meeting, user)
    audit.record(
        Action.EXPORT,
        obj=meeting,
        details={
            "format": fmt,
            "part": "minutes",
            "ids": [str(d.pk) for d in context["decisions"]],
            **context["minutes"].ids(),
        },
    )
    stem = f"minutes-{meeting.kind}-{meeting.scheduled_for:%Y%m%d}-{meeting.pk}"
    if fmt == "pdf":
        body = render_pdf(
            "tasking/pdf/minutes.html", {**context, "for_pdf": True}, marking=context["marking"]
        )
        return body, "application/pdf", f"{stem}.pdf"
    html = training.watermark_html(
        render_to_string(
            "tasking/pdf/minutes.html", {**context, "for_pdf": False, "print_css": _print_css()}
        )
    )
    return html.encode("utf-8"), "text/html; charset=utf-8", f"{stem}.html"


def decision_rows(user, queryset):
    """CSV lines for the decisions in ``queryset`` (from ``selectors.visible_decisions``), in
    keyset batches, cells neutralised."""
    return csv_lines(CSV_COLUMNS, _decision_values(user, queryset))


def _decision_values(user, queryset):
    last_id = None
    while True:
        batch = queryset.order_by("-id")
        if last_id is not None:
            batch = batch.filter(id__lt=last_id)
        chunk = list(selectors.decisions_with_evidence(user, batch)[:CSV_BATCH])
        if not chunk:
            return
        for d in chunk:
            subject = d.subject
            # The meeting is named only to those who may see it (selectors.visible_decisions).
            shown = d.meeting_visible
            yield [
                d.pk,
                d.meeting.title if shown else "",
                d.meeting.scheduled_for.date().isoformat() if shown else "",
                d.subject_kind,
                str(subject) if subject is not None else "",
                d.decision,
                d.rationale,
                d.decided_by.username,
                d.decided_at.isoformat(),
                d.amends_id or "",
                d.compartment.slug,
                " ".join(p.reference for p in d.visible_products),
                " ".join(r.urn for r in d.visible_reports),
            ]
        last_id = chunk[-1].pk


def decisions_csv_text(user, queryset) -> str:
    buffer = io.StringIO()
    for line in decision_rows(user, queryset):
        buffer.write(line)
    return buffer.getvalue()
