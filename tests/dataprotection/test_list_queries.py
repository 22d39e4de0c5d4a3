"""The data-protection officer's lists and a request's page run a fixed number of queries, however
many records they show: six requests, assessments or packs cost what two do (one query per row
would make the register of a busy force take seconds)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.dataprotection.factories import assessment, operation, pack_of
from tests.subjectrequests.helpers import named_in_two_compartments, register, search
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


def _queries(get: Callable[[], int]) -> int:
    assert get() == 200  # warm: session, permissions, caches
    with CaptureQueriesContext(connection) as captured:
        assert get() == 200
    return len(captured)


def _page(client, url: str) -> Callable[[], int]:
    return lambda: client.get(url).status_code


def _api(world, url: str) -> Callable[[], int]:
    client = api_client(world.oversight)
    return lambda: client.get(url, HTTP_X_JUSTIFICATION="register review").status_code


def _same_for_two_and_six(add: Callable[[], object], *gets: Callable[[], int]) -> None:
    for _ in range(2):
        add()
    few = [_queries(get) for get in gets]
    for _ in range(4):
        add()
    assert [_queries(get) for get in gets] == few


def test_the_register_of_requests_does_not_grow_with_the_requests(world, login):
    client = login(world.oversight)
    _same_for_two_and_six(
        lambda: register(world),
        _page(client, reverse("subjectrequests:list")),
        _api(world, "/api/v1/subject-requests/"),
    )


def test_a_request_page_does_not_grow_with_its_hits(world, login):
    client = login(world.oversight)
    request = register(world)
    named_in_two_compartments(world)
    search(world, request)
    few = _queries(_page(client, request.get_absolute_url()))
    named_in_two_compartments(world)
    named_in_two_compartments(world)
    assert len(search(world, request)) >= 6
    assert _queries(_page(client, request.get_absolute_url())) == few


def test_the_impact_assessments_do_not_grow_with_their_number(world, login):
    client = login(world.oversight)
    _same_for_two_and_six(
        lambda: assessment(world),
        _page(client, reverse("dataprotection:assessment_list")),
        _page(client, reverse("dataprotection:record_list")),
        _api(world, "/api/v1/impact-assessments/"),
    )


def test_the_packs_do_not_grow_with_their_number(world, login):
    client = login(world.oversight)
    _same_for_two_and_six(
        lambda: pack_of(world, operation(world, world.general)),
        _page(client, reverse("dataprotection:pack_list")),
        _api(world, "/api/v1/proportionality-packs/"),
    )
