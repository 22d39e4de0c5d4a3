"""Every browser form that offers records draws them through ``visible_to`` for the person
filling it in, from one base (``ilp_platform.web.forms.RestrictedFormMixin``)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from django import forms

from ilp_platform.core.references import is_restricted
from ilp_platform.web.forms import CompartmentChoiceField, RestrictedFormMixin
from tests.tasking.helpers import make_meeting, make_priority

APPS = ("intelligence", "analysis", "tasking", "audit", "ilp_platform")


def _form_classes():
    found = []
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if "forms" not in info.name.rsplit(".", 2)[-2:] and not info.name.endswith("forms"):
                continue
            module = importlib.import_module(info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__ and issubclass(cls, forms.BaseForm):
                    found.append(cls)
    return found


def _offers_records(cls) -> bool:
    for field in cls.base_fields.values():
        if isinstance(field, CompartmentChoiceField):
            return True
        if isinstance(field, forms.ModelChoiceField) and is_restricted(field.queryset.model):
            return True
    return False


def test_every_form_offering_records_derives_from_the_restricted_base():
    classes = _form_classes()
    assert len(classes) > 20
    loose = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in classes
        if _offers_records(cls) and not issubclass(cls, RestrictedFormMixin)
    ]
    assert not loose, f"Derive these from RestrictedFormMixin: {loose}"


@pytest.mark.django_db
def test_a_form_offers_only_what_its_user_may_see_even_a_choice_set_after_it_was_built(world):
    from tasking.forms import DecisionForm
    from tasking.models import Priority

    meeting = make_meeting(world, world.general, open_=True)
    hidden = make_priority(world, world.restricted, title="Nightjar")
    shown = make_priority(world, world.general, title="Burglary")
    form = DecisionForm(user=world.analyst2, meeting=meeting)
    # A choice widened after the form was built is narrowed again when it is shown or used.
    form.fields["priority"].queryset = Priority.objects.all()
    rendered = str(form["priority"])
    assert "Burglary" in rendered and "Nightjar" not in rendered
    bound = DecisionForm(
        {"priority": hidden.pk, "decision": "x", "rationale": "y", "subject_kind": "priority"},
        user=world.analyst2,
        meeting=meeting,
    )
    bound.fields["priority"].queryset = Priority.objects.all()
    assert not bound.is_valid()
    assert "priority" in bound.errors
    assert shown.pk in {p.pk for p in bound.fields["priority"].queryset}
