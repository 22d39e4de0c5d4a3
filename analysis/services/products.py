"""The actions on analytical products: one function per use case.

Each owns its transaction, runs inside ``audit.service_scope()`` and writes its audit event in
the same transaction. Invalid input or an invalid transition raises
``django.core.exceptions.ValidationError`` with messages by field; material outside the
actor's compartments raises ``Http404`` (its existence does not leak).

Audit vocabulary, used consistently:
- creating a product: CREATE; changing it or moving it through the workflow: UPDATE (with
  ``details.transition``); citing material or removing a citation: LINK (combination);
- exporting: EXPORT; disseminating to a recipient: DISCLOSE (through ``record_disclosure``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis import templates_products
from analysis.choices import ProductKind, ProductStatus
from analysis.models import (
    AnalysisJob,
    Citation,
    CitationKind,
    Dissemination,
    Product,
    ProductVersion,
)
from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import Compartment
from ilp_platform.core.jobs import JobStatus
from ilp_platform.core.references import stored_values
from intelligence import grading
from intelligence.choices import GradingScheme, ReportStatus
from intelligence.models import Entity, Report

ADD = "analysis.add_product"
CHANGE = "analysis.change_product"
APPROVE = "analysis.approve_product"

# How restrictive each handling code is, comparable across schemes: 0 is the widest sharing.
# 3x5x2 and Admiralty: P (lawful sharing) 0, C (sharing only under conditions) 2;
# 5x5x5: 1..5 map to 0..4; Europol 4x4: H0..H3 map to 0..3.
HANDLING_RANK: dict[str, dict[str, int]] = {
    GradingScheme.UK_3X5X2: {"P": 0, "C": 2},
    GradingScheme.ADMIRALTY: {"P": 0, "C": 2},
    GradingScheme.UK_5X5X5: {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4},
    GradingScheme.EUROPOL_4X4: {"H0": 0, "H1": 1, "H2": 2, "H3": 3},
}
# A cited job's tables are kept up to this many rows: a product embeds a table, not a dataset.
MAX_TABLE_ROWS = 200

CONTENT_FIELDS = (
    "title",
    "terms_of_reference",
    "sections",
    "compartment",
    "handling_scheme",
    "handling_code",
    "handling_conditions",
)
RESTRICTED = Product.audit_restricted_fields
IGNORED = Product.audit_ignored_fields


def handling_rank(scheme: str, code: str) -> int:
    return HANDLING_RANK.get(scheme, {}).get(code, 0)


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("Your role does not allow this action."))


def _snapshot(product: Product) -> dict:
    return audit.snapshot(product, RESTRICTED, IGNORED)


def _allocate_reference(product: Product) -> None:
    # The row's id makes the number unique without a counter table; the temporary value only
    # lives inside this transaction.
    product.reference = f"AP-{timezone.now().year}-{product.pk:06d}"
    Product.objects.filter(pk=product.pk).update(reference=product.reference)


# --- Validation -------------------------------------------------------------------------------


def _handling_errors(data: dict) -> dict[str, list[str]]:
    """The grading rules for a handling code (scheme, code, conditions), reused as they are."""
    scheme = data.get("handling_scheme") or ""
    any_source = next(iter(grading.codes(scheme, grading.SOURCE)), "")
    any_intel = next(iter(grading.codes(scheme, grading.INTELLIGENCE)), "")
    errors = grading.validate_grading(
        scheme,
        any_source,
        any_intel,
        data.get("handling_code") or "",
        data.get("handling_conditions") or "",
    )
    renamed = {grading.SCHEME: "handling_scheme"}
    return {
        renamed.get(field, field): messages
        for field, messages in errors.items()
        if field in (grading.SCHEME, grading.HANDLING, grading.CONDITIONS)
    }


def _check_sections(sections) -> list[dict]:
    if not isinstance(sections, list):
        raise ValidationError({"sections": [_("Sections must be a list of {key, title, body}.")]})
    cleaned = []
    keys = set()
    for index, section in enumerate(sections, start=1):
        if not isinstance(section, dict):
            raise ValidationError(
                {"sections": [_("Section %(n)s is not an object.") % {"n": index}]}
            )
        key = str(section.get("key") or "").strip()
        title = str(section.get("title") or "").strip()
        body = section.get("body") or ""
        if not key or not title:
            raise ValidationError(
                {"sections": [_("Section %(n)s needs a key and a title.") % {"n": index}]}
            )
        if key in keys:
            raise ValidationError(
                {"sections": [_("Section key “%(key)s” appears twice.") % {"key": key}]}
            )
        if not isinstance(body, str):
            raise ValidationError(
                {"sections": [_("The body of section “%(key)s” must be text.") % {"key": key}]}
            )
        keys.add(key)
        cleaned.append({"key": key[:60], "title": title[:200], "body": body})
    return cleaned


def _check_product_data(data: dict, actor, *, creating: bool) -> None:
    errors: dict[str, list[str]] = {}
    if creating and data.get("kind") not in ProductKind.values:
        errors["kind"] = [
            _("Choose the kind of product: %(choices)s.")
            % {"choices": ", ".join(ProductKind.values)}
        ]
    if "title" in data and not (data.get("title") or "").strip():
        errors["title"] = [_("Give the product a title.")]
    if "compartment" in data:
        compartment = data.get("compartment")
        if compartment is None:
            errors["compartment"] = [_("Choose the compartment the product lives in.")]
        elif not Compartment.objects.visible_to(actor).filter(pk=compartment.pk).exists():
            errors["compartment"] = [_("You do not hold this compartment.")]
    errors.update(_handling_errors(data))
    if errors:
        raise ValidationError(errors)


def handling_problems(product: Product, citations=None) -> list[str]:
    """Why the product's handling code is less restrictive than material it cites (if so)."""
    citations = product.citations.all() if citations is None else citations
    own = handling_rank(product.handling_scheme, product.handling_code)
    problems = []
    for citation in citations:
        handling = (citation.snapshot or {}).get("handling") or {}
        if not handling:
            continue
        rank = handling_rank(handling.get("scheme", ""), handling.get("code", ""))
        if rank > own:
            problems.append(
                _(
                    "%(label)s carries handling code %(code)s (%(scheme)s), more restrictive "
                    "than the product's %(own)s (%(own_scheme)s): choose a handling code at "
                    "least as restrictive."
                )
                % {
                    "label": (citation.snapshot or {}).get("label", ""),
                    "code": handling.get("code", ""),
                    "scheme": handling.get("scheme", ""),
                    "own": product.handling_code,
                    "own_scheme": product.handling_scheme,
                }
            )
    return problems


