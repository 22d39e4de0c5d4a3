"""A product's life: created from its kind's template, edited by its author, submitted,
approved by someone else (each approval freezes a version with its hash) or returned with a
comment, and revised as its next version."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis import templates_products
from analysis.choices import ProductKind, ProductStatus
from analysis.models import Product, ProductVersion
from analysis.services.products.content import content_hash, handling_problems, product_content
from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import Compartment
from ilp_platform.core import events
from ilp_platform.core.references import stored_values
from intelligence import grading
from intelligence.choices import GradingScheme

ADD = "analysis.add_product"


CHANGE = "analysis.change_product"


APPROVE = "analysis.approve_product"


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


# --- Use cases --------------------------------------------------------------------------------


def check_author(product: Product, actor) -> None:
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
    check_author(product, actor)
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
    check_author(product, actor)
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


@action()
def submit_product(product: Product, *, actor) -> Product:
    """Draft -> in review, by the author, once the handling code covers every citation."""
    check_author(product, actor)
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
    events.publish("product.approved", product=product, actor=actor)
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
    events.publish("product.returned", product=product, actor=actor)
    return product
