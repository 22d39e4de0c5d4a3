"""The dataprotection app's rows of the access matrix (see tests/security/matrix.py).

Everything here is the data-protection officer's (the ``oversight`` role); the demo ``admin``
is a superuser and passes every role check, but reads no pack: packs are read only by people
granted them by role or by name (``dataprotection.models.holds_granted``)."""

from __future__ import annotations

from collections.abc import Callable

from tests.security import matrix
from tests.security.matrix import Entry, api_detail, api_list, page_list

DPO = frozenset({"oversight"})
_FORM = {"POST": 200, "PUT": 200}
_QUIET = {"justification": False, "consults": False}


def _record(world, compartment):
    from tests.dataprotection.factories import record

    return record()


def _assessment(world, compartment):
    from tests.dataprotection.factories import assessment

    return assessment(world)


def _pack(world, compartment):
    """A pack of a general operation of its own, produced by the oversight officer."""
    from tests.dataprotection.factories import operation, pack_of

    return pack_of(world, operation(world, world.general))


def _granted_packs(user, pack) -> bool:
    from dataprotection.models import holds_granted

    return holds_granted(user, "dataprotection.view_proportionalitypack")


def _approvable(user, assessment) -> int:
    """Approving answers 200 while the assessment is a draft, then 409 (approved already)."""
    assessment.refresh_from_db()
    return 200 if assessment.status == "draft" else 409


FACTORIES: dict[str, Callable] = {
    "processingrecord": _record,
    "impactassessment": _assessment,
    "pack": _pack,
}
matrix.UNCOMPARTMENTED.update(FACTORIES)

REGISTRY: dict[str, Entry] = {
    # --- pages ---------------------------------------------------------------------------------
    "dataprotection:record_list": page_list("processingrecord", DPO, justification=False),
    "dataprotection:record_detail": Entry(
        record="processingrecord", roles={"GET": DPO}, justification=False
    ),
    "dataprotection:record_edit": Entry(
        record="processingrecord",
        roles=dict.fromkeys(("GET", "POST", "PUT"), DPO),
        ok=_FORM,
        justification=False,
    ),
    "dataprotection:register_export": Entry(roles={"GET": DPO}, justification=False),
    "dataprotection:assessment_list": page_list("impactassessment", DPO, justification=False),
    "dataprotection:assessment_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), DPO), ok=_FORM, **_QUIET
    ),
    "dataprotection:assessment_detail": Entry(
        record="impactassessment", roles={"GET": DPO}, justification=False
    ),
    "dataprotection:assessment_edit": Entry(
        record="impactassessment",
        roles=dict.fromkeys(("GET", "POST", "PUT"), DPO),
        ok=_FORM,
        justification=False,
    ),
    "dataprotection:assessment_approve": Entry(
        record="impactassessment", roles={"POST": DPO}, ok={"POST": 302}, **_QUIET
    ),
    "dataprotection:pack_list": page_list("pack", DPO, justification=False, visible=_granted_packs),
    "dataprotection:pack_create": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), DPO), ok=_FORM, **_QUIET
    ),
    "dataprotection:pack_verify": Entry(
        roles=dict.fromkeys(("GET", "POST", "PUT"), DPO), ok=_FORM, **_QUIET
    ),
    "dataprotection:pack_detail": Entry(
        record="pack", roles={"GET": DPO}, justification=False, visible=_granted_packs
    ),
    "dataprotection:pack_json": Entry(
        record="pack", roles={"GET": DPO}, justification=False, visible=_granted_packs
    ),
    "dataprotection:pack_pdf": Entry(
        record="pack", roles={"GET": DPO}, justification=False, visible=_granted_packs
    ),
    # --- API -----------------------------------------------------------------------------------
    "processingrecord-list": api_list("processingrecord", DPO, justification=False),
    "processingrecord-detail": api_detail(
        "processingrecord", DPO, write={"PATCH": DPO}, ok={"PATCH": 200}, justification=False
    ),
    "impactassessment-list": api_list("impactassessment", DPO, create=DPO, justification=False),
    "impactassessment-detail": api_detail(
        "impactassessment", DPO, write={"PATCH": DPO}, ok={"PATCH": 200}, justification=False
    ),
    "impactassessment-approve": api_detail(
        "impactassessment",
        matrix.NOBODY,
        write={"POST": DPO},
        ok={"POST": _approvable},
        justification=False,
    ),
    "proportionalitypack-list": api_list(
        "pack", DPO, create=DPO, justification=False, visible=_granted_packs
    ),
    "proportionalitypack-detail": api_detail(
        "pack", DPO, justification=False, visible=_granted_packs
    ),
    "proportionalitypack-verify": Entry(roles={"POST": DPO}, **_QUIET),
}
