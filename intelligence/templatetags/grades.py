"""How a grade is shown everywhere (pages, lists, product citations and their PDFs): in its
scheme's conventional order, the scheme named beside it, and each code with its words
(``intelligence.grading``). A grade is always rebuilt from its stored codes, so a product
citation frozen before the display changed shows the same as a report does now."""

from __future__ import annotations

from django import template

from intelligence import grading

register = template.Library()


@register.inclusion_tag("intelligence/_grade.html")
def grade(scheme, source, intelligence, handling="", words=True):
    """``{% grade scheme source intelligence handling %}``: the badge ("2B P") with the scheme
    and, unless ``words=False``, each axis with its code and meaning."""
    return {
        "scheme": scheme,
        "code": grading.full_code(scheme, source, intelligence, handling),
        "in_words": grading.describe(scheme, source, intelligence),
        "axes": grading.axes(scheme, source, intelligence, handling),
        "words": words,
    }


@register.simple_tag
def grade_code(scheme, source, intelligence, handling=""):
    """The grade's code alone, in its scheme's order: "2B P"."""
    return grading.full_code(scheme, source, intelligence, handling)


@register.simple_tag
def grade_words(scheme, source, intelligence):
    """The grade in words, each code named by its axis, in its scheme's order."""
    return grading.describe(scheme, source, intelligence)
