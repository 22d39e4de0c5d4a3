"""Home-page panels for analytical products: what waits for approval, what the author owes.

One aggregate query per panel; the few items are fetched only when there is something to list.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from analysis.choices import ProductStatus
from analysis.models import Product
from ilp_platform.core.home import Panel

PANEL_ITEMS = 5


def _items(queryset) -> list[tuple[str, str | None]]:
    # References and kinds only: titles may name people, and the home page is not a consultation.
    rows = queryset.order_by("-updated_at", "-id").only("pk", "reference", "kind")[:PANEL_ITEMS]
    return [(f"{p.reference} ({p.get_kind_display()})", p.get_absolute_url()) for p in rows]


def product_panels(user) -> list[Panel]:
    panels: list[Panel] = []
    products_url = reverse("analysis:product_list")
    if user.has_perm("analysis.approve_product"):
        waiting = Product.objects.awaiting_approval_by(user)
        count = waiting.count()
        panels.append(
            Panel(
                title=_("Products to approve"),
                count=count,
                url=f"{products_url}?status={ProductStatus.IN_REVIEW}",
                items=_items(waiting) if count else [],
                tone="warning" if count else "secondary",
                note=_("Submitted by others; you cannot approve your own."),
                order=15,
            )
        )
    if user.has_perm("analysis.change_product"):
        drafts = Product.objects.visible_to(user).filter(author=user, status=ProductStatus.DRAFT)
        counts = drafts.aggregate(
            total=Count("pk"), returned=Count("pk", filter=~Q(review_comment=""))
        )
        returned = counts["returned"]
        items = []
        if returned:
            items = _items(drafts.exclude(review_comment=""))
        elif counts["total"]:
            items = _items(drafts)
        panels.append(
            Panel(
                title=_("My product drafts"),
                count=counts["total"],
                url=f"{products_url}?status={ProductStatus.DRAFT}&mine=on",
                items=items,
                tone="danger" if returned else "primary",
                note=(
                    _("%(n)s returned by the reviewer with comments.") % {"n": returned}
                    if returned
                    else _("Drafts you are writing.")
                ),
                order=16,
            )
        )
    return panels
