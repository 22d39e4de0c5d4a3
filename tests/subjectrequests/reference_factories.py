"""The subjectrequests app's factories for the reference-leak test (see
tests/security/references.py).

A subject search hit refers to an entity or a report of any compartment (by design: the
officer's answer to a person covers everything held on them). Its record A is a hit of a
request; the test points it at a restricted record and checks that nothing of that record
shows to people who do not hold ``restricted`` (the request and its hits are the officer's
only: no one the test reads as sees them)."""

from __future__ import annotations


def _hit(world):
    from subjectrequests.models import SubjectHit
    from tests.intelligence.helpers import make_entity
    from tests.subjectrequests.helpers import register, search

    make_entity(world, world.general, name="General Subject Person")
    request = register(world, subject_name="General Subject Person", date_of_birth=None)
    search(world, request)
    return SubjectHit.objects.filter(request=request).first()


GENERAL = {"subjectrequests.subjecthit": _hit}
GENERAL_WITH: dict = {}
HIDDEN: dict = {}
