"""Trainees' progress: started and hinted on request, found done by the exercises' checks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.choices import Action
from ilp_platform.core import training as flag
from training.exercises import BY_KEY, Exercise, for_user
from training.models import ExerciseProgress, Installation


def installation() -> Installation:
    """The training installation's row; 404 on an installation that is not a training one."""
    found = Installation.objects.filter(is_training=True).first()
    if found is None or not flag.is_training():
        raise Http404(_("This is not a training installation."))
    return found


def _status(exercise: Exercise, row: ExerciseProgress | None) -> str:
    if row is not None and row.completed_at:
        return "done"
    if row is not None:
        return "started"
    return "not_started"


def progress(user) -> list[dict]:
    """The person's exercises, each checked against what they did; an exercise found done is
    recorded (once) with the time it was found."""
    scenario = installation().scenario
    exercises = for_user(user)
    rows = {
        row.exercise: row
        for row in ExerciseProgress.objects.visible_to(user).filter(
            trainee=user.pk, exercise__in=[e.key for e in exercises]
        )
    }
    items: list[dict[str, Any]] = []
    newly_done = []
    for exercise in exercises:
        row = rows.get(exercise.key)
        if not (row and row.completed_at) and exercise.check(user, scenario):
            newly_done.append(exercise.key)
        items.append({"exercise": exercise, "row": row})
    if newly_done:
        now = timezone.now()
        with transaction.atomic(), audit.service_scope():
            for key in newly_done:
                row, _created = ExerciseProgress.objects.get_or_create(trainee=user, exercise=key)
                row.completed_at = now
                row.save(update_fields=["completed_at"])
                rows[key] = row
                audit.record(
                    Action.UPDATE,
                    obj=row,
                    details={"exercise": key, "completed": True},
                )
        for item in items:
            item["row"] = rows.get(item["exercise"].key)
    for item in items:
        row = item["row"]
        item["status"] = _status(item["exercise"], row)
        item["hints"] = list(item["exercise"].hints[: row.hints_shown if row else 0])
        item["more_hints"] = len(item["exercise"].hints) > len(item["hints"])
    return items


def reveal_hint(user, key: str) -> ExerciseProgress:
    """Show the trainee the next hint of an exercise of their role (and start it)."""
    installation()
    exercise = BY_KEY.get(key)
    if exercise is None or exercise not in for_user(user):
        raise ValidationError({"exercise": [_("No such exercise for your role.")]})
    with transaction.atomic(), audit.service_scope():
        row, _created = ExerciseProgress.objects.select_for_update().get_or_create(
            trainee=user, exercise=key
        )
        if row.hints_shown < len(exercise.hints):
            row.hints_shown += 1
            row.save(update_fields=["hints_shown"])
        audit.record(
            Action.UPDATE,
            obj=row,
            details={"exercise": key, "hints_shown": row.hints_shown},
        )
    return row


def overview(user) -> list[dict]:
    """For the trainer: every trainee with the status of each of their exercises (checked
    afresh, so it shows what each has done by now)."""
    from django.contrib.auth import get_user_model

    scenario = installation().scenario
    ids = list((scenario.get("trainees") or {}).values())
    people = get_user_model().objects.filter(pk__in=ids).order_by("username")
    rows = {
        (row.trainee_id, row.exercise): row
        for row in ExerciseProgress.objects.visible_to(user).filter(trainee__in=ids)
    }
    table = []
    for person in people:
        cells = []
        for exercise in for_user(person):
            row = rows.get((person.pk, exercise.key))
            done = bool(row and row.completed_at) or exercise.check(person, scenario)
            cells.append(
                {
                    "exercise": exercise,
                    "status": "done" if done else _status(exercise, row),
                    "hints_shown": row.hints_shown if row else 0,
                }
            )
        table.append({"person": person, "cells": cells})
    return table
