"""Requirements flowing down (issued, accepted, answered by a share up, closed by the issuing
level) and aggregate figures across (counts only, small ones withheld, each query audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.choices import Action
from audit.models import AuditEvent
from intelligence.models import CrimeType
from sharing import aggregates
from sharing import levels as down
from tasking.models import Requirement, RequirementAnswer
from tasking.services import raise_requirement
from tests.intelligence.helpers import as_user, make_incident, make_report
from tests.sharing.helpers import build_levels, share
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels(world):
    return build_levels(world)


def _national_requirement(levels):
    with as_user(levels.national_manager):
        return raise_requirement(
            actor=levels.national_manager,
            data={
                "question": "Which groups bring cocaine in through the port?",
                "due_date": timezone.localdate() + timedelta(days=30),
                "assigned_unit": levels.national,
                "compartment": levels.national_intake,
            },
        )


def test_a_national_requirement_flows_down_is_accepted_answered_up_and_closed(world, levels, login):
    requirement = _national_requirement(levels)
    assert requirement.owning_unit == levels.national
    with as_user(levels.national_manager):
        down.issue_down(requirement, actor=levels.national_manager, units=[levels.intel])
    local = Requirement.objects.get(issued_from=requirement)
    assert (local.compartment, local.owning_unit, local.accepted_at) == (
        world.general,
        levels.intel,
        None,
    )
    assert AuditEvent.objects.filter(
        action=Action.DISCLOSE, object_type="tasking.requirement", object_id=str(requirement.pk)
    ).exists()

    # The local manager sees it among the requirements from above and accepts it.
    client = login(world.manager)
    listed = client.get(reverse("sharing:requirements")).content.decode()
    assert requirement.question in listed
    page = client.get(local.get_absolute_url()).content.decode()
    assert "Accept this requirement" in page
    client.post(reverse("sharing:requirement_accept", args=[local.pk]))
    local.refresh_from_db()
    assert local.accepted_by == world.manager

    # The local analyst answers it with a report shared up, naming the requirement.
    report = make_report(world)
    sent = share(report, world.analyst, levels.national, answers_requirement=local)
    answer = RequirementAnswer.objects.get(requirement=requirement)
    assert answer.report_id == sent.received_report_id

    # The issuing level sees the answer and the progress below (counts), then closes it.
    national = login(levels.national_manager)
    body = national.get(requirement.get_absolute_url()).content.decode()
    assert sent.received_report.urn in body and levels.intel.name in body
    national.post(
        reverse("sharing:requirement_close", args=[requirement.pk]), {"status": "satisfied"}
    )
    requirement.refresh_from_db()
    local.refresh_from_db()
    assert (requirement.status, local.status) == ("satisfied", "satisfied")


def test_only_a_member_of_the_issuing_unit_issues_its_requirement_down(world, levels):
    """Seeing a unit's requirement is not leave to issue it: a regional manager granted the
    national intake is refused, naming the requirement, and no copy is made."""
    from guardian.shortcuts import assign_perm

    requirement = _national_requirement(levels)
    assign_perm("view_compartment", levels.regional_manager, levels.national_intake)
    with as_user(levels.regional_manager), pytest.raises(ValidationError) as refused:
        down.issue_down(requirement, actor=levels.regional_manager, units=[levels.north])
    assert "National" in " ".join(refused.value.message_dict["requirement"])
    assert not Requirement.objects.filter(issued_from=requirement).exists()


def test_issuing_down_refuses_units_not_below_and_acceptance_by_another_unit(world, levels):
    requirement = _national_requirement(levels)
    with as_user(levels.national_manager), pytest.raises(ValidationError) as refused:
        down.issue_down(requirement, actor=levels.national_manager, units=[levels.national])
    assert "units" in refused.value.message_dict
    with as_user(levels.national_manager):
        down.issue_down(requirement, actor=levels.national_manager, units=[levels.north])
    copy = Requirement.objects.get(issued_from=requirement)
    # The local manager holds no North compartment; the regional one accepts it.
    with as_user(levels.national_manager), pytest.raises(ValidationError):
        down.accept_requirement(copy, actor=levels.national_manager)
    with as_user(levels.regional_manager):
        down.accept_requirement(copy, actor=levels.regional_manager)
    assert Requirement.objects.get(pk=copy.pk).accepted_by == levels.regional_manager


@override_settings(AGGREGATE_SUPPRESSION_THRESHOLD=3)
def test_aggregates_count_the_units_below_withhold_small_counts_and_are_audited(world, levels):
    burglary = CrimeType.objects.get(slug="burglary")
    start = timezone.now().replace(day=1, hour=12) - timedelta(days=40)
    for n in range(4):
        make_incident(world, reference=f"INC-AGG-{n}", occurred_from=start + timedelta(hours=n))
    make_incident(
        world,
        reference="INC-AGG-lone",
        crime_type=CrimeType.objects.exclude(pk=burglary.pk).first(),
        occurred_from=start,
    )
    with as_user(levels.national_analyst):
        figures = aggregates.figures_for(
            levels.national_analyst,
            since=(start - timedelta(days=1)).date(),
            until=timezone.localdate() + timedelta(days=1),
        )
    counts = {row["crime_type"]: row["count"] for row in figures.incidents}
    assert counts[burglary.name] == 4
    assert [c for name, c in counts.items() if name != burglary.name] == [None]
    assert all(row["area"] == levels.intel.name for row in figures.incidents)
    event = AuditEvent.objects.filter(action=Action.SEARCH, object_type="sharing.aggregate").get()
    assert event.details["suppressed"] == 1 and levels.intel.pk in event.details["units"]
    # The API answers the same counts, the withheld one as null; a local analyst has no units
    # below, so no figures at all.
    api = api_client(levels.national_analyst).get("/api/v1/aggregates/")
    assert api.status_code == 200
    assert sorted(r["count"] for r in api.json()["incidents"] if r["count"]) == [4]
    local = api_client(world.analyst).get("/api/v1/aggregates/").json()
    assert local["units"] == [] and local["incidents"] == []
    bad = api_client(levels.national_analyst).get("/api/v1/aggregates/", {"since": "soon"})
    assert bad.status_code == 400 and "since" in bad.json()


def test_units_api_names_levels_and_parents_for_any_signed_in_person(world, levels):
    answer = api_client(world.officer).get("/api/v1/units/", {"level": "regional"})
    assert answer.status_code == 200
    rows = answer.json()["results"]
    north = next(r for r in rows if r["code"] == "region-north")
    assert north["level"] == "regional" and north["parent"] == levels.national.pk


def test_report_volumes_per_priority_are_counted_by_month_and_small_months_withheld(world, levels):
    from intelligence.models import Report
    from tasking.models import Priority
    from tests.tasking.helpers import make_priority

    burglary = CrimeType.objects.get(slug="burglary")
    priority = make_priority(world, title="Burglary dwelling")
    Priority.objects.filter(pk=priority.pk).update(status="approved", crime_type=burglary)
    this_month = timezone.now().replace(day=3, hour=12)
    last_month = (this_month - timedelta(days=31)).replace(day=3)
    for n in range(7):
        report = make_report(world)
        report.crime_types.add(burglary)
        when = this_month if n < 5 else last_month
        Report.objects.filter(pk=report.pk).update(created_at=when, owning_unit=levels.intel)
    with as_user(levels.national_analyst):
        figures = aggregates.figures_for(
            levels.national_analyst,
            since=last_month.date().replace(day=1),
            until=(this_month + timedelta(days=31)).date().replace(day=1),
        )
    rows = {(r["title"], r["month"]): r["count"] for r in figures.reports_by_priority}
    # Five this month are shown; last month's two are withheld, so no pair of periods can be
    # subtracted into a count under the threshold.
    assert rows == {
        ("Burglary dwelling", this_month.strftime("%Y-%m")): 5,
        ("Burglary dwelling", last_month.strftime("%Y-%m")): None,
    }
