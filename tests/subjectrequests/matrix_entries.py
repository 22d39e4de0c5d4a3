"""The subjectrequests app's rows of the access matrix (see tests/security/matrix.py).

Everything here is the data-protection officer's (the ``oversight`` role). The demo ``admin``
is a superuser and passes every role check, but finds no request
(``SubjectRequest.objects.visible_to``): its register is empty and a request's routes answer
404. The request served is one whose subject search found records of ``general`` only; that a
request's page shows what it found in other compartments too is by design, and tested in
tests/subjectrequests/test_requests.py."""

from __future__ import annotations

from collections.abc import Callable

from tests.security import matrix
from tests.security.matrix import Entry, api_detail, api_list, page_list

DPO = frozenset({"oversight"})
_QUIET = {"justification": False}
_BACK = {"POST": 302}


def _subject_request(world, compartment):
    """An open access request about a person of ``general``, searched for once."""
    from tests.intelligence.helpers import make_entity
    from tests.subjectrequests.helpers import register, search

    make_entity(world, world.general, name="Quokka ZZSHOWN Subject")
    request = register(world, subject_name="Quokka ZZSHOWN Subject", date_of_birth=None)
    search(world, request)
    return request


FACTORIES: dict[str, Callable] = {"subjectrequest": _subject_request}
matrix.UNCOMPARTMENTED.update(FACTORIES)

REGISTRY: dict[str, Entry] = {
    "subjectrequests:list": page_list("subjectrequest", DPO, **_QUIET),
    "subjectrequests:create": Entry(
        roles={"GET": DPO, "POST": DPO, "PUT": DPO},
        ok={"POST": 200, "PUT": 200},
        justification=False,
        consults=False,
    ),
    "subjectrequests:detail": Entry(record="subjectrequest", roles={"GET": DPO}, **_QUIET),
    "subjectrequests:search": Entry(
        record="subjectrequest", roles={"POST": DPO}, ok=_BACK, **_QUIET
    ),
    "subjectrequests:decide": Entry(
        record="subjectrequest", roles={"POST": DPO}, ok=_BACK, **_QUIET
    ),
    "subjectrequests:rectify": Entry(
        record="subjectrequest", roles={"POST": DPO}, ok=_BACK, **_QUIET
    ),
    "subjectrequests:erase": Entry(
        record="subjectrequest", roles={"POST": DPO}, ok=_BACK, **_QUIET
    ),
    "subjectrequests:answer": Entry(
        record="subjectrequest", roles={"POST": DPO}, ok=_BACK, **_QUIET
    ),
    "subjectrequests:letter": Entry(record="subjectrequest", roles={"GET": DPO}, **_QUIET),
    "subjectrequest-list": api_list("subjectrequest", DPO, create=DPO, **_QUIET),
    "subjectrequest-detail": api_detail("subjectrequest", DPO, **_QUIET),
    "subjectrequest-search": Entry(
        record="subjectrequest", roles={"POST": DPO}, ok={"POST": 200}, **_QUIET
    ),
    "subjectrequest-decisions": Entry(
        record="subjectrequest", roles={"GET": DPO, "POST": DPO}, **_QUIET
    ),
    "subjectrequest-letter": Entry(record="subjectrequest", roles={"GET": DPO}, **_QUIET),
}
