"""The tasking rules, enforced in the services (and the model for closed minutes)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from ilp_platform.core.errors import StateConflict
from tasking import selectors, services
from tasking.models import Decision
from tests.intelligence.helpers import make_report
from tests.tasking.helpers import (
    MORILE_INPUTS,
    as_user,
    make_meeting,
    make_priority,
    make_product,
    make_requirement,
    make_tasking,
    second_manager,
)

pytestmark = pytest.mark.django_db


def _decide(priority, user, meeting, approve=True, rationale="Harm is high."):
    with as_user(user):
        return services.decide_priority(
            priority, actor=user, meeting=meeting, approve=approve, rationale=rationale
        )


# --- Proposer and approver ----------------------------------------------------------------------


def test_the_proposer_cannot_approve_their_own_candidate(world):
    meeting = make_meeting(world, open_=True)
    priority = make_priority(world, proposer=world.manager)
    with pytest.raises(ValidationError) as caught:
        _decide(priority, world.manager, meeting)
    assert "You proposed this candidate" in str(caught.value)
    priority.refresh_from_db()
    assert priority.status == "candidate"
    assert not Decision.objects.exists()


def test_another_manager_approves_and_the_decision_enters_the_log(world):
    meeting = make_meeting(world, open_=True)
    product = make_product(world)
    priority = make_priority(world, proposer=world.manager)
    priority.evidence_products.add(product)
    other = second_manager(world)
    decision = _decide(priority, other, meeting)
    priority.refresh_from_db()
    assert priority.status == "approved" and priority.decided_by == other
    assert priority.review_due == timezone.localdate() + timedelta(days=90)
    assert decision.subject == priority and decision.meeting == meeting
    assert decision.rationale == "Harm is high."
    assert list(decision.evidence_products.all()) == [product]
    assert AuditEvent.objects.filter(
        object_type="tasking.priority", object_id=str(priority.pk), details__operation="approve"
    ).exists()


def test_an_analyst_cannot_approve_and_an_unscored_candidate_is_not_approved(world):
    meeting = make_meeting(world, open_=True)
    with pytest.raises(PermissionDenied):
        _decide(make_priority(world), world.analyst, meeting)
    with pytest.raises(ValidationError) as caught:
        _decide(make_priority(world, scored=False), world.manager, meeting)
    assert "score" in caught.value.message_dict


def test_a_decision_needs_an_open_meeting_and_a_rationale(world):
    planned = make_meeting(world)
    with pytest.raises(StateConflict, match="planned"):
        _decide(make_priority(world), world.manager, planned)
    with pytest.raises(ValidationError) as caught:
        _decide(make_priority(world), world.manager, make_meeting(world, open_=True), rationale="")
    assert "rationale" in caught.value.message_dict


def test_a_decided_priority_cannot_be_decided_again(world):
    meeting = make_meeting(world, open_=True)
    priority = make_priority(world)
    _decide(priority, world.manager, meeting, approve=False)
    with pytest.raises(StateConflict, match="already rejected"):
        _decide(priority, world.manager, meeting)


# --- Immutability after close -------------------------------------------------------------------


def _record(meeting, user, **data):
    with as_user(user):
        return services.record_decision(
            meeting,
            actor=user,
            data={"decision": "Commission a problem profile", "rationale": "Rising trend", **data},
        )


def test_decisions_are_corrected_while_open_and_read_only_after_close(world):
    meeting = make_meeting(world, open_=True)
    decision = _record(meeting, world.manager)
    with as_user(world.manager):
        services.update_decision(decision, actor=world.manager, data={"rationale": "Trend +40%"})
        services.close_meeting(meeting, actor=world.manager)
    decision.refresh_from_db()
    assert decision.rationale == "Trend +40%"
    with pytest.raises(StateConflict, match="read-only"), as_user(world.manager):
        services.update_decision(decision, actor=world.manager, data={"rationale": "x"})
    with pytest.raises(StateConflict):
        _record(meeting, world.manager)


def test_the_model_refuses_to_change_or_delete_a_closed_meetings_decision(world):
    meeting = make_meeting(world, open_=True)
    decision = _record(meeting, world.manager)
    with as_user(world.manager):
        services.close_meeting(meeting, actor=world.manager)
    decision.decision = "Quietly rewritten"
    with pytest.raises(StateConflict):
        decision.save()
    with pytest.raises(StateConflict):
        decision.delete()
    assert Decision.objects.get(pk=decision.pk).decision == "Commission a problem profile"


def test_an_amending_decision_at_a_later_meeting_references_the_earlier_one(world):
    first = make_meeting(world, open_=True)
    original = _record(first, world.manager)
    with as_user(world.manager):
        services.close_meeting(first, actor=world.manager)
    later = make_meeting(world, open_=True)
    amendment = _record(
        later, world.manager, amends=original, decision="Profile to cover Bedminster"
    )
    assert amendment.amends == original
    assert list(original.amendments.all()) == [amendment]
    with pytest.raises(ValidationError) as caught:
        _record(later, world.manager, amends=amendment)
    assert "amends" in caught.value.message_dict


def test_a_decision_about_a_record_names_it_and_only_it(world):
    meeting = make_meeting(world, open_=True)
    priority = make_priority(world)
    with pytest.raises(ValidationError) as caught:
        _record(meeting, world.manager, subject_kind="priority")
    assert "priority" in caught.value.message_dict
    decision = _record(meeting, world.manager, subject_kind="priority", priority=priority)
    assert decision.subject == priority and decision.compartment == priority.compartment


# --- Agenda -------------------------------------------------------------------------------------


def test_the_agenda_holds_new_products_due_priorities_open_taskings_and_coverage(world):
    now = timezone.now()
    previous = make_meeting(world, when=now - timedelta(days=14))
    make_meeting(world, kind="strategic", when=now - timedelta(days=3))  # another kind
    old = make_product(world, submitted_at=now - timedelta(days=20), title="Old profile")
    new = make_product(world, submitted_at=now - timedelta(days=2), title="New profile")
    make_product(world, title="Draft, never submitted")
    hidden = make_product(world, world.restricted, submitted_at=now - timedelta(days=1))
    candidate = make_priority(world, title="Candidate")
    approved = make_priority(world, title="Approved")
    with as_user(world.manager):
        _decide(
            approved, world.manager, make_meeting(world, when=now - timedelta(days=30), open_=True)
        )
        services.update_priority(
            approved, actor=world.manager, data={"review_due": timezone.localdate()}
        )
    overdue = make_tasking(world, approved, due_in_days=-2)
    current = make_tasking(world, approved, due_in_days=5)
    answered = make_requirement(world, approved)
    unanswered = make_requirement(world, approved)
    report = make_report(world)
    with as_user(world.analyst):
        services.answer_requirement(answered, actor=world.analyst, report=report)

    meeting = make_meeting(world, when=now)
    agenda = selectors.agenda_for(meeting, world.analyst2)  # holds 'general' only
    ids = {name: [row["id"] for row in rows] for name, rows in agenda.sections.items()}
    assert agenda.since == previous.scheduled_for
    assert ids["products"] == [new.pk]
    assert old.pk not in ids["products"] and hidden.pk not in ids["products"]
    assert ids["candidates"] == [candidate.pk]
    assert ids["reviews"] == [approved.pk]
    assert ids["taskings"] == [overdue.pk, current.pk]
    assert [row["overdue"] for row in agenda.sections["taskings"]] == [True, False]
    assert set(ids["requirements"]) == {answered.pk, unanswered.pk}
    assert agenda.coverage == {"total": 2, "answered": 1, "share": 50, "reports": 1}


def test_opening_stores_the_agenda_and_viewers_see_only_their_share_of_it(world):
    now = timezone.now()
    restricted_product = make_product(
        world, world.restricted, submitted_at=now - timedelta(hours=1)
    )
    general_product = make_product(world, submitted_at=now - timedelta(hours=1))
    meeting = make_meeting(world, open_=True)  # opened by the manager, who holds both
    stored = [row["id"] for row in meeting.agenda["sections"]["products"]]
    assert set(stored) == {restricted_product.pk, general_product.pk}
    make_product(world, submitted_at=timezone.now())  # arrives after opening
    seen = selectors.agenda_for(meeting, world.analyst2)
    assert [row["id"] for row in seen.sections["products"]] == [general_product.pk]
    assert not seen.live


def test_an_agenda_names_the_priority_a_row_serves_only_to_those_who_may_see_it(world):
    secret = make_priority(world, world.restricted, title="Operation Nightjar")
    tasking = make_tasking(world, secret, world.general)
    requirement = make_requirement(world, secret, world.general)
    meeting = make_meeting(world)

    def priorities(agenda) -> dict:
        return {
            name: {row["id"]: row["priority"] for row in agenda.sections[name]}
            for name in ("taskings", "requirements")
        }

    named = {"taskings": {tasking.pk: secret.title}, "requirements": {requirement.pk: secret.title}}
    unnamed = {"taskings": {tasking.pk: ""}, "requirements": {requirement.pk: ""}}
    live = selectors.agenda_for(meeting, world.analyst2)  # holds 'general' only
    assert live.live and priorities(live) == unnamed
    assert priorities(selectors.agenda_for(meeting, world.analyst)) == named
    with as_user(world.manager):
        services.open_meeting(meeting, actor=world.manager)  # stored as the manager sees it
    assert priorities(selectors.agenda_for(meeting, world.analyst)) == named
    stored = selectors.agenda_for(meeting, world.analyst2)
    assert not stored.live and priorities(stored) == unnamed


def test_requirement_coverage_counts_only_reports_the_viewer_may_see(world):
    priority = make_priority(world)
    requirement = make_requirement(world, priority)
    secret = make_report(world, world.restricted)
    with as_user(world.analyst):
        services.answer_requirement(requirement, actor=world.analyst, report=secret)
    counts = {
        user.username: selectors.requirements_with_coverage(user)
        .get(pk=requirement.pk)
        .answer_count
        for user in (world.analyst, world.analyst2)
    }
    assert counts == {"analyst": 1, "analyst2": 0}
    with pytest.raises(ValidationError), as_user(world.analyst):
        services.answer_requirement(requirement, actor=world.analyst, report=secret)


# --- Taskings -----------------------------------------------------------------------------------


def test_the_owner_completes_a_tasking_citing_reports_others_may_not(world):
    priority = make_priority(world)
    tasking = make_tasking(world, priority, owner=world.officer)
    report = make_report(world)  # submitted by the officer, so visible to them
    with pytest.raises(PermissionDenied), as_user(world.analyst):
        services.complete_tasking(tasking, actor=world.analyst, result="Done")
    with as_user(world.officer):
        services.complete_tasking(
            tasking, actor=world.officer, result="Visited 12 premises.", cited_reports=[report]
        )
    tasking.refresh_from_db()
    assert tasking.status == "completed" and list(tasking.cited_reports.all()) == [report]
    with pytest.raises(StateConflict), as_user(world.officer):
        services.complete_tasking(tasking, actor=world.officer, result="Again")


def test_an_officer_sees_only_taskings_owned_by_them_or_their_unit(world):
    from tasking.models import Tasking

    priority = make_priority(world)
    mine = make_tasking(world, priority, owner=world.officer)
    others = make_tasking(world, priority, owner=world.analyst)
    with as_user(world.manager):
        unit = services.create_tasking(
            actor=world.manager,
            data={
                "title": "Response team patrols",
                "priority": priority,
                "owner_unit": world.officer.unit,
                "due_date": timezone.localdate(),
                "compartment": world.general,
            },
        )
    visible = set(Tasking.objects.visible_to(world.officer).values_list("pk", flat=True))
    assert visible == {mine.pk, unit.pk}
    assert others.pk in set(Tasking.objects.visible_to(world.analyst).values_list("pk", flat=True))


def test_a_tasking_needs_an_owner_and_a_priority_the_author_can_see(world):
    hidden = make_priority(world, world.restricted, proposer=world.analyst)
    other = second_manager(world)  # holds 'general' only
    with pytest.raises(ValidationError) as caught, as_user(other):
        services.create_tasking(
            actor=other,
            data={
                "title": "x",
                "priority": hidden,
                "due_date": timezone.localdate(),
                "compartment": world.general,
            },
        )
    assert "owner_user" in caught.value.message_dict
    assert caught.value.message_dict["priority"] == [f"Unknown record {hidden.pk}."]


def test_scoring_keeps_inputs_and_breakdown_and_is_audited(world):
    priority = make_priority(world, scored=False)
    with as_user(world.analyst):
        services.score_priority(
            priority, actor=world.analyst, matrix="morile", inputs=MORILE_INPUTS
        )
    priority.refresh_from_db()
    assert str(priority.score) == "12.25" and priority.score_inputs == MORILE_INPUTS
    assert priority.score_breakdown["steps"][-2]["name"] == "score"
    event = AuditEvent.objects.filter(object_type="tasking.priority", action="update").latest("id")
    assert event.details["operation"] == "score" and event.details["score"] == "12.25"
    with pytest.raises(ValidationError) as caught, as_user(world.analyst):
        services.score_priority(
            priority,
            actor=world.analyst,
            matrix="morile",
            inputs={**MORILE_INPUTS, "physical": 9},
        )
    assert "score_inputs.physical" in caught.value.message_dict
