"""Dissemination: the latest approved version of a product goes to a recipient with a legal
basis, a disclosure in the audit trail (refused, and logged, when the handling code forbids
it)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis.choices import ProductStatus
from analysis.models import Dissemination, Product
from analysis.services.products.content import current_version
from analysis.services.products.workflow import APPROVE
from audit import services as audit
from audit.actions import action


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
    if version is None:  # an approved product always has its frozen version
        raise ValidationError({"status": [_("This product has no approved version to send.")]})
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
