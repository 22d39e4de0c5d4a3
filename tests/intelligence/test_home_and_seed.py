"""Home panels per role, and the demo seed."""

import io

import pytest
from django.urls import reverse

from ilp_platform.core import home
from intelligence.models import Entity, Incident, Link, MentionSuggestion, Report, Source
from tests.intelligence.helpers import make_report, make_source

pytestmark = pytest.mark.django_db


def _titles(user):
    return {str(p.title): p for p in home.panels_for(user)}


def test_home_panels_show_what_waits_for_each_role(world):
    make_report(world, evaluate=False)
    make_source(world)
    analyst = _titles(world.analyst)
    assert analyst["Reports awaiting my evaluation"].count == 1
    assert "Reviews due or overdue" in analyst
    officer = _titles(world.officer)
    assert officer["My submissions"].count == 1
    assert "Reports awaiting my evaluation" not in officer
    assert _titles(world.handler)["Sources I handle"].count == 1
    assert "Reviews due or overdue" in _titles(world.manager)
    ours = {
        "Reports awaiting my evaluation",
        "My submissions",
        "Reviews due or overdue",
        "Sources I handle",
    }
    assert not ours & set(_titles(world.oversight))


def test_the_home_page_counts_with_one_query_per_panel(
    world, client, django_assert_max_num_queries
):
    make_report(world, evaluate=False)
    client.force_login(world.analyst)
    client.get(reverse("core:home"))
    # The panels, the session and the navigation's notification count (one query).
    with django_assert_max_num_queries(13):
        response = client.get(reverse("core:home"))
    assert "Reports awaiting my evaluation" in response.content.decode()


def test_the_navigation_offers_the_intelligence_pages_by_role(world, client):
    client.force_login(world.analyst)
    labels = {str(i["label"]) for i in client.get(reverse("core:home")).context["nav_items"]}
    assert {
        "Submit intelligence",
        "Reports",
        "Evaluate",
        "Search",
        "Entities",
        "Sources",
        "Reviews",
        "Incidents",
    } <= labels
    client.force_login(world.officer)
    labels = {str(i["label"]) for i in client.get(reverse("core:home")).context["nav_items"]}
    assert "Submit intelligence" in labels and "Evaluate" not in labels


def test_the_demo_seed_creates_graded_intelligence_once(world):
    from audit.services import service_scope
    from intelligence.seed import seed_intelligence

    class Command:
        stdout = io.StringIO()

    with service_scope():
        seed_intelligence(Command())
    counts = (
        Source.objects.count(),
        Report.objects.count(),
        Entity.objects.count(),
        Link.objects.count(),
        Incident.objects.count(),
    )
    assert counts[0] == 12 and counts[1] >= 300 and counts[2] >= 150
    assert counts[3] == 200 and counts[4] == 3000
    schemes = set(Report.objects.values_list("grading_scheme", flat=True))
    assert schemes == {"3x5x2", "5x5x5", "4x4", "admiralty"}
    assert Report.objects.filter(status="submitted", submitted_by=world.officer).exists()
    # The officer's reports awaiting evaluation carry the people and vehicles they typed in.
    suggested = MentionSuggestion.objects.all()
    assert suggested.exists()
    assert all(
        (s.report.status, s.report.submitted_by, s.status) == ("submitted", world.officer, "open")
        for s in suggested.select_related("report")
    )
    assert {"person", "vehicle"} <= set(suggested.values_list("kind", flat=True))
    assert Source.objects.filter(source_type="chis", handler=world.handler).count() == 5
    assert not Report.objects.filter(
        evaluated_by=world.analyst2, compartment=world.restricted
    ).exists()
    with service_scope():
        seed_intelligence(Command())
    assert Report.objects.count() == counts[1]
