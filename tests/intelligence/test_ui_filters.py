"""Lists filter in place with htmx: the results partial, restricted and logged like the page."""

import pytest
from django.urls import reverse

from audit.choices import Action
from audit.models import AuditEvent
from tests.intelligence.helpers import make_entity, make_incident, make_report, make_source

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def template_names(response) -> set[str]:
    return {t.name for t in response.templates}


def last_list_event(username):
    return AuditEvent.objects.filter(action=Action.LIST, actor_username=username).latest("id")


@pytest.mark.parametrize(
    "name, partial",
    [
        ("report_list", "intelligence/_report_results.html"),
        ("evaluation_queue", "intelligence/_evaluation_results.html"),
        ("review_queue", "intelligence/_review_results.html"),
        ("entity_list", "intelligence/_entity_results.html"),
        ("source_list", "intelligence/_source_results.html"),
        ("incident_list", "intelligence/_incident_results.html"),
    ],
)
def test_an_htmx_request_gets_the_results_partial_and_a_plain_one_the_page(
    world, login, name, partial
):
    client = login(world.analyst)
    url = reverse(f"intelligence:{name}")
    page = client.get(url)
    assert "<html" in page.content.decode() and "base.html" in template_names(page)
    assert 'id="list-results"' in page.content.decode()
    fragment = client.get(url, headers=HX)
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert partial in template_names(fragment) and "base.html" not in template_names(fragment)
    assert "<html" not in body and "<table" in body and "export=csv" in body
    assert "HX-Request" in fragment["Vary"] and "HX-Request" in page["Vary"]


def test_the_filter_form_asks_htmx_for_the_results_and_works_without_it(world, login):
    url = reverse("intelligence:report_list")
    body = login(world.analyst).get(url).content.decode()
    assert f'method="get" action="{url}"' in body and f'hx-get="{url}"' in body
    assert 'hx-target="#list-results"' in body and 'hx-push-url="true"' in body
    assert "<script>" not in body and " onclick=" not in body


def test_the_partial_is_restricted_and_logged_like_the_page(world, login):
    general = make_report(world, handling_code="P")
    restricted = make_report(world, world.restricted, handling_code="P")
    client = login(world.analyst2)
    response = client.get(reverse("intelligence:report_list"), {"handling_code": "P"}, headers=HX)
    assert [r.pk for r in response.context["page"].items] == [general.pk]
    assert restricted.urn not in response.content.decode()
    event = last_list_event("analyst2")
    assert event.object_type == "intelligence.report"
    assert event.details["ids"] == [str(general.pk)]
    assert event.justification == "OP-TEST page test"


def test_the_partial_filters_entities_incidents_and_sources(world, login):
    make_entity(world, name="Alan Smith")
    make_entity(world, name="Brenda Cole")
    make_entity(world, world.restricted, name="Alan Secret")
    make_incident(world, reference="INC-A")
    make_incident(world, reference="INC-B")
    make_source(world, reference="SRC-A")
    make_source(world, reference="SRC-B", source_type="officer")
    client = login(world.analyst2)
    entities = client.get(reverse("intelligence:entity_list"), {"q": "alan"}, headers=HX)
    assert [e.name for e in entities.context["page"].items] == ["Alan Smith"]
    incidents = client.get(
        reverse("intelligence:incident_list"), {"reference": "INC-B"}, headers=HX
    )
    assert [i.reference for i in incidents.context["page"].items] == ["INC-B"]
    sources = client.get(reverse("intelligence:source_list"), {"source_type": "chis"}, headers=HX)
    assert [s.reference for s in sources.context["page"].items] == ["SRC-A"]
    assert last_list_event("analyst2").object_type == "intelligence.source"


def test_keyset_paging_keeps_working_inside_the_partial(world, login):
    for _ in range(53):
        make_incident(world, reference=f"INC-{_:03d}")
    client = login(world.analyst)
    url = reverse("intelligence:incident_list")
    first = client.get(url, {"crime_type": "burglary"}, headers=HX)
    page = first.context["page"]
    assert len(page.items) == 50 and page.next_cursor
    body = first.content.decode()
    next_link = f"crime_type=burglary&amp;cursor={page.next_cursor}"
    assert f'hx-get="{url}?{next_link}"' in body and f'href="{url}?{next_link}"' in body
    second = client.get(url, {"crime_type": "burglary", "cursor": page.next_cursor}, headers=HX)
    assert len(second.context["page"].items) == 3
    assert second.context["page"].has_previous
    assert "export=csv" in second.content.decode()
    assert "cursor" not in second.context["page_querystring"]


def test_a_history_restore_gets_the_whole_page(world, login):
    client = login(world.analyst)
    response = client.get(
        reverse("intelligence:entity_list"),
        headers={**HX, "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


def test_a_bad_filter_in_the_partial_is_named_beside_its_field(world, login):
    client = login(world.analyst)
    response = client.get(
        reverse("intelligence:report_list"), {"occurred_after": "soon"}, headers=HX
    )
    assert response.status_code == 200
    assert "occurred_after" in response.context["filter_form"].errors
    # The form stays on the page; the results say which filter was not understood.
    assert "Occurred on or after: Enter a valid date." in response.content.decode()
