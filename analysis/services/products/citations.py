"""Citations: a product cites a report, an entity or a succeeded analysis of its own
compartment, frozen as it is when cited (the snapshot: a report's grade and sanitised text,
never the original; a job's tables and charts as inert images)."""

from __future__ import annotations

import base64
import re

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from analysis import presentation
from analysis.models import AnalysisJob, Citation, CitationKind, Product
from analysis.services.products.workflow import check_author
from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.core.jobs import JobStatus
from intelligence.choices import ReportStatus
from intelligence.models import Entity, Report

# A cited job's tables are kept up to this many rows: a product embeds a table, not a dataset.
MAX_TABLE_ROWS = 200


# --- Snapshots of cited material --------------------------------------------------------------

_SCRIPT = re.compile(r"<\s*(script|foreignObject)\b.*?<\s*/\s*\1\s*>", re.I | re.S)

_SELF_CLOSED = re.compile(r"<\s*(script|foreignObject)\b[^>]*/\s*>", re.I)

_EVENT_ATTR = re.compile(r"\s+on[a-z]+\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.I)

_EXTERNAL_HREF = re.compile(
    r"\s+(?:xlink:)?href\s*=\s*(\"(?!#)[^\"]*\"|'(?!#)[^']*'|(?![\"'#])[^\s>]+)", re.I
)


def sanitise_svg(svg: str) -> str:
    """Strip what could run or reach out: scripts, foreignObject, on* handlers, external links."""
    cleaned = _SCRIPT.sub("", svg or "")
    cleaned = _SELF_CLOSED.sub("", cleaned)
    cleaned = _EVENT_ATTR.sub("", cleaned)
    return _EXTERNAL_HREF.sub("", cleaned)


def svg_data_uri(svg: str) -> str:
    """An SVG as an <img> source: inert in browsers and rendered by WeasyPrint."""
    encoded = base64.b64encode(sanitise_svg(svg).encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


def report_snapshot(report: Report) -> dict:
    """A report as a product shows it: grade, handling and sanitised text (never the original)."""
    occurred = report.occurred_at or report.occurred_from
    return {
        "label": _("Report %(urn)s") % {"urn": report.urn},
        "urn": report.urn,
        "compartment": report.compartment.slug,
        "grading": {
            "scheme": report.grading_scheme,
            "source_evaluation": report.source_evaluation,
            "intelligence_assessment": report.intelligence_assessment,
            "code": report.grade_code,
            "in_words": report.grade_in_words,
        },
        "handling": {
            "scheme": report.grading_scheme,
            "code": report.handling_code,
            "meaning": report.handling_in_words,
            "conditions": report.handling_conditions,
        },
        "sanitised_text": report.sanitised_text,
        "occurred": occurred.isoformat() if occurred else None,
        "place_name": report.place_name,
        "is_personal_assessment": report.is_personal_assessment,
    }


def entity_snapshot(entity: Entity) -> dict:
    return {
        "label": _("Entity %(name)s") % {"name": entity.name},
        "name": entity.name,
        "entity_kind": entity.kind,
        "entity_kind_label": str(entity.get_kind_display()),
        "date_of_birth": entity.date_of_birth.isoformat() if entity.date_of_birth else None,
        "description": entity.description,
        "compartment": entity.compartment.slug,
    }


def _table(table: dict) -> dict:
    rows = list(table.get("rows") or [])
    return {
        "title": str(table.get("title") or ""),
        "columns": [str(c) for c in table.get("columns") or []],
        "rows": rows[:MAX_TABLE_ROWS],
        "rows_omitted": max(0, len(rows) - MAX_TABLE_ROWS),
    }


def _params_text(params: dict) -> list[list[str]]:
    """Parameters as (name, text) pairs for reading: lists joined, unset values left out."""
    rows = []
    for name, value in (params or {}).items():
        if value in (None, "", []):
            continue
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        rows.append([str(name), str(value)])
    return rows


def job_snapshot(job: AnalysisJob, compartments: list[str]) -> dict:
    """A job's result as it was when cited: summary, tables, charts (as inert images), params."""
    result = job.result or {}
    return {
        "label": _("Analysis #%(id)s %(title)s") % {"id": job.pk, "title": str(job)},
        "job_kind": job.kind,
        "job_kind_label": str(job.get_kind_display()),
        "title": str(job),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "compartments": compartments,
        "summary": result.get("summary") or {},
        "params": result.get("params") or job.params or {},
        "params_text": _params_text(result.get("params") or job.params or {}),
        "tables": [_table(t) for t in result.get("tables") or [] if isinstance(t, dict)],
        "charts": [
            {"title": str(c.get("title") or ""), "image": svg_data_uri(str(c.get("svg") or ""))}
            for c in result.get("charts") or []
            if isinstance(c, dict) and c.get("svg")
        ],
        "map": _map_image(job, result),
    }


def _map_image(job: AnalysisJob, result: dict) -> dict | None:
    """The result's map as an inert image with its key (None when the job has no map)."""
    title = _("Map: %(title)s") % {"title": str(job)}
    svg = presentation.map_svg(result.get("geojson"), title=title)
    if svg is None:
        return None
    return {
        "title": title,
        "image": svg_data_uri(svg),
        "key": [{"colour": c, "words": w} for c, w in presentation.map_key(job.kind)],
    }


# --- Use cases --------------------------------------------------------------------------------


def _compartment_mismatch(label: str, theirs: list[str], product: Product) -> ValidationError:
    return ValidationError(
        {
            "id": [
                _(
                    "%(label)s belongs to compartment(s) %(theirs)s, but product %(ref)s lives "
                    "in compartment %(ours)s: a product cites only material of its own "
                    "compartment."
                )
                % {
                    "label": label,
                    "theirs": ", ".join(theirs) or _("none"),
                    "ref": product.reference,
                    "ours": product.compartment.slug,
                }
            ]
        }
    )


def _cite_target(product: Product, actor, kind: str, target_id):
    """The material to cite, visible to the actor (404 otherwise) and of the right compartment."""
    try:
        target_pk = int(target_id)
    except (TypeError, ValueError):
        raise ValidationError(
            {"id": [_("Give the id of the material to cite (a number).")]}
        ) from None
    if kind == CitationKind.REPORT:
        queryset = Report.objects.visible_to(actor).select_related("compartment")
    elif kind == CitationKind.ENTITY:
        queryset = Entity.objects.visible_to(actor).select_related("compartment")
    elif kind == CitationKind.JOB:
        queryset = AnalysisJob.objects.visible_to(actor)
    else:
        raise ValidationError(
            {
                "kind": [
                    _("Cite a report, an entity or a job (kind: %(choices)s).")
                    % {"choices": ", ".join(CitationKind.values)}
                ]
            }
        )
    target = queryset.filter(pk=target_pk).first()
    if target is None:
        audit.record_denied(
            object_type=queryset.model._meta.label_lower,
            object_id=target_pk,
            reason="cited material not found or outside the user's compartments",
        )
        raise Http404
    if kind == CitationKind.REPORT:
        label = _("Report %(urn)s") % {"urn": target.urn}
        if target.status != ReportStatus.EVALUATED:
            raise ValidationError(
                {
                    "id": [
                        _(
                            "%(label)s is %(status)s: only evaluated (graded and sanitised) "
                            "reports can be cited."
                        )
                        % {"label": label, "status": target.get_status_display()}
                    ]
                }
            )
        if target.compartment_id != product.compartment_id:
            raise _compartment_mismatch(label, [target.compartment.slug], product)
        return target, report_snapshot(target)
    if kind == CitationKind.ENTITY:
        label = _("Entity %(name)s") % {"name": target.name}
        if target.merged_into_id:
            raise ValidationError(
                {
                    "id": [
                        _("%(label)s was merged into another entity: cite that one.")
                        % {"label": label}
                    ]
                }
            )
        if target.compartment_id != product.compartment_id:
            raise _compartment_mismatch(label, [target.compartment.slug], product)
        return target, entity_snapshot(target)
    label = _("Analysis #%(id)s") % {"id": target.pk}
    if target.status != JobStatus.SUCCEEDED or not target.result:
        raise ValidationError(
            {
                "id": [
                    _("%(label)s is %(status)s: only succeeded analyses can be cited.")
                    % {"label": label, "status": target.get_status_display()}
                ]
            }
        )
    slugs = sorted(target.compartments.values_list("slug", flat=True))
    if slugs != [product.compartment.slug]:
        raise _compartment_mismatch(label, slugs, product)
    return target, job_snapshot(target, slugs)


@action()
def cite(product: Product, *, actor, kind: str, target_id, note: str = "") -> Citation:
    """Combination: a product cites a report, an entity or a succeeded analysis, frozen as it
    is now (the snapshot)."""
    check_author(product, actor)
    if not product.is_editable:
        raise ValidationError(
            {
                "status": [
                    _("Material is cited while the product is a draft; this one is %(s)s.")
                    % {"s": product.get_status_display()}
                ]
            }
        )
    target, snapshot = _cite_target(product, actor, kind, target_id)
    field = {"report": "report", "entity": "entity", "job": "job"}[kind]
    if product.citations.filter(**{field: target}).exists():
        raise ValidationError(
            {"id": [_("%(label)s is already cited.") % {"label": snapshot["label"]}]}
        )
    citation = Citation.objects.create(
        product=product,
        kind=kind,
        note=(note or "")[:300],
        snapshot=snapshot,
        cited_by=actor,
        **{field: target},
    )
    product.save(update_fields=["updated_at"])
    audit.record(
        Action.LINK,
        obj=product,
        details={
            "operation": "cite",
            "citation": citation.pk,
            "kind": kind,
            "target_type": type(target)._meta.label_lower,
            "target_id": target.pk,
        },
    )
    return citation


@action()
def remove_citation(citation: Citation, *, actor) -> None:
    product = citation.product
    check_author(product, actor)
    if not product.is_editable:
        raise ValidationError(
            {"status": [_("Citations change only while the product is a draft.")]}
        )
    target_id = citation.report_id or citation.entity_id or citation.job_id
    details = {
        "operation": "remove citation",
        "citation": citation.pk,
        "kind": citation.kind,
        "target_id": target_id,
    }
    citation.delete()
    product.save(update_fields=["updated_at"])
    audit.record(Action.LINK, obj=product, details=details)
