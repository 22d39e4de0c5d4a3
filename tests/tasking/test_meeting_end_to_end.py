"""A manager runs a tactical meeting in the browser, from agenda to minutes; the officer then
finds their tasking on their home page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from tasking import services
from tasking.models import Decision, Meeting, Priority, Requirement, Tasking
from tests.intelligence.helpers import make_report
from tests.tasking.helpers import as_user, make_meeting, make_priority, make_product, make_tasking

pytestmark = pytest.mark.django_db


def test_a_manager_runs_a_tactical_meeting_end_to_end_and_the_officer_sees_the_tasking(
    world, login, client
):
    # Given: last fortnight's meeting, a product submitted since, an overdue tasking, and a
    # candidate priority an analyst proposed and scored.
    earlier = make_meeting(world, when=timezone.now() - timedelta(days=14), title="Previous")
    with_earlier = make_priority(world, title="Vehicle crime")
    with as_user(world.manager):
        services.open_meeting(earlier, actor=world.manager)
        services.close_meeting(earlier, actor=world.manager)
    product = make_product(world, submitted_at=timezone.now() - timedelta(days=2))
    overdue = make_tasking(world, with_earlier, due_in_days=-3)
    candidate = make_priority(world, title="Residential burglary in Easton")
    report = make_report(world)
    today = timezone.localdate()

    client = login(world.manager)

    # The manager plans the meeting.
    response = client.post(
        reverse("tasking:meeting_create"),
        {
            "kind": "tactical",
            "title": "Tactical T&CG week 12",
            "scheduled_for": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "location": "Room 4",
            "chair": world.manager.pk,
            "attendees": [world.manager.pk, world.analyst.pk],
            "compartment": world.general.pk,
        },
    )
    meeting = Meeting.objects.get(title="Tactical T&CG week 12")
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()

    # Before opening the agenda is live and built from the system's own data.
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "live: fixed when the meeting opens" in page
    assert product.reference in page
    assert candidate.title in page
    assert overdue.title in page and "Overdue" in page

    # Open: the agenda becomes a snapshot.
    client.post(reverse("tasking:meeting_open", args=[meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.status == "open"
    assert [p["id"] for p in meeting.agenda["sections"]["products"]] == [product.pk]
    assert overdue.pk in [t["id"] for t in meeting.agenda["sections"]["taskings"]]

    # Approve the scored candidate, with a rationale.
    decide_url = reverse("tasking:priority_decide", args=[meeting.pk, candidate.pk])
    page = client.get(decide_url).content.decode()
    assert "How the score was reached" in page
    response = client.post(
        decide_url,
        {
            "outcome": "approve",
            "rationale": "Highest harm score; three linked series this month.",
            "evidence_reports": report.urn,
        },
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == "approved" and candidate.decided_by == world.manager

    # Raise an intelligence requirement and two taskings with owners and deadlines.
    due = (today + timedelta(days=14)).isoformat()
    response = client.post(
        reverse("tasking:meeting_requirement_create", args=[meeting.pk]),
        {
            "question": "Where are the stolen goods being sold?",
            "priority": candidate.pk,
            "due_date": due,
            "assigned_to": world.analyst.pk,
            "compartment": world.general.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()
    requirement = Requirement.objects.get(raised_at_meeting=meeting)
    for title, owner in (("Patrol the Easton hotspot", world.officer), ("Visit pawn shops", None)):
        data = {
            "title": title,
            "priority": candidate.pk,
            "strand": "enforcement",
            "due_date": (today + timedelta(days=7)).isoformat(),
            "compartment": world.general.pk,
            "requirement": requirement.pk,
        }
        if owner:
            data["owner_user"] = owner.pk
        else:
            data["owner_unit"] = world.analyst.unit_id
        response = client.post(reverse("tasking:meeting_tasking_create", args=[meeting.pk]), data)
        assert response.status_code == 302, response.content.decode()
    assert Tasking.objects.filter(raised_at_meeting=meeting).count() == 2

    # Record a decision with its rationale through the htmx form.
    response = client.post(
        reverse("tasking:decision_add", args=[meeting.pk]),
        {
            "subject_kind": "requirement",
            "requirement": requirement.pk,
            "decision": "Collection plan agreed for the burglary requirement.",
            "rationale": "Gap in knowledge of the handling network.",
            "evidence_products": [product.pk],
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Collection plan agreed" in response.content.decode()
    assert "<html" not in response.content.decode()  # a partial, swapped in place
    assert Decision.objects.filter(meeting=meeting).count() == 2

    # Close, then export the minutes.
    client.post(reverse("tasking:meeting_close", args=[meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.status == "closed"
    pdf = client.get(reverse("tasking:meeting_minutes", args=[meeting.pk]) + "?as=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    html = client.get(reverse("tasking:meeting_minutes", args=[meeting.pk]) + "?as=html")
    text = html.content.decode()
    assert "Highest harm score" in text and "Collection plan agreed" in text
    assert "OFFICIAL-SENSITIVE" in text
    assert (
        AuditEvent.objects.filter(
            action="export", object_type="tasking.meeting", object_id=str(meeting.pk)
        ).count()
        == 2
    )

    # A decision of the closed meeting can no longer be recorded there.
    response = client.post(
        reverse("tasking:decision_add", args=[meeting.pk]),
        {"subject_kind": "general", "decision": "Late addition", "rationale": "Forgot"},
    )
    assert not Decision.objects.filter(decision="Late addition").exists()

    # The officer sees the tasking on the home page.
    client.logout()
    client.force_login(world.officer)
    home = client.get(reverse("core:home")).content.decode()
    assert "My taskings" in home
    assert "Patrol the Easton hotspot" in home
    assert "Visit pawn shops" not in home  # owned by another unit
    assert Priority.objects.get(pk=candidate.pk).status == "approved"
