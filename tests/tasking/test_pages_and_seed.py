"""Browser pages beyond the end-to-end run: role checks, 404s, the officer's home page, CSV
export, scoring and requirement pages, and the demo data."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from ilp_platform.core import context
from tasking import services
from tasking.models import Decision, Meeting, Priority, Requirement, Tasking
from tasking.seed import CLOSED_TITLE, seed_tasking
from tests.intelligence.helpers import make_report
from tests.tasking.helpers import (
    MORILE_INPUTS,
    as_user,
    make_meeting,
    make_priority,
    make_requirement,
    make_tasking,
)

pytestmark = pytest.mark.django_db


def test_the_officers_home_page_lists_their_taskings_with_overdue_ones_flagged(world, client):
    priority = make_priority(world)
    late = make_tasking(world, priority, owner=world.officer, due_in_days=-2)
    soon = make_tasking(world, priority, owner=world.officer, due_in_days=3)
    client.force_login(world.officer)
    page = client.get(reverse("core:home")).content.decode()
    assert f"OVERDUE (due {late.due_date.isoformat()}): {late.title}" in page
    assert f"Due {soon.due_date.isoformat()}: {soon.title}" in page
    assert "1 overdue" in page and "text-bg-danger" in page
    event = AuditEvent.objects.filter(actor=world.officer, object_type="tasking.tasking").latest(
        "id"
    )
    assert set(event.details["ids"]) == {str(late.pk), str(soon.pk)}


def test_my_taskings_page_shows_only_the_officers_own(world, login):
    priority = make_priority(world)
    mine = make_tasking(world, priority, owner=world.officer)
    other = make_tasking(world, priority, owner=world.analyst)
    page = login(world.officer).get(reverse("tasking:my_taskings")).content.decode()
    assert mine.title in page and other.title not in page


def test_an_officer_cannot_open_meeting_pages_and_a_hidden_record_is_404(world, login):
    meeting = make_meeting(world, world.restricted)
    client = login(world.officer)
    assert client.get(reverse("tasking:meeting_list")).status_code == 403
    client = login(world.analyst2)
    assert client.get(reverse("tasking:meeting_detail", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("tasking:meeting_minutes", args=[meeting.pk])).status_code == 404
    assert AuditEvent.objects.filter(
        actor=world.analyst2, action="denied", object_id=str(meeting.pk)
    ).exists()


def test_pages_ask_for_a_justification_first(world, client):
    client.force_login(world.analyst)
    response = client.get(reverse("tasking:decision_list"))
    assert response.status_code == 302 and reverse("core:justification") in response.url


@pytest.mark.parametrize(
    "name",
    [
        "tasking:meeting_list",
        "tasking:priority_list",
        "tasking:control_strategy",
        "tasking:requirement_list",
        "tasking:tasking_list",
        "tasking:my_taskings",
        "tasking:decision_list",
    ],
)
def test_every_list_page_renders_for_an_analyst(world, login, name):
    priority = make_priority(world)
    make_tasking(world, priority)
    make_requirement(world, priority)
    response = login(world.analyst).get(reverse(name))
    assert response.status_code == 200


def test_the_scoring_page_shows_the_breakdown_and_names_a_bad_factor(world, login):
    priority = make_priority(world, scored=False)
    client = login(world.analyst)
    url = reverse("tasking:priority_score", args=[priority.pk])
    page = client.get(url + "?matrix=grid4x4").content.decode()
    assert "Impact" in page and "4 — Very high" in page
    response = client.post(url, {"matrix": "grid4x4", "impact": "9", "likelihood": "2"})
    assert response.status_code == 200 and "impact" in response.context["form"].errors
    response = client.post(url, {"matrix": "morile", **MORILE_INPUTS})
    assert response.status_code == 302
    page = client.get(priority.get_absolute_url()).content.decode()
    assert "How the score was reached" in page and "24.5 / 8" in page and "12.25" in page


def test_a_report_is_marked_as_answering_a_requirement_on_its_page(world, login):
    requirement = make_requirement(world, make_priority(world))
    report = make_report(world)
    client = login(world.analyst)
    client.post(
        reverse("tasking:requirement_answer", args=[requirement.pk]), {"report": report.urn}
    )
    assert list(requirement.answers.values_list("report_id", flat=True)) == [report.pk]
    page = client.get(reverse("tasking:requirement_list")).content.decode()
    assert "100%" in page
    client.post(reverse("tasking:requirement_answer", args=[requirement.pk]), {"report": "IR-1"})
    assert requirement.answers.count() == 1


def test_the_proposer_sees_a_clear_refusal_on_the_decision_page(world, login):
    meeting = make_meeting(world, open_=True)
    priority = make_priority(world, proposer=world.manager)
    client = login(world.manager)
    url = reverse("tasking:priority_decide", args=[meeting.pk, priority.pk])
    response = client.post(url, {"outcome": "approve", "rationale": "Mine"})
    assert response.status_code == 200
    assert "You proposed this candidate" in response.content.decode()
    assert Priority.objects.get(pk=priority.pk).status == "candidate"


def test_an_invalid_decision_comes_back_in_the_htmx_partial_with_the_error(world, login):
    meeting = make_meeting(world, open_=True)
    response = login(world.manager).post(
        reverse("tasking:decision_add", args=[meeting.pk]),
        {"subject_kind": "general", "decision": "Something", "rationale": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Decision.objects.exists()


def test_the_decision_log_exports_csv_neutralised_and_audited(world, login):
    meeting = make_meeting(world, open_=True)
    with as_user(world.manager):
        services.record_decision(
            meeting,
            actor=world.manager,
            data={"decision": "=HYPERLINK('http://x')", "rationale": "+1 burglary"},
        )
        services.record_decision(
            meeting, actor=world.manager, data={"decision": "Other", "rationale": "None"}
        )
    response = login(world.manager).get(reverse("tasking:decision_export") + "?q=hyperlink")
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("id,meeting")
    assert len(lines) == 2
    assert "'=HYPERLINK" in body and "'+1 burglary" in body
    event = AuditEvent.objects.filter(action="export", object_type="tasking.decision").latest("id")
    assert event.details["filters"] == {"q": "hyperlink"}


def test_the_control_strategy_groups_approved_priorities_by_strand(world, login):
    meeting = make_meeting(world, open_=True)
    priority = make_priority(world, proposer=world.analyst, title="Residential burglary")
    with as_user(world.manager):
        services.decide_priority(
            priority, actor=world.manager, meeting=meeting, approve=True, rationale="High harm"
        )
    make_priority(world, title="Still a candidate")
    page = login(world.analyst).get(reverse("tasking:control_strategy")).content.decode()
    assert "Residential burglary" in page and "Target prolific offenders." in page
    assert "Still a candidate" not in page


class _Command:
    stdout = io.StringIO()


def test_the_demo_seed_builds_a_closed_and_an_open_meeting_and_is_idempotent(world):
    with context.acting(via="command"):
        seed_tasking(_Command())
        seed_tasking(_Command())
    assert Meeting.objects.filter(status="closed", title=CLOSED_TITLE).count() == 1
    assert Meeting.objects.filter(status="open").count() == 1
    assert Priority.objects.filter(status="approved").count() == 2
    assert Priority.objects.filter(status="candidate", score__isnull=False).count() == 2
    assert Requirement.objects.count() == 2
    today = timezone.localdate()
    assert Tasking.objects.overdue(today).exists()
    assert Tasking.objects.filter(owner_user=world.officer).exists()
    closed = Meeting.objects.get(title=CLOSED_TITLE)
    assert closed.decisions.count() == 4
    assert Tasking.objects.filter(due_date__lt=today - timedelta(days=0)).count() >= 1
