"""Form parts every app's browser forms use.

- :func:`apply_errors` shows a service's errors beside the fields they name.
- :class:`CompartmentChoiceField` offers only the compartments the person holds.
- :class:`RestrictedFormMixin` draws every record choice of a form through ``visible_to`` for
  the person filling it in (the reference rule: a form never offers, names or accepts a record
  the person may not see), whatever narrower choice the form itself makes; a widget that names
  records (``intelligence.pickers.PickerWidget``) is bound to that person (``bind_reader``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ilp_platform.core import references
from ilp_platform.core.errors import StateConflict
from ilp_platform.core.querysets import RestrictedQuerySet, compartment_model

if TYPE_CHECKING:
    from ilp_platform.core.people import Reader

    _FormBase = forms.BaseForm
else:
    _FormBase = object  # the mixin goes with a form class

_SELECT = {"class": "form-select"}

# The compartment most intelligence belongs in; offered first when the person holds it.
DEFAULT_COMPARTMENT = "general"


def apply_errors(form: forms.BaseForm, exc: ValidationError | StateConflict) -> None:
    """Show a service's errors beside the fields they name (others above the form)."""
    for field, messages in exc.message_dict.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class CompartmentChoiceField(forms.ModelChoiceField):
    """A compartment choice offering only the compartments the person holds.

    The choice starts on the person's only compartment when they hold exactly one, otherwise
    on ``general`` when they hold it; a form's own initial value (an existing record's
    compartment) still wins.
    """

    def __init__(self, **kwargs):
        Compartment = compartment_model()

        kwargs.setdefault("label", _("Compartment"))
        kwargs.setdefault("widget", forms.Select(attrs=_SELECT))
        super().__init__(queryset=Compartment.objects.none(), **kwargs)

    def restrict_to(self, user: Reader) -> None:
        Compartment = compartment_model()

        self.queryset = Compartment.objects.visible_to(user)
        held = list(self.queryset.values_list("pk", "slug"))
        if len(held) == 1:
            self.initial = held[0][0]
        else:
            self.initial = next((pk for pk, slug in held if slug == DEFAULT_COMPARTMENT), None)


def restrict_choices(form: forms.BaseForm, user: Reader) -> None:
    """Narrow every record choice of ``form`` to what ``user`` may see (fields already drawn
    through ``visible_to`` for that person are left as the form made them)."""
    for field in form.fields.values():
        # A widget that names records (a picker) draws their labels for this person only.
        bind = getattr(field.widget, "bind_reader", None)
        if callable(bind):
            bind(user)
        if isinstance(field, CompartmentChoiceField):
            # Not restricted yet: it starts empty.
            if field.queryset is None or field.queryset.query.is_empty():
                field.restrict_to(user)
            continue
        if not isinstance(field, forms.ModelChoiceField):
            continue
        queryset = field.queryset
        if queryset is None or not references.is_restricted(queryset.model):
            continue
        if getattr(queryset, "_reader", references.UNSET) is user:
            continue
        field.queryset = cast(RestrictedQuerySet, queryset).visible_to(user)


class RestrictedFormMixin(_FormBase):
    """A form filled in by a person (``user``): record choices through ``visible_to``.

    Subclasses take ``user`` as a keyword and may narrow choices further in their own
    ``__init__``; the narrowing through ``visible_to`` is applied again when the form is
    validated or rendered, so a choice set later cannot escape it.
    """

    def __init__(self, *args, user: Reader, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        restrict_choices(self, user)

    def full_clean(self):
        restrict_choices(self, self.user)
        return super().full_clean()

    def __iter__(self):
        restrict_choices(self, self.user)
        return super().__iter__()
