"""Search: restriction first, sanitised text and entities only, filters, the search event."""

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from intelligence.services.entities import link_entity_to_report
from tests.intelligence.helpers import as_user, make_entity, make_report
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


def _search(client, query, **filters):
    params = {"q": query, **filters}
    return client.get(reverse("intelligence:search"), params)


def test_a_term_only_in_a_restricted_report_is_not_found_by_analyst2(world, login):
    hidden = make_report(world, world.restricted, sanitised="Marmalade smuggling at the docks.")
    open_report = make_report(world, world.general, sanitised="Nothing about preserves here.")
    page = _search(login(world.analyst2), "marmalade").context["page"]
    assert page.items == [] and page.total == 0
    page = _search(login(world.analyst), "marmalade").context["page"]
    assert [r.pk for r in page.items] == [hidden.pk]
    assert open_report.pk not in [r.pk for r in page.items]


def test_every_search_writes_a_search_event_with_query_and_count(world, login):
    make_report(world, sanitised="Quadbike thefts in Knowle.")
    make_report(world, sanitised="Another quadbike seen in Knowle.")
    _search(login(world.analyst), "quadbike", grading_scheme="3x5x2")
    event = AuditEvent.objects.filter(action="search", actor=world.analyst).earliest("id")
    assert event.details["query"] == "quadbike"
    assert event.details["count"] == 2
    assert event.details["filters"] == {"grading_scheme": "3x5x2"}
    assert event.justification == "OP-TEST page test"


def test_search_reads_sanitised_text_never_the_original(world, login):
    make_report(world, text="Informant Zebedee says so.", sanitised="A person says so.")
    assert _search(login(world.analyst), "Zebedee").context["page"].total == 0


def test_search_finds_reports_by_a_linked_entitys_name_and_identifier(world, login):
    report = make_report(world, sanitised="A dealer operates from a flat.")
    entity = make_entity(world, name="Wilhelmina Crabtree", identifiers=[("phone", "07700 900123")])
    with as_user(world.analyst):
        link_entity_to_report(report, entity, actor=world.analyst, subject_category="suspect")
    client = login(world.analyst)
    response = _search(client, "Crabtree")
    assert [r.pk for r in response.context["page"].items] == [report.pk]
    assert entity in response.context["entities"]
    assert [r.pk for r in _search(client, "900123").context["page"].items] == [report.pk]


def test_search_filters_narrow_the_results(world, login):
    a = make_report(world, sanitised="Cannabis farm on Wells Road.")
    make_report(
        world,
        sanitised="Cannabis smell on Bath Road.",
        grading_scheme="4x4",
        source_evaluation="B",
        intelligence_assessment="2",
        handling_code="H0",
    )
    client = login(world.analyst)
    page = _search(client, "cannabis", grading_scheme="3x5x2", handling_code="P").context["page"]
    assert [r.pk for r in page.items] == [a.pk]
    page = _search(client, "cannabis", compartment="restricted").context["page"]
    assert page.items == []


def test_search_results_page_with_a_cursor(world, login):
    for n in range(30):
        make_report(world, sanitised=f"Scooter theft number {n}.")
    client = login(world.analyst)
    first = _search(client, "scooter").context["page"]
    assert len(first.items) == 25 and first.next_cursor and first.total == 30
    second = _search(client, "scooter", cursor=first.next_cursor).context["page"]
    assert len(second.items) == 5
    assert not {r.pk for r in first.items} & {r.pk for r in second.items}


def test_the_api_q_parameter_searches_within_the_callers_compartments(world):
    hidden = make_report(world, world.restricted, sanitised="Blowtorch used on cash machine.")
    response = api_client(world.analyst2).get(reverse("report-list"), {"q": "blowtorch"})
    assert response.status_code == 200 and response.json()["results"] == []
    response = api_client(world.analyst).get(reverse("report-list"), {"q": "blowtorch"})
    assert [r["id"] for r in response.json()["results"]] == [hidden.pk]
    event = AuditEvent.objects.filter(action="search", actor=world.analyst).latest("id")
    assert event.details["query"] == "blowtorch" and event.details["count"] == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL full-text search")
def test_on_postgresql_a_stored_tsvector_with_a_gin_index_ranks_by_relevance(world, login):
    from intelligence.models import Report

    strong = make_report(world, sanitised="Moped moped moped gang, mopeds everywhere.")
    weak = make_report(world, sanitised="One moped seen.")  # newer, but less relevant
    assert Report.objects.filter(pk=strong.pk, search_vector__isnull=False).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'intel_report_search_gin'"
        )
        assert "gin" in cursor.fetchone()[0].lower()
    page = _search(login(world.analyst), "moped").context["page"]
    assert [r.pk for r in page.items] == [strong.pk, weak.pk]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL full-text search")
@pytest.mark.parametrize("text_first", [True, False])
def test_a_rare_term_read_from_the_text_index_first_answers_as_the_newest_first_walk(
    world, login, monkeypatch, text_first
):
    """Whether the planner is steered to the text index (a term it expects to be rare) or
    walks the reports newest first, the same reports come back, restricted to the caller,
    page after page."""
    from intelligence import selectors

    monkeypatch.setattr(selectors, "SEARCH_TEXT_FIRST", 10**9 if text_first else -1)
    hidden = make_report(world, world.restricted, sanitised="Trebuchet parts at the docks.")
    seen = [make_report(world, sanitised=f"Trebuchet sighting {n}.") for n in range(3)]
    make_report(world, sanitised="Nothing to do with siege engines.")
    for user, expected in ((world.analyst2, seen), (world.analyst, [*seen, hidden])):
        client = api_client(user)
        ids, url, params = [], reverse("report-list"), {"q": "trebuchet", "page_size": 2}
        while url:
            body = client.get(url, params).json()
            ids += [r["id"] for r in body["results"]]
            url, params = body["next"], None
        assert ids == sorted((r.pk for r in expected), reverse=True)
        page = _search(login(user), "trebuchet").context["page"]
        assert sorted(r.pk for r in page.items) == sorted(r.pk for r in expected)
    sql = str(
        selectors.filter_matching(
            selectors.Report.objects.visible_to(world.analyst2), "trebuchet"
        ).query
    )
    assert ("= ANY(ARRAY(" in sql) is text_first
