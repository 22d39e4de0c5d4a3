from django import template

from analysis import presentation

register = template.Library()


@register.filter
def summary_words(summary):
    """A result summary's figures as (words, value) pairs."""
    return presentation.summary_items(summary if isinstance(summary, dict) else {})