def _ready_for_review(product: Product) -> None:
    errors: dict[str, list[str]] = {}
    handling = _handling_errors(
        {
            "handling_scheme": product.handling_scheme,
            "handling_code": product.handling_code,
            "handling_conditions": product.handling_conditions,
        }
    )
    errors.update(handling)
    problems = handling_problems(product)
    if problems:
        errors.setdefault("handling_code", []).extend(problems)
    if errors:
        raise ValidationError(errors)


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


# --- Content ----------------------------------------------------------------------------------


def _normalised(value):
    # A database may give back 1e20 or 2.0 as an integer (PostgreSQL jsonb keeps numerics);
    # whole floats hash as integers so a stored version still matches its hash when re-read.
    if isinstance(value, dict):
        return {str(k): _normalised(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalised(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _canonical(content: dict) -> bytes:
    return json.dumps(
        _normalised(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def content_hash(content: dict) -> str:
    return hashlib.sha256(_canonical(content)).hexdigest()


def citation_content(citation: Citation) -> dict:
    return {
        "id": citation.pk,
        "kind": citation.kind,
        "target_id": citation.report_id or citation.entity_id or citation.job_id,
        "note": citation.note,
        "snapshot": citation.snapshot,
    }


def marking(scheme: str, code: str, compartment_name: str) -> str:
    """The protective marking printed on every page: handling code, meaning, compartment."""
    meaning = grading.meaning(scheme, grading.HANDLING, code)
    return _("HANDLING %(code)s (%(scheme)s): %(meaning)s | COMPARTMENT: %(compartment)s") % {
        "code": code,
        "scheme": scheme,
        "meaning": meaning,
        "compartment": compartment_name,
    }


def product_content(product: Product, citations=None) -> dict:
    """What the product shows, as plain JSON: the working copy, or what a version freezes."""
    citations = product.citations.all() if citations is None else citations
    return {
        "reference": product.reference,
        "kind": product.kind,
        "kind_label": str(ProductKind(product.kind).label),
        "title": product.title,
        "terms_of_reference": product.terms_of_reference,
        "sections": [dict(s) for s in product.sections or []],
        "compartment": {"slug": product.compartment.slug, "name": product.compartment.name},
        "handling": {
            "scheme": product.handling_scheme,
            "code": product.handling_code,
            "meaning": grading.meaning(
                product.handling_scheme, grading.HANDLING, product.handling_code
            ),
            "conditions": product.handling_conditions,
        },
        "marking": marking(
            product.handling_scheme, product.handling_code, product.compartment.name
        ),
        "author": product.author.get_username(),
        "version": product.version,
        "citations": [citation_content(c) for c in citations],
    }


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
        "occurred": (report.occurred_at or report.occurred_from or None)
        and (report.occurred_at or report.occurred_from).isoformat(),
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
    }


# --- Use cases --------------------------------------------------------------------------------


def _editable_by(product: Product, actor) -> None:
    _require(actor, CHANGE)
    if product.author_id != actor.pk:
        raise PermissionDenied(_("Only the author changes a product."))


@action(ADD)
def create_product(*, actor, data: dict) -> Product:
    """Collection: a new draft from its kind's template."""
    data = {**data}
    data.setdefault("handling_scheme", GradingScheme.UK_3X5X2)
    data.setdefault("handling_code", "P")
    data.setdefault("handling_conditions", "")
    data.setdefault("compartment", None)
    data.setdefault("title", "")
    _check_product_data(data, actor, creating=True)
    sections = data.get("sections")
    sections = (
        _check_sections(sections) if sections else templates_products.initial_sections(data["kind"])
    )
    product = Product(
        reference=f"tmp-{uuid.uuid4().hex[:16]}",
        kind=data["kind"],
        title=data["title"].strip(),
        terms_of_reference=data.get("terms_of_reference") or "",
        sections=sections,
        compartment=data["compartment"],
        handling_scheme=data["handling_scheme"],
        handling_code=data["handling_code"],
        handling_conditions=data.get("handling_conditions") or "",
        author=actor,
    )
    product.save()
    _allocate_reference(product)
    audit.record(Action.CREATE, obj=product, details={"fields": _snapshot(product)})
    return product


def _revise(product: Product, actor) -> None:
    """Start version n+1 of an approved product (inside the caller's transaction)."""
    before = product.version
    product.status = ProductStatus.DRAFT
    product.version = before + 1
    product.approved_by = None
    product.approved_at = None
    product.submitted_at = None
    product.review_comment = ""
    product.returned_at = None
    product.save()
    audit.record(
        Action.UPDATE,
        obj=product,
        details={"transition": "revise", "from_version": before, "version": product.version},
    )


@action()
def revise_product(product: Product, *, actor) -> Product:
    """An approved (or disseminated) product becomes a draft again, as its next version."""
    _editable_by(product, actor)
    if product.status not in (ProductStatus.APPROVED, ProductStatus.DISSEMINATED):
        raise ValidationError(
            {
                "status": [
                    _("Only an approved product starts a new version; this one is %(s)s.")
                    % {"s": product.get_status_display()}
                ]
            }
        )
    _revise(product, actor)
    return product


@action()
def update_product(product: Product, *, actor, data: dict) -> Product:
    """Alteration of the working copy by its author. Editing an approved product starts the
    next version; a product in review is frozen until approved or returned."""
    _editable_by(product, actor)
    if product.status == ProductStatus.IN_REVIEW:
        raise ValidationError(
            {
                "status": [
                    _(
                        "The product is in review: it can change again once the reviewer "
                        "returns it or after approval."
                    )
                ]
            }
        )
    data = {k: v for k, v in data.items() if k in CONTENT_FIELDS}
    merged = stored_values(product, CONTENT_FIELDS)
    merged.update(data)
    _check_product_data(merged, actor, creating=False)
    if "sections" in data:
        data["sections"] = _check_sections(data["sections"])
    compartment = merged["compartment"]
    if compartment.pk != product.compartment_id:
        strays = [
            c.snapshot.get("label", "")
            for c in product.citations.all()
            if (c.snapshot.get("compartments") or [c.snapshot.get("compartment")])
            != [compartment.slug]
        ]
        if strays:
            raise ValidationError(
                {
                    "compartment": [
                        _(
                            "The product cites material of another compartment (%(items)s): "
                            "remove those citations before moving it to %(slug)s."
                        )
                        % {"items": ", ".join(strays), "slug": compartment.slug}
                    ]
                }
            )
    if product.status in (ProductStatus.APPROVED, ProductStatus.DISSEMINATED):
        _revise(product, actor)
    before = _snapshot(product)
    for field, value in data.items():
        if field == "title":
            value = (value or "").strip()
        if field in ("terms_of_reference", "handling_conditions"):
            value = value or ""
        setattr(product, field, value)
    product.save()
    changes = audit.diff(before, _snapshot(product), RESTRICTED)
    if changes:
        audit.record(Action.UPDATE, obj=product, details={"changes": changes})
    return product


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
    _editable_by(product, actor)
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
    _editable_by(product, actor)
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


@action()
def submit_product(product: Product, *, actor) -> Product:
    """Draft -> in review, by the author, once the handling code covers every citation."""
    _editable_by(product, actor)
    if product.status != ProductStatus.DRAFT:
        raise ValidationError(
            {
                "status": [
                    _("Only a draft is submitted for review; this one is %(s)s.")
                    % {"s": product.get_status_display()}
                ]
            }
        )
    _ready_for_review(product)
    product.status = ProductStatus.IN_REVIEW
    product.submitted_at = timezone.now()
    product.save()
    audit.record(
        Action.UPDATE,
        obj=product,
        details={"transition": "submit", "version": product.version},
    )
    return product


def _reviewable_by(product: Product, actor) -> None:
    _require(actor, APPROVE)
    if product.author_id == actor.pk:
        raise PermissionDenied(
            _("You wrote this product: another person approves or returns it (four eyes).")
        )
    if product.status != ProductStatus.IN_REVIEW:
        raise ValidationError(
            {
                "status": [
                    _("Only a product in review is approved or returned; this one is %(s)s.")
                    % {"s": product.get_status_display()}
                ]
            }
        )


@action()
def approve_product(product: Product, *, actor) -> ProductVersion:
    """In review -> approved by someone other than the author; freezes the version."""
    _reviewable_by(product, actor)
    _ready_for_review(product)
    now = timezone.now()
    citations = list(product.citations.all())
    content = product_content(product, citations)
    content["approved_by"] = actor.get_username()
    content["approved_at"] = now.isoformat()
    digest = content_hash(content)
    version = ProductVersion.objects.create(
        product=product,
        number=product.version,
        content=content,
        approved_by=actor,
        approved_at=now,
        content_hash=digest,
    )
    product.status = ProductStatus.APPROVED
    product.approved_by = actor
    product.approved_at = now
    product.review_comment = ""
    product.returned_at = None
    product.save()
    audit.record(
        Action.UPDATE,
        obj=product,
        details={"transition": "approve", "version": version.number, "content_hash": digest},
    )
    return version


@action()
def return_product(product: Product, *, actor, comment: str) -> Product:
    """In review -> draft again, with the reviewer's comment for the author."""
    _reviewable_by(product, actor)
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say what the author should change.")]})
    product.status = ProductStatus.DRAFT
    product.review_comment = comment.strip()
    product.returned_at = timezone.now()
    product.submitted_at = None
    product.save()
    audit.record(
        Action.UPDATE,
        obj=product,
        details={"transition": "return", "version": product.version},
    )
    return product


def current_version(product: Product) -> ProductVersion | None:
    return product.versions.order_by("-number").first()


@action(APPROVE)
def disseminate_product(
    product: Product,
    *,
    actor,
    recipient: str,
    legal_basis: str,
    purpose: str = "",
    conditions_acknowledged: bool = False,
    provider_permission: str = "",
) -> Dissemination:
    """Disclosure: the latest approved version goes to a recipient with a legal basis.

    The handling code is checked by ``audit.services.record_disclosure``; a refusal is logged
    (DISCLOSE, outcome denied) and kept even though nothing is disseminated.
    """
    if product.status not in (ProductStatus.APPROVED, ProductStatus.DISSEMINATED):
        raise ValidationError(
            {
                "status": [
                    _("Only an approved product is disseminated; this one is %(s)s.")
                    % {"s": product.get_status_display()}
                ]
            }
        )
    version = current_version(product)
    refused = None
    try:
        audit.record_disclosure(
            product,
            recipient=recipient or "",
            legal_basis=legal_basis or "",
            conditions_acknowledged=conditions_acknowledged,
            provider_permission=provider_permission or "",
            note=_("version %(n)s; purpose: %(p)s") % {"n": version.number, "p": purpose},
            actor=actor,
        )
    except audit.DisclosureRefused as exc:
        # The refusal event stays: this block commits with nothing else written.
        refused = exc
    else:
        dissemination = Dissemination.objects.create(
            product=product,
            version=version,
            recipient=recipient.strip()[:200],
            legal_basis=legal_basis.strip()[:300],
            purpose=(purpose or "").strip()[:300],
            conditions_acknowledged=conditions_acknowledged,
            provider_permission=(provider_permission or "").strip()[:200],
            disseminated_by=actor,
        )
        fields = ["status", "updated_at"]
        if product.disseminated_at is None:
            product.disseminated_at = timezone.now()
            fields.append("disseminated_at")
        product.status = ProductStatus.DISSEMINATED
        product.save(update_fields=fields)
    if refused is not None:
        raise ValidationError({field: [message] for field, message in refused.errors.items()})
    return dissemination


# --- Export -----------------------------------------------------------------------------------


def _print_css() -> str:
    """The print stylesheet's text, inlined so an exported HTML file stands alone."""
    from django.contrib.staticfiles import finders

    found = finders.find("css/print.css")
    if not found:
        return ""
    with open(found, encoding="utf-8") as handle:
        return handle.read()


def export_context(product: Product, version: ProductVersion | None) -> dict:
    if version is not None:
        content, frozen = version.content, True
    else:
        content, frozen = product_content(product), False
    return {
        "content": content,
        "frozen": frozen,
        "version": version,
        "content_hash": version.content_hash if version else "",
        "draft_notice": "" if frozen else _("WORKING COPY: NOT APPROVED"),
        "exported_at": timezone.now(),
    }


def export_product(product: Product, *, actor, fmt: str, number=None) -> tuple[bytes, str, str]:
    """Consultation: the product (a frozen version, by default the latest; the working copy
    when none is approved) as PDF or standalone HTML. Returns (bytes, filename, mime type)."""
    from django.template.loader import render_to_string

    from ilp_platform.web.pdf import render_pdf

    if fmt not in ("pdf", "html"):
        raise ValidationError({"fmt": [_("Export as “pdf” or “html”.")]})
    if number not in (None, ""):
        try:
            version = product.versions.get(number=int(number))
        except (ValueError, TypeError, ProductVersion.DoesNotExist):
            raise ValidationError(
                {
                    "version": [
                        _("Product %(ref)s has no version %(n)s.")
                        % {"ref": product.reference, "n": number}
                    ]
                }
            ) from None
    else:
        version = current_version(product)
    context = export_context(product, version)
    content = context["content"]
    mark = content["marking"]
    if context["draft_notice"]:
        mark = f"{context['draft_notice']} | {mark}"
    context["marking"] = mark
    stem = f"{content['reference']}-v{content['version']}"
    with transaction.atomic():
        audit.record(
            Action.EXPORT,
            obj=product,
            details={
                "format": fmt,
                "version": version.number if version else None,
                "frozen": version is not None,
                "content_hash": version.content_hash if version else "",
            },
        )
        if fmt == "pdf":
            data = render_pdf(
                "analysis/pdf/product.html", {**context, "for_pdf": True}, marking=mark
            )
            return data, f"{stem}.pdf", "application/pdf"
        html = render_to_string(
            "analysis/pdf/product.html",
            {**context, "for_pdf": False, "print_css": _print_css()},
        )
        return html.encode("utf-8"), f"{stem}.html", "text/html; charset=utf-8"
