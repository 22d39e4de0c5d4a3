"""Consulting intelligence content needs a stated purpose (LED Art. 25)."""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException

from ilp_platform.core import context

# The purpose stored on a consultation of a report by its own author (the officer who wrote
# it reading it back) with no justification in force: none is asked, and oversight finds these
# events with ``AuditEvent.objects.filter(justification=OWN_SUBMISSION)``.
OWN_SUBMISSION = "own submission"


class JustificationRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Consulting intelligence content requires a justification: send the header "
        "'X-Justification: <case reference or purpose>'."
    )
    default_code = "justification_required"


def justification_in_force() -> str:
    return context.current().justification
