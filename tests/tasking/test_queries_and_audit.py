"""List endpoints cost the same for 2 rows as for 8 (no N+1), and every change is audited."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import services as audit_services
from audit.models import AuditEvent
from tasking import services
from tests.intelligence.helpers import make_report
from tests.tasking.helpers import (
    as_user,
    make_meeting,
    make_priority,
    make_product,
    make_requirement,
    make_tasking,
)
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _add_rows(world, meeting, priority, report, product, n):
    for _ in range(n):
        with as_user(world.manager):
            services.record_decision(
                meeting,
                actor=world.manager,
                data={"decision": "Agreed", "rationale": "Because"},
                evidence_products=[product],
                evidence_reports=[report],
            )
        tasking = make_tasking(world, priority)
        with as_user(world.officer):
            services.complete_tasking(
                tasking, actor=world.officer, result="Done", cited_reports=[report]
            )
        requirement = make_requirement(world, priority)
        with as_user(world.analyst):
            services.answer_requirement(requirement, actor=world.analyst, report=report)
        make_priority(world).evidence_products.add(product)


@pytest.mark.parametrize("basename", ["decision", "tasking", "requirement", "priority", "meeting"])
def test_list_endpoints_do_not_query_per_row(world, basename):
    meeting = make_meeting(world, open_=True)
    priority = make_priority(world)
    report = make_report(world)
    product = make_product(world)
    client = api_client(world.analyst)
    url = reverse(f"{basename}-list")
    _add_rows(world, meeting, priority, report, product, 2)
    make_meeting(world)
    few = _queries(client, url)
    _add_rows(world, meeting, priority, report, product, 6)
    for _ in range(6):
        make_meeting(world)
    assert _queries(client, url) == few


def test_creating_opening_deciding_and_closing_each_write_their_events(world):
    meeting = make_meeting(world)
    priority = make_priority(world)
    with as_user(world.manager):
        services.open_meeting(meeting, actor=world.manager)
        services.decide_priority(
            priority, actor=world.manager, meeting=meeting, approve=True, rationale="High harm"
        )
    requirement = make_requirement(world, priority, meeting=meeting)
    tasking = make_tasking(world, priority, meeting=meeting)
    with as_user(world.manager):
        services.close_meeting(meeting, actor=world.manager)
    events = AuditEvent.objects.filter(object_type__startswith="tasking.")
    created = set(events.filter(action="create").values_list("object_type", "object_id"))
    assert {
        ("tasking.meeting", str(meeting.pk)),
        ("tasking.priority", str(priority.pk)),
        ("tasking.requirement", str(requirement.pk)),
        ("tasking.tasking", str(tasking.pk)),
        ("tasking.decision", str(priority.decisions.get().pk)),
    } <= created
    operations = list(
        events.filter(object_type="tasking.meeting", action="update")
        .order_by("id")
        .values_list("details__operation", flat=True)
    )
    assert operations == ["open", "close"]
    assert events.filter(action="create", actor=world.manager).exists()
    assert not events.filter(details__outside_service=True).exists()


def test_a_change_outside_the_services_is_caught_by_the_safety_net(world):
    priority = make_priority(world)
    priority.title = "Renamed in the shell"
    priority.save()
    event = AuditEvent.objects.filter(object_type="tasking.priority").latest("id")
    assert event.details["outside_service"] is True
    # The field is named; its new value is a digest (titles may name people).
    assert event.details["changes"]["title"][1] == audit_services.value_digest(
        "Renamed in the shell"
    )


def test_reading_a_meeting_in_the_browser_logs_the_agenda_shown(world, login):
    make_meeting(world, when=None)
    meeting = make_meeting(world)
    tasking = make_tasking(world, make_priority(world))
    login(world.analyst).get(meeting.get_absolute_url())
    event = AuditEvent.objects.filter(
        actor=world.analyst, object_type="tasking.meeting", action="list"
    ).latest("id")
    assert event.details["taskings_ids"] == [tasking.pk]
    assert event.justification == "OP-TEST page test"
