"""Every record carries its owning unit: the unit of the person who created it.

Set when the record is first saved, whichever service creates it (reports, entities,
products, requirements, taskings), unless the service chose the unit itself (a report received
from another unit is owned by the receiving unit). Connected in ``SharingConfig.ready``.
"""

from __future__ import annotations

from django.db.models.signals import pre_save

# Model label -> the field naming the person who created the record.
AUTHORS = {
    "intelligence.Report": "submitted_by",
    "intelligence.Entity": "created_by",
    "analysis.Product": "author",
    "tasking.Requirement": "raised_by",
    "tasking.Tasking": "created_by",
}


def _set_owning_unit(sender, instance, raw=False, **kwargs) -> None:
    if raw or not instance._state.adding or instance.owning_unit_id is not None:
        return
    name = AUTHORS[sender._meta.label]
    author_id = getattr(instance, f"{name}_id", None)
    if author_id is None:
        return
    # The services pass the acting person, already loaded: no query then.
    author = instance._state.fields_cache.get(name)
    if author is not None and author.pk == author_id:
        instance.owning_unit_id = author.unit_id
        return
    from ilp_platform.accounts.models import User

    instance.owning_unit_id = (
        User.objects.filter(pk=author_id).values_list("unit_id", flat=True).first()
    )


def connect() -> None:
    from django.apps import apps

    for label in AUTHORS:
        pre_save.connect(
            _set_owning_unit, sender=apps.get_model(label), dispatch_uid=f"owning-unit-{label}"
        )
