"""Requirements flowing down: a requirement issued by a higher level to the units below.

Each receiving unit gets its own copy of the requirement (``issued_from`` names the original)
in its intake compartment, where its managers see it, accept it, task against it and answer
it with their own reports. Answers travel up as shares (``sharing.services.share_report`` with
``answers_requirement``): the report received at the issuing level is linked to the original
requirement. The issuing level sees, per unit, whether its copy was accepted and how many
answers and taskings it has (counts only: nothing of the records below), and closes the
requirement here and below.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import Compartment, Unit
from ilp_platform.core import events
from ilp_platform.core.references import stored
from sharing.services import intake_compartment
from tasking.choices import RequirementStatus
from tasking.models import Requirement


def issuing_unit(requirement: Requirement) -> Unit | None:
    return Unit.objects.filter(pk=requirement.owning_unit_id).first()


def below(unit: Unit | None) -> list[Unit]:
    """Every unit below ``unit`` (all levels down), by level and name."""
    if unit is None:
        return []
    return list(Unit.objects.filter(pk__in=unit.descendant_ids()).order_by("level", "name"))


def units_below(requirement: Requirement) -> list[Unit]:
    """The units a requirement may be issued to: every unit below its owning unit."""
    return below(issuing_unit(requirement))


def receiving_intakes(
    errors: dict[str, list[str]],
    units: list[Unit],
    *,
    below_ids: set[int],
    already_ids: set[int],
    already: str,
    no_intake: str,
) -> dict[int, Compartment]:
    """The checks of issuing a record down, common to requirements and priorities: at least
    one unit, each below the issuing unit, none holding a copy already (``already``: the
    refusal's text, naming ``%(unit)s``), each with an intake (``no_intake``, the same).
    Refusals go into ``errors`` under ``units``; the intake of each unit that passed is
    returned, by unit id."""
    if not units:
        errors.setdefault("units", []).append(_("Choose at least one unit below yours."))
    intakes = {}
    for unit in units:
        if unit.pk not in below_ids:
            errors.setdefault("units", []).append(
                _("%(unit)s is not below the issuing unit.") % {"unit": unit}
            )
        elif unit.pk in already_ids:
            errors.setdefault("units", []).append(already % {"unit": unit})
        else:
            intake = intake_compartment(unit)
            if intake is None:
                errors.setdefault("units", []).append(no_intake % {"unit": unit})
            else:
                intakes[unit.pk] = intake
    return intakes


def record_copy(copy, original, unit: Unit, actor, kind: str, **details) -> None:
    """The copy of ``original`` made in ``unit``'s intake: its creation in the log, and the
    receiving unit's managers told (naming the copy in their intake)."""
    audit.record(
        Action.CREATE,
        obj=copy,
        actor=actor,
        details={
            "operation": "issued from a higher level",
            "issued_from": original.pk,
            "unit": unit.pk,
            **details,
        },
    )
    events.publish(f"{kind}.issued", record=copy, unit=unit, actor=actor)


def record_issued(original, copies: list, units: list[Unit], actor, kind: str) -> None:
    """The disclosure of ``original`` to ``units``, naming the copies made there."""
    audit.record(
        Action.DISCLOSE,
        obj=original,
        actor=actor,
        recipient=", ".join(unit.name for unit in units)[:300],
        details={
            "operation": f"{kind} issued down",
            "units": [unit.pk for unit in units],
            "copies": [copy.pk for copy in copies],
        },
    )


@action("tasking.add_requirement")
def issue_down(requirement: Requirement, *, actor, units: Iterable[Unit]) -> Requirement:
    """Disclosure of the requirement to ``units`` below; a copy in each unit's intake."""
    units = list(units)
    errors: dict[str, list[str]] = {}
    if not Requirement.objects.visible_to(actor).filter(pk=requirement.pk).exists():
        raise ValidationError({"requirement": [_("Unknown requirement.")]})
    if requirement.status != RequirementStatus.OPEN:
        errors.setdefault("status", []).append(_("Only an open requirement is issued."))
    unit = issuing_unit(requirement)
    if unit is not None and unit.pk != getattr(actor, "unit_id", None):
        errors.setdefault("requirement", []).append(
            _("Only a member of %(unit)s issues its requirements down.") % {"unit": unit.name}
        )
    intakes = receiving_intakes(
        errors,
        units,
        below_ids={unit.pk for unit in units_below(requirement)},
        already_ids=set(
            Requirement.objects.filter(issued_from=requirement).values_list(
                "owning_unit_id", flat=True
            )
        ),
        already=_("%(unit)s has this requirement already."),
        no_intake=_("%(unit)s has no compartment to receive requirements in."),
    )
    if errors:
        raise ValidationError(errors)
    copies = []
    for unit in units:
        copy = Requirement.objects.create(
            question=requirement.question,
            detail=requirement.detail,
            due_date=requirement.due_date,
            assigned_unit=unit,
            status=RequirementStatus.OPEN,
            compartment=intakes[unit.pk],
            raised_by=actor,
            owning_unit=unit,
            issued_from=requirement,
        )
        record_copy(copy, requirement, unit, actor, "requirement", due_date=copy.due_date)
        copies.append(copy)
    record_issued(requirement, copies, units, actor, "requirement")
    return requirement


@action("tasking.change_requirement")
def accept_requirement(requirement: Requirement, *, actor) -> Requirement:
    """A manager of the receiving unit takes the requirement on."""
    if not Requirement.objects.visible_to(actor).filter(pk=requirement.pk).exists():
        raise ValidationError({"requirement": [_("Unknown requirement.")]})
    errors: dict[str, list[str]] = {}
    if stored(requirement, "issued_from") is None:
        errors.setdefault("requirement", []).append(
            _("Only a requirement issued from a higher level is accepted.")
        )
    elif requirement.accepted_at is not None:
        errors.setdefault("requirement", []).append(_("This requirement is accepted already."))
    if requirement.owning_unit_id is None or requirement.owning_unit_id != getattr(
        actor, "unit_id", None
    ):
        errors.setdefault("requirement", []).append(
            _("Only a manager of the unit it was issued to accepts it.")
        )
    if requirement.status != RequirementStatus.OPEN:
        errors.setdefault("status", []).append(_("The requirement is no longer open."))
    if errors:
        raise ValidationError(errors)
    requirement.accepted_at = timezone.now()
    requirement.accepted_by = actor
    if requirement.assigned_to_id is None:
        requirement.assigned_to = actor
    requirement.save(update_fields=["accepted_at", "accepted_by", "assigned_to", "updated_at"])
    audit.record(
        Action.UPDATE,
        obj=requirement,
        actor=actor,
        details={"operation": "accepted", "accepted_at": requirement.accepted_at},
    )
    return requirement


def progress_below(requirement: Requirement) -> list[dict]:
    """Per unit the requirement was issued to: accepted or not, its status, and how many
    answers and taskings its copy has. Counts only, read by the platform for the issuing
    level: no record of the unit below is shown."""
    copies = (
        Requirement.objects.filter(issued_from=requirement)
        .annotate(
            answers_below=Count("answers", distinct=True),
            taskings_below=Count("taskings", distinct=True),
        )
        .values(
            "pk",
            "owning_unit__name",
            "owning_unit__level",
            "status",
            "accepted_at",
            "answers_below",
            "taskings_below",
        )
        .order_by("owning_unit__name")
    )
    return [
        {
            "unit": row["owning_unit__name"],
            "level": row["owning_unit__level"],
            "status": row["status"],
            "status_label": RequirementStatus(row["status"]).label,
            "accepted_at": row["accepted_at"],
            "answers": row["answers_below"],
            "taskings": row["taskings_below"],
        }
        for row in copies
    ]


@action("tasking.change_requirement")
def close_requirement(
    requirement: Requirement, *, actor, status: str, note: str = ""
) -> Requirement:
    """The issuing level closes the requirement (satisfied or cancelled), here and below."""
    if not Requirement.objects.visible_to(actor).filter(pk=requirement.pk).exists():
        raise ValidationError({"requirement": [_("Unknown requirement.")]})
    if status not in (RequirementStatus.SATISFIED, RequirementStatus.CANCELLED):
        raise ValidationError({"status": [_("Close as satisfied or cancelled.")]})
    if requirement.status != RequirementStatus.OPEN:
        raise ValidationError({"status": [_("The requirement is closed already.")]})
    closed = []
    for record in [requirement, *Requirement.objects.filter(issued_from=requirement)]:
        if record.status != RequirementStatus.OPEN:
            continue
        old = record.status
        record.status = status
        record.save(update_fields=["status", "updated_at"])
        audit.record(
            Action.UPDATE,
            obj=record,
            actor=actor,
            details={
                "operation": "closed by the issuing level",
                "changes": {"status": [old, status]},
                "note": audit.value_digest(note) if note else "",
            },
        )
        closed.append(record.pk)
    return requirement
