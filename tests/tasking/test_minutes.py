"""The minutes of a tasking meeting: every action raised at it, with its owner and due date,
and the decisions, numbered the same on the page, in the HTML export and in the PDF; attendees
chosen with the people picker and named in the minutes."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from ilp_platform.web import pdf
from tasking import services
from tasking.forms import MeetingForm
from tests.tasking.helpers import (
    as_user,
    make_meeting,
    make_priority,
    make_requirement,
    make_tasking,
)

pytestmark = pytest.mark.django_db


def _decide(world, meeting, text):
    with as_user(world.manager):
        return services.record_decision(
            meeting,
            actor=world.manager,
            data={"subject_kind": "general", "decision": text, "rationale": "Because."},
        )


@pytest.fixture
def minuted(world):
    """An open meeting with two decisions, a requirement and a tasking raised at it, and a
    requirement in a compartment ``analyst2`` does not hold."""
    world.officer.first_name, world.officer.last_name = "Olive", "Officer"
    world.officer.save(update_fields=["first_name", "last_name"])
    world.analyst.first_name, world.analyst.last_name = "Ada", "Analyst"
    world.analyst.save(update_fields=["first_name", "last_name"])
    # Decisions recorded elsewhere first: their ids are not the minutes' numbers.
    other = make_meeting(world, open_=True, title="Earlier meeting")
    _decide(world, other, "An earlier decision")
    _decide(world, other, "Another earlier decision")
    meeting = make_meeting(world, open_=True, title="Tactical minutes test")
    priority = make_priority(world)
    requirement = make_requirement(world, priority, meeting=meeting)
    tasking = make_tasking(world, priority, meeting=meeting)
    hidden = make_requirement(
        world, make_priority(world, world.restricted, title="Hidden"), meeting=meeting
    )
    first = _decide(world, meeting, "Step up patrols in the centre")
    second = _decide(world, meeting, "Review in a fortnight")
    return meeting, requirement, tasking, hidden, first, second


def _pdf_html(client, meeting, monkeypatch) -> str:
    """The HTML the PDF is printed from (the PDF's streams are compressed)."""
    printed = {}
    real = pdf.render_pdf

    def spy(template, context, **kwargs):
        from django.template.loader import render_to_string

        printed["html"] = render_to_string(template, context)
        return real(template, context, **kwargs)

    monkeypatch.setattr(pdf, "render_pdf", spy)
    response = client.get(reverse("tasking:meeting_minutes", args=[meeting.pk]) + "?as=pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    return printed["html"]


def _numbers(html: str) -> dict[str, str]:
    """Each number (D1 ..., A1 ...) with the text up to the next number."""
    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"\s+", " ", text)
    parts = re.split(r"\b([DA]\d+)\b", text)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_minutes_list_every_action_raised_with_owner_and_due_date(
    client, login, world, minuted, monkeypatch
):
    meeting, requirement, tasking, hidden, *_ = minuted
    login(world.manager)
    page = client.get(meeting.get_absolute_url()).content.decode()
    html = client.get(
        reverse("tasking:meeting_minutes", args=[meeting.pk]) + "?as=html"
    ).content.decode()
    printed = _pdf_html(client, meeting, monkeypatch)
    for text in (page, html, printed):
        assert requirement.question in text and tasking.title in text
        assert "Olive Officer" in text  # the tasking's owner, by name
        assert "Ada Analyst" in text  # the requirement's owner, by name
        shown = [f"{d:%d/%m/%Y}" for d in (tasking.due_date, requirement.due_date)]  # English
        assert all(day in text for day in shown)
        assert hidden.question in text  # the manager holds the restricted compartment
    events = AuditEvent.objects.filter(
        action="export", object_type="tasking.meeting", object_id=str(meeting.pk)
    )
    assert all(tasking.pk in e.details["tasking_ids"] for e in events) and events.count() == 2


def test_decisions_and_actions_are_numbered_the_same_on_the_page_and_in_the_exports(
    client, login, world, minuted, monkeypatch
):
    meeting, requirement, tasking, hidden, first, second = minuted
    assert first.pk > 2  # the old PDF numbered decisions by id
    login(world.manager)
    page = client.get(meeting.get_absolute_url()).content.decode()
    html = client.get(
        reverse("tasking:meeting_minutes", args=[meeting.pk]) + "?as=html"
    ).content.decode()
    printed = _pdf_html(client, meeting, monkeypatch)
    expected = {
        "D1": "Step up patrols",
        "D2": "Review in a fortnight",
        "A1": requirement.question[:20],
        "A2": hidden.question[:20],
        "A3": "Visit the hotspot",
    }
    for text in (page, html, printed):
        found = _numbers(text)
        for number, words in expected.items():
            assert number in found, (number, found)
            assert words in found[number], (number, found[number])
        assert list(found)[:5] == ["D1", "D2", "A1", "A2", "A3"]
        assert f">{first.pk}<" not in text.replace(" ", "")


def test_a_reader_sees_only_the_actions_in_their_compartments(client, login, world, minuted):
    meeting, requirement, tasking, hidden, *_ = minuted
    login(world.analyst2)
    response = client.get(reverse("tasking:meeting_minutes", args=[meeting.pk]) + "?as=html")
    if response.status_code == 403:
        pytest.skip("analysts do not read minutes")
    text = response.content.decode()
    assert requirement.question in text and tasking.title in text
    assert hidden.question not in text
    # Numbered over what this reader sees: no gap betrays the hidden one.
    assert "A2" in text and "A3" not in text


def test_attendees_are_chosen_with_the_people_picker_and_named_in_the_minutes(client, login, world):
    world.analyst.first_name, world.analyst.last_name = "Ada", "Analyst"
    world.analyst.save(update_fields=["first_name", "last_name"])
    login(world.manager)
    form_page = client.get(reverse("tasking:meeting_create")).content.decode()
    assert 'data-kind="user"' in form_page and "<select multiple" not in form_page
    response = client.post(
        reverse("tasking:meeting_create"),
        {
            "kind": "tactical",
            "title": "Picked attendees",
            "scheduled_for": "2031-01-02 10:00",
            "chair": world.manager.pk,
            # what the picker writes (ids), and a username typed without JavaScript
            "attendees": f"{world.analyst.pk}, officer",
            "compartment": world.general.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'id="meeting-attendees">[^<]*Ada Analyst', page)
    assert str(world.officer) in page.split('id="meeting-attendees">')[1].split("</span>")[0]


def test_an_unknown_attendee_is_refused_naming_the_field_and_nothing_is_saved(client, login, world):
    from tasking.models import Meeting

    login(world.manager)
    before = Meeting.objects.count()
    response = client.post(
        reverse("tasking:meeting_create"),
        {
            "kind": "tactical",
            "title": "Ghost attendee",
            "scheduled_for": "2031-01-02 10:00",
            "chair": world.manager.pk,
            "attendees": "nobody-by-this-name",
            "compartment": world.general.pk,
        },
    )
    assert response.status_code == 200
    assert "No active person is nobody-by-this-name" in response.content.decode()
    assert Meeting.objects.count() == before


def test_the_picker_names_people_chosen_again_after_an_error(world):
    world.analyst.first_name, world.analyst.last_name = "Ada", "Analyst"
    world.analyst.save(update_fields=["first_name", "last_name"])
    form = MeetingForm({"attendees": str(world.analyst.pk)}, user=world.manager)
    assert not form.is_valid()  # the other fields are missing
    assert "Ada Analyst" in str(form["attendees"])
