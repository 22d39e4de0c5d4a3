"""The training app's rows of the access matrix (see tests/security/matrix.py).

The routes serve a training installation only (404 elsewhere), so the record made for them is
the installation's flag itself. Every signed-in person has an exercises page and may ask for a
hint (a hint of an exercise of another role is refused with a message, back to the page); the
trainer's overview needs ``training.view_all_progress``, which only the superuser of the
matrix's world holds."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from ilp_platform.core import training
from tests.security import matrix
from tests.security.matrix import ADMINS, SIGNED_IN, Entry


def _installation(world, compartment):
    from training.models import Installation

    found = Installation.objects.first() or Installation.objects.create(
        is_training=True, language="en", seeded_at=timezone.now(), scenario={}
    )
    training.forget()
    return found


FACTORIES: dict[str, Callable] = {"training_installation": _installation}
matrix.UNCOMPARTMENTED.update(FACTORIES)

REGISTRY: dict[str, Entry] = {
    "training:exercises": Entry(
        record="training_installation", roles={"GET": SIGNED_IN}, justification=False
    ),
    "training:hint": Entry(
        record="training_installation",
        roles={"POST": SIGNED_IN},
        ok={"POST": 302},
        justification=False,
        consults=False,
        url_kwargs=lambda record: {"key": "officer-collection"},
    ),
    "training:trainer": Entry(
        record="training_installation", roles={"GET": ADMINS}, justification=False
    ),
}
