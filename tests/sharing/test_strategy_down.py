"""The control strategy flowing down: a national priority issued to the units below, adopted
(or declined) there and tasked against, the issuing level seeing counts only; and the receiving
unit's managers told when a share, a requirement or a priority arrives in their intake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.choices import Action
from audit.models import AuditEvent
from ilp_platform.accounts.models import Unit
from ilp_platform.core.errors import StateConflict
from intelligence.services.entities import create_entity
from notifications.models import Notification
from sharing import levels as down
from sharing import strategy
from tasking import services as tasking
from tasking.models import Decision, Priority, Requirement
from tests.intelligence.helpers import as_user, make_report
from tests.sharing.helpers import build_levels, share
from tests.tasking.helpers import MORILE_INPUTS
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db

PLANS = {
    "intelligence_plan": "Map the routes from the port.",
    "prevention_plan": "Safeguard young couriers.",
    "enforcement_plan": "Disrupt the main groups.",
    "reassurance_plan": "Brief the communities affected.",
}
PLANS_STRANDS = ("intelligence", "prevention", "enforcement", "reassurance")


@pytest.fixture
def levels(world):
    return build_levels(world)


def _open_meeting(chair, compartment, title="Strategic T&CG"):
    with as_user(chair):
        meeting = tasking.create_meeting(
            actor=chair,
            data={
                "kind": "strategic",
                "title": title,
                "scheduled_for": timezone.now(),
                "chair": chair,
                "compartment": compartment,
            },
        )
        tasking.open_meeting(meeting, actor=chair)
    return meeting


def _national_priority(levels, *, approve=True, **subject):
    """A priority of the national control strategy: proposed by the national analyst and
    approved by the national manager at a national meeting (or left a candidate)."""
    analyst, manager = levels.national_analyst, levels.national_manager
    with as_user(analyst):
        priority = tasking.propose_priority(
            actor=analyst,
            data={
                "title": "Cocaine importation through the port",
                "description": "Organised groups land cocaine and move it inland.",
                "compartment": levels.national_intake,
                **(subject or {"subject_kind": "theme", "subject_label": "Port cocaine"}),
                **PLANS,
            },
            matrix="morile",
            inputs=dict(MORILE_INPUTS),
        )
    if approve:
        meeting = _open_meeting(manager, levels.national_intake, "National strategic T&CG")
        with as_user(manager):
            tasking.decide_priority(
                priority, actor=manager, meeting=meeting, approve=True, rationale="Highest harm."
            )
    priority.refresh_from_db()
    return priority


def _issue(levels, priority, units):
    with as_user(levels.national_manager):
        return strategy.issue_priority_down(priority, actor=levels.national_manager, units=units)


def _copy(priority, unit) -> Priority:
    return Priority.objects.get(issued_from=priority, compartment__unit=unit)


def test_an_approved_priority_is_issued_down_as_a_candidate_copy_in_each_intake(world, levels):
    priority = _national_priority(levels)
    _issue(levels, priority, [levels.north, levels.intel])

    north, local = _copy(priority, levels.north), _copy(priority, levels.intel)
    assert (north.compartment, local.compartment) == (levels.north_intake, world.general)
    for copy in (north, local):
        assert copy.status == "candidate" and copy.issued_from_id == priority.pk
        assert (copy.title, copy.description) == (priority.title, priority.description)
        assert (copy.subject_kind, copy.subject_label) == ("theme", "Port cocaine")
        assert [copy.plan(s) for s in PLANS_STRANDS] == [priority.plan(s) for s in PLANS_STRANDS]
        assert copy.score is None and copy.decided_by is None
        assert AuditEvent.objects.filter(
            action=Action.CREATE, object_type="tasking.priority", object_id=str(copy.pk)
        ).exists()
    disclosure = AuditEvent.objects.get(
        action=Action.DISCLOSE, object_type="tasking.priority", object_id=str(priority.pk)
    )
    assert sorted(disclosure.details["units"]) == sorted([levels.north.pk, levels.intel.pk])
    assert levels.north.name in disclosure.recipient


def test_an_entity_subject_travels_only_to_the_unit_whose_compartment_holds_it(world, levels):
    analyst = levels.national_analyst
    with as_user(analyst):
        # An entity of ``general``, the local intelligence bureau's compartment.
        crew = create_entity(
            actor=analyst,
            data={
                "kind": "organisation",
                "name": "Harbour Crew ZQCREW",
                "compartment": world.general,
            },
        )
    priority = _national_priority(levels, subject_kind="group", subject_entity=crew)
    _issue(levels, priority, [levels.north, levels.intel])

    local, north = _copy(priority, levels.intel), _copy(priority, levels.north)
    assert local.subject_entity_id == crew.pk
    # The North region holds nothing of ``general`` as a unit: the label alone travels (none
    # was given, so the priority's title stands in), and nothing of the entity.
    assert north.subject_entity_id is None
    assert north.subject_label == priority.title
    page = api_client(levels.regional_manager).get(f"/api/v1/priorities/{north.pk}/")
    assert page.status_code == 200 and "ZQCREW" not in page.content.decode()


def test_issuing_down_refuses_naming_the_field_and_saves_nothing(world, levels):
    candidate = _national_priority(levels, approve=False)
    priority = _national_priority(levels)
    liaison = Unit.objects.get(code="liaison")  # below the hub, with no compartment
    before = Priority.objects.count()

    def refused(target, units, actor=None):
        actor = actor or levels.national_manager
        with as_user(actor), pytest.raises(ValidationError) as caught:
            strategy.issue_priority_down(target, actor=actor, units=units)
        return caught.value.message_dict

    assert "status" in refused(candidate, [levels.north])
    assert "units" in refused(priority, [levels.national])  # not below: its own unit
    assert "units" in refused(priority, [])
    no_intake = refused(priority, [liaison])["units"]
    assert any("no compartment to receive priorities" in m for m in no_intake)
    # One good unit and one bad: nothing is issued to either.
    assert "units" in refused(priority, [levels.north, liaison])
    # A manager of another unit (who holds the national compartment) may not issue it.
    outsider = levels.regional_manager
    from guardian.shortcuts import assign_perm

    from audit.services import service_scope

    with service_scope():
        assign_perm("view_compartment", outsider, levels.national_intake)
    assert "priority" in refused(priority, [levels.intel], actor=outsider)
    assert Priority.objects.count() == before
    assert not AuditEvent.objects.filter(
        action=Action.DISCLOSE, object_type="tasking.priority", object_id=str(priority.pk)
    ).exists()

    _issue(levels, priority, [levels.north])
    already = refused(priority, [levels.north])["units"]
    assert any("has this priority already" in m for m in already)
    assert Priority.objects.filter(issued_from=priority).count() == 1


def test_the_receiving_manager_adopts_it_at_a_meeting_and_tasks_against_it(world, levels):
    priority = _national_priority(levels)
    _issue(levels, priority, [levels.north])
    copy = _copy(priority, levels.north)
    manager = levels.regional_manager
    meeting = _open_meeting(manager, levels.north_intake, "Region North strategic T&CG")

    with as_user(manager):
        strategy.adopt_priority(copy, actor=manager, meeting=meeting)
    copy.refresh_from_db()
    assert (copy.status, copy.decided_by, copy.decided_at_meeting) == ("approved", manager, meeting)
    assert copy.decision_rationale == "Adopted from National intelligence hub's control strategy"
    assert copy.review_due is not None
    decision = Decision.objects.get(priority=copy)
    assert (decision.meeting, decision.decided_by, decision.compartment) == (
        meeting,
        manager,
        levels.north_intake,
    )
    assert decision.rationale == copy.decision_rationale
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, object_type="tasking.priority", object_id=str(copy.pk)
    ).exists()

    # Like any approved priority, the unit tasks against it.
    with as_user(manager):
        task = tasking.create_tasking(
            actor=manager,
            data={
                "title": "Stake out the lorry park ZQTASK",
                "priority": copy,
                "owner_user": levels.regional_analyst,
                "due_date": timezone.localdate() + timedelta(days=7),
                "compartment": levels.north_intake,
            },
        )
    assert task.priority_id == copy.pk

    # Deciding again is a conflict; so is declining what was adopted.
    with as_user(manager), pytest.raises(StateConflict):
        strategy.adopt_priority(copy, actor=manager, meeting=meeting)
    with as_user(manager), pytest.raises(StateConflict):
        strategy.decline_priority(copy, actor=manager, reason="Changed our mind")


def test_adopting_is_refused_outside_the_receiving_unit_or_without_its_open_meeting(world, levels):
    priority = _national_priority(levels)
    _issue(levels, priority, [levels.north, levels.intel])
    north = _copy(priority, levels.north)
    manager = levels.regional_manager

    def refused(copy, actor, **kwargs):
        kwargs.setdefault("meeting", None)
        with as_user(actor), pytest.raises(ValidationError) as caught:
            strategy.adopt_priority(copy, actor=actor, **kwargs)
        return caught.value.message_dict

    assert "meeting" in refused(north, manager)
    # A meeting of another unit (the local bureau's, which the regional manager holds).
    local_meeting = _open_meeting(world.manager, world.general, "Local tactical T&CG")
    assert "meeting" in refused(north, manager, meeting=local_meeting)
    # A meeting not yet open is a state conflict.
    with as_user(manager):
        planned = tasking.create_meeting(
            actor=manager,
            data={
                "kind": "strategic",
                "title": "Next month",
                "scheduled_for": timezone.now() + timedelta(days=30),
                "chair": manager,
                "compartment": levels.north_intake,
            },
        )
    with as_user(manager), pytest.raises(StateConflict):
        strategy.adopt_priority(north, actor=manager, meeting=planned)
    # The local copy is not the regional manager's to adopt (they hold ``general``, but it was
    # issued to the local unit); the national original was never issued from above.
    meeting = _open_meeting(manager, levels.north_intake)
    assert "priority" in refused(_copy(priority, levels.intel), manager, meeting=meeting)
    assert "priority" in refused(priority, levels.national_manager)
    assert Priority.objects.get(pk=north.pk).status == "candidate"
    assert not Decision.objects.filter(priority__issued_from=priority).exists()


def test_the_receiving_manager_declines_it_saying_why(world, levels):
    priority = _national_priority(levels)
    _issue(levels, priority, [levels.north])
    copy = _copy(priority, levels.north)
    manager = levels.regional_manager
    with as_user(manager), pytest.raises(ValidationError) as refused:
        strategy.decline_priority(copy, actor=manager, reason="  ")
    assert "reason" in refused.value.message_dict
    with as_user(manager):
        strategy.decline_priority(copy, actor=manager, reason="No port in the region ZQWHY")
    copy.refresh_from_db()
    assert (copy.status, copy.decided_by) == ("rejected", manager)
    assert copy.decision_rationale == "No port in the region ZQWHY"


def test_the_issuing_level_sees_each_units_state_and_counts_only(world, levels, login):
    priority = _national_priority(levels)
    _issue(levels, priority, [levels.north, levels.intel])
    north = _copy(priority, levels.north)
    manager = levels.regional_manager
    meeting = _open_meeting(manager, levels.north_intake)
    with as_user(manager):
        strategy.adopt_priority(north, actor=manager, meeting=meeting)
        for n in range(2):
            tasking.create_tasking(
                actor=manager,
                data={
                    "title": f"Secret lorry watch ZQTASK{n}",
                    "detail": "Plate ZQPLATE",
                    "priority": north,
                    "owner_user": levels.regional_analyst,
                    "due_date": timezone.localdate() + timedelta(days=7),
                    "compartment": levels.north_intake,
                },
            )

    rows = {row["unit_name"]: row for row in strategy.progress_below(priority)}
    assert (rows[levels.north.name]["state"], rows[levels.north.name]["taskings"]) == ("adopted", 2)
    assert (rows[levels.intel.name]["state"], rows[levels.intel.name]["taskings"]) == ("waiting", 0)

    national = levels.national_manager
    page = login(national).get(reverse("sharing:priority_issue", args=[priority.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert levels.north.name in body and "Adopted" in body and "Waiting" in body
    answer = api_client(national).get(f"/api/v1/priorities/{priority.pk}/below/")
    assert answer.status_code == 200
    assert answer.json()["priority"] == priority.pk
    by_unit = {row["unit"]: row for row in answer.json()["units"]}
    assert by_unit[levels.north.pk]["taskings"] == 2
    assert by_unit[levels.north.pk]["state"] == "adopted"
    assert by_unit[levels.intel.pk]["state"] == "waiting"
    # Nothing of the taskings below travels up: not their titles, details or ids.
    for text in (body, answer.content.decode()):
        assert "ZQTASK" not in text and "ZQPLATE" not in text


def test_a_copy_answers_404_to_people_outside_the_receiving_unit(world, levels, login):
    priority = _national_priority(levels)
    _issue(levels, priority, [levels.north])
    copy = _copy(priority, levels.north)
    meeting = _open_meeting(world.manager, world.general)
    # The local manager and the national manager hold no North compartment.
    for outsider in (world.manager, levels.national_manager):
        assert login(outsider).get(copy.get_absolute_url()).status_code == 404
        client = api_client(outsider)
        assert client.get(f"/api/v1/priorities/{copy.pk}/").status_code == 404
        assert (
            client.post(f"/api/v1/priorities/{copy.pk}/adopt/", {"meeting": meeting.pk}).status_code
            == 404
        )
        assert (
            client.post(f"/api/v1/priorities/{copy.pk}/decline/", {"reason": "no"}).status_code
            == 404
        )
    assert Priority.objects.get(pk=copy.pk).status == "candidate"
    # The regional manager reads the copy, but not the national original behind it: the
    # reference reads as null; the issuing unit is named (unit names are not secret).
    listed = api_client(levels.regional_manager).get("/api/v1/priorities/from-above/")
    assert listed.status_code == 200
    row = next(r for r in listed.json()["results"] if r["id"] == copy.pk)
    assert row["issued_from"] is None and row["issuing_unit"] == levels.national.name
    decided = api_client(levels.regional_manager).get(
        "/api/v1/priorities/from-above/", {"status": "approved"}
    )
    assert decided.status_code == 200 and decided.json()["results"] == []


def test_the_from_above_page_lists_waiting_priorities_first_and_adopts_them(world, levels, login):
    decided = _national_priority(levels)
    _issue(levels, decided, [levels.north])
    manager = levels.regional_manager
    with as_user(manager):
        strategy.decline_priority(_copy(decided, levels.north), actor=manager, reason="Covered")
    waiting = _national_priority(levels, subject_kind="theme", subject_label="Second")
    Priority.objects.filter(pk=waiting.pk).update(title="Firearms supply ZQSECOND")
    waiting.refresh_from_db()
    _issue(levels, waiting, [levels.north])
    copy = _copy(waiting, levels.north)
    meeting = _open_meeting(manager, levels.north_intake, "North strategic ZQMEET")

    client = login(manager)
    body = client.get(reverse("sharing:requirements")).content.decode()
    assert body.index("ZQSECOND") < body.index(decided.title)
    assert "ZQMEET" in body and reverse("sharing:priority_adopt", args=[copy.pk]) in body
    # An analyst of the unit reads the list but is not offered the decision.
    analyst_page = login(levels.regional_analyst).get(reverse("sharing:requirements"))
    assert "ZQSECOND" in analyst_page.content.decode()
    assert reverse("sharing:priority_adopt", args=[copy.pk]) not in analyst_page.content.decode()

    client = login(manager)
    answer = client.post(reverse("sharing:priority_adopt", args=[copy.pk]), {"meeting": meeting.pk})
    assert answer.status_code == 302
    copy.refresh_from_db()
    assert copy.status == "approved" and copy.decided_at_meeting == meeting


def test_the_priority_page_offers_issue_down_to_managers_of_its_unit_only(world, levels, login):
    priority = _national_priority(levels)
    candidate = _national_priority(levels, approve=False)
    issue_url = reverse("sharing:priority_issue", args=[priority.pk])
    page = login(levels.national_manager).get(priority.get_absolute_url()).content.decode()
    assert issue_url in page
    other = login(levels.national_manager).get(candidate.get_absolute_url()).content.decode()
    assert reverse("sharing:priority_issue", args=[candidate.pk]) not in other
    analyst_page = login(levels.national_analyst).get(priority.get_absolute_url())
    assert issue_url not in analyst_page.content.decode()

    # Issuing through the page, then through the API.
    client = login(levels.national_manager)
    answer = client.post(issue_url, {"units": [levels.north.pk]})
    assert answer.status_code == 302
    assert Priority.objects.filter(issued_from=priority).count() == 1
    api = api_client(levels.national_manager)
    bad = api.post(f"/api/v1/priorities/{priority.pk}/issue/", {"units": [levels.north.pk]})
    assert bad.status_code == 400 and "units" in bad.json()
    good = api.post(
        f"/api/v1/priorities/{priority.pk}/issue/", {"units": [levels.intel.pk]}, format="json"
    )
    assert good.status_code == 200
    assert {row["unit"] for row in good.json()["units"]} == {levels.north.pk, levels.intel.pk}


def test_the_api_adopts_and_declines_with_400_and_409_answers(world, levels):
    priority = _national_priority(levels)
    _issue(levels, priority, [levels.north, levels.intel])
    north, local = _copy(priority, levels.north), _copy(priority, levels.intel)
    regional = api_client(levels.regional_manager)
    meeting = _open_meeting(levels.regional_manager, levels.north_intake)

    assert regional.post(f"/api/v1/priorities/{north.pk}/adopt/", {}).status_code == 400
    adopted = regional.post(f"/api/v1/priorities/{north.pk}/adopt/", {"meeting": meeting.pk})
    assert adopted.status_code == 200
    assert adopted.json()["status"] == "approved"
    assert adopted.json()["issuing_unit"] == levels.national.name
    again = regional.post(f"/api/v1/priorities/{north.pk}/decline/", {"reason": "Late"})
    assert again.status_code == 409

    local_manager = api_client(world.manager)
    assert local_manager.post(f"/api/v1/priorities/{local.pk}/decline/", {}).status_code == 400
    declined = local_manager.post(f"/api/v1/priorities/{local.pk}/decline/", {"reason": "No port"})
    assert declined.status_code == 200 and declined.json()["status"] == "rejected"
    # An analyst's role does not decide.
    analyst = api_client(levels.regional_analyst)
    assert (
        analyst.post(f"/api/v1/priorities/{north.pk}/decline/", {"reason": "x"}).status_code == 403
    )


# --- Notifications when something arrives in a unit's intake ----------------------------------


def _notified(user, kind):
    return list(
        Notification.objects.filter(recipient=user, kind=kind).values_list(
            "object_type", "object_id"
        )
    )


def test_a_share_arriving_tells_the_receiving_managers_naming_the_received_report(
    world, levels, login, django_capture_on_commit_callbacks
):
    report = make_report(world)
    with django_capture_on_commit_callbacks(execute=True):
        sent = share(report, world.analyst, levels.national)
    assert _notified(levels.national_manager, "share_received") == [
        ("intelligence.report", sent.received_report_id)
    ]
    # Not the receiving unit's analyst (not a manager), not the sender's unit's manager.
    assert _notified(levels.national_analyst, "share_received") == []
    assert _notified(world.manager, "share_received") == []
    # The notification names the report in their intake, never the sender's original.
    page = login(levels.national_manager).get(reverse("notifications:list")).content.decode()
    assert sent.received_report.urn in page and report.urn not in page


def test_a_requirement_or_priority_issued_down_tells_the_receiving_managers(
    world, levels, django_capture_on_commit_callbacks
):
    with as_user(levels.national_manager):
        requirement = tasking.raise_requirement(
            actor=levels.national_manager,
            data={
                "question": "Who runs the port?",
                "due_date": timezone.localdate() + timedelta(days=30),
                "assigned_unit": levels.national,
                "compartment": levels.national_intake,
            },
        )
        with django_capture_on_commit_callbacks(execute=True):
            down.issue_down(requirement, actor=levels.national_manager, units=[levels.north])
    copy = Requirement.objects.get(issued_from=requirement)
    assert _notified(levels.regional_manager, "requirement_issued") == [
        ("tasking.requirement", copy.pk)
    ]

    priority = _national_priority(levels)
    with django_capture_on_commit_callbacks(execute=True):
        _issue(levels, priority, [levels.north, levels.intel])
    assert _notified(levels.regional_manager, "priority_issued") == [
        ("tasking.priority", _copy(priority, levels.north).pk)
    ]
    assert _notified(world.manager, "priority_issued") == [
        ("tasking.priority", _copy(priority, levels.intel).pk)
    ]
    # The issuing manager is told nothing of their own act; the API lists what arrived.
    assert _notified(levels.national_manager, "priority_issued") == []
    listed = api_client(levels.regional_manager).get("/api/v1/notifications/").json()["results"]
    kinds = {row["kind"]: row for row in listed}
    assert kinds["priority_issued"]["subject"] == priority.title
    assert kinds["requirement_issued"]["subject"] == "Who runs the port?"


@pytest.mark.parametrize(
    "action, body",
    [
        ("issue", {"units": "north"}),
        ("issue", {"units": [{"id": 1}]}),
        ("issue", {"units": [99999999999999999999]}),
        ("issue", {"units": ["\u0661"]}),
        ("adopt", {"meeting": "abc"}),
        ("adopt", {"meeting": [1]}),
        ("adopt", {"meeting": -1}),
        ("decline", {"reason": "x" * 2001}),
        ("decline", {"reason": ["why"]}),
    ],
)
def test_bad_bodies_answer_400_naming_the_field_and_change_nothing(world, levels, action, body):
    priority = _national_priority(levels)
    _issue(levels, priority, [levels.north])
    target = priority if action == "issue" else _copy(priority, levels.north)
    actor = levels.national_manager if action == "issue" else levels.regional_manager
    before = list(Priority.objects.order_by("pk").values_list("pk", "status"))
    answer = api_client(actor).post(
        f"/api/v1/priorities/{target.pk}/{action}/", body, format="json"
    )
    assert answer.status_code == 400
    assert set(answer.json()) <= {"units", "meeting", "reason"} and answer.json()
    assert list(Priority.objects.order_by("pk").values_list("pk", "status")) == before


def test_the_from_above_page_and_the_issue_page_cost_the_same_for_one_or_four(world, levels, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts():
        client = login(levels.regional_manager)
        with CaptureQueriesContext(connection) as listed:
            assert client.get(reverse("sharing:requirements")).status_code == 200
        client = login(levels.national_manager)
        with CaptureQueriesContext(connection) as issued:
            assert client.get(reverse("sharing:priority_issue", args=[first.pk])).status_code == 200
        return len(listed), len(issued)

    _open_meeting(levels.regional_manager, levels.north_intake)
    first = _national_priority(levels)
    _issue(levels, first, [levels.north])
    one = counts()
    for _n in range(3):
        _issue(levels, _national_priority(levels), [levels.north])
    _issue(levels, first, [levels.intel, Unit.objects.get(code="region-south")])
    more = counts()
    # Not one query more for four times the rows. (One fewer can happen: the bell's unread
    # count needs no query at all once the reader's grants, read on an earlier page, prove it
    # empty.)
    assert more[0] <= one[0] and more[1] <= one[1], (one, more)
