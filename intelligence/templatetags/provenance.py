"""``{% provenance_panel report %}``: where a received report came from, on its page."""

from __future__ import annotations

from django import template

from intelligence.models import Provenance
from intelligence.provenance import condition_label

register = template.Library()


@register.inclusion_tag("intelligence/_provenance.html", takes_context=True)
def provenance_panel(context, report):
    """The provenance of ``report`` as its reader may see it (through the report's reach)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    provenance = (
        Provenance.objects.visible_to(user)
        .filter(report=report)
        .select_related("originating_unit", "consent_recorded_by")
        .first()
    )
    conditions = [
        (code, condition_label(code)) for code in (provenance.conditions if provenance else [])
    ]
    return {"provenance": provenance, "conditions": conditions, "report": report}
