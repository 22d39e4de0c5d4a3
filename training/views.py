"""The exercises page (a trainee's own tasks) and the trainer's overview of every trainee."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from audit import services as audit
from audit.choices import Action
from training import services
from training.exercises import STAGES
from training.models import VIEW_ALL


@login_required
@require_safe
def exercises(request):
    installation = services.installation()
    items = services.progress(request.user)
    audit.consultation(
        Action.VIEW,
        object_type="training.exerciseprogress",
        ids=[item["row"].pk for item in items if item["row"] is not None],
        details={"page": "exercises", "exercises": [item["exercise"].key for item in items]},
    )
    return render(
        request,
        "training/exercises.html",
        {
            "items": items,
            "installation": installation,
            "stages": STAGES,
            "done": sum(1 for item in items if item["status"] == "done"),
            "may_oversee": request.user.has_perm(VIEW_ALL),
        },
    )


@login_required
@require_POST
def hint(request, key: str):
    try:
        services.reveal_hint(request.user, key)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for message in errors:
                messages.error(request, message)
    return redirect(f"{reverse('training:exercises')}#exercise-{key}")


@login_required
@require_safe
def trainer(request):
    services.installation()
    if not request.user.has_perm(VIEW_ALL):
        audit.record_denied(
            object_type="training.exerciseprogress",
            reason=f"role lacks {VIEW_ALL} for {request.path}",
        )
        raise PermissionDenied
    table = services.overview(request.user)
    audit.consultation(
        Action.LIST,
        object_type="training.exerciseprogress",
        ids=[row["person"].pk for row in table],
        details={"page": "trainer overview"},
    )
    return render(request, "training/trainer.html", {"table": table})
