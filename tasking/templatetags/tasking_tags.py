"""Template helpers for tasking pages."""

from django import template
from django.urls import NoReverseMatch, reverse

from tasking.scoring import group_name

register = template.Library()


@register.filter
def product_url(product) -> str:
    """The product's page (a product or an agenda row), or "" while the analysis pages do not
    provide one."""
    try:
        if isinstance(product, dict):
            return reverse("analysis:product_detail", args=[product["id"]])
        return product.get_absolute_url()
    except NoReverseMatch:
        return ""


@register.filter
def score_group(group: str) -> str:
    """A scoring group's name in the reader's language (``harm`` -> "Harm")."""
    return group_name(group)
