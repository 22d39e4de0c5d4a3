"""The workbench's graph reads: an entity's timeline, its neighbourhood and the shortest paths
between two entities (``intelligence/graph.py``, ``intelligence/api/graph.py``).

The chart every test reads (``general`` unless marked; ``R`` is an entity of ``restricted``)::

    A --1-- B --2-- C --3-- D        6: A -- R (a link of general to a restricted entity)
    |               |                7: R -- E (restricted)
    +--4--  F --5---+                8: B -- D (a restricted link between general entities)

``analyst`` holds both compartments and sees all of it; ``analyst2`` holds ``general`` only:
for it R, links 6, 7 and 8 do not exist, and E has no link at all.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from intelligence import graph
from intelligence.services.entities import create_link, link_entity_to_report
from tests.intelligence.helpers import as_user, make_entity, make_report
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db

HIDDEN = "ZZHIDDEN"
NEIGHBOURS = reverse("graph-neighbours")
PATH = reverse("graph-path")


def _link(world, one, two, compartment=None, kind="associate", strength="confirmed"):
    with as_user(world.analyst):
        return create_link(
            actor=world.analyst,
            from_entity=one,
            to_entity=two,
            kind=kind,
            strength=strength,
            compartment=compartment,
        )


@pytest.fixture
def chart(world):
    e = {
        name: make_entity(world, name=f"{name}lpha Person {name}")
        for name in ("A", "B", "C", "D", "E", "F")
    }
    e["R"] = make_entity(world, world.restricted, name=f"Hidden Person {HIDDEN}")
    links = {
        1: _link(world, e["A"], e["B"]),
        2: _link(world, e["B"], e["C"], kind="family", strength="tentative"),
        3: _link(world, e["C"], e["D"], strength="unconfirmed"),
        4: _link(world, e["A"], e["F"]),
        5: _link(world, e["F"], e["C"]),
        6: _link(world, e["A"], e["R"], compartment=world.general),
        7: _link(world, e["R"], e["E"]),
        8: _link(world, e["B"], e["D"], compartment=world.restricted),
    }
    return {"e": e, "links": links, "world": world}


def _ids(chart, names):
    return sorted(chart["e"][n].pk for n in names)


def _links(chart, numbers):
    return sorted(chart["links"][n].pk for n in numbers)


def _shape(body):
    return sorted(n["id"] for n in body["nodes"]), sorted(e["id"] for e in body["edges"])


def _last_event() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _neighbours(user, entity, depth=None, **extra):
    params = {"entity": entity.pk, **extra}
    if depth is not None:
        params["depth"] = depth
    return api_client(user).get(NEIGHBOURS, params)


# --- Neighbours ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "depth", "names", "links"),
    [
        ("analyst2", 1, "ABF", (1, 4)),
        ("analyst2", 2, "ABCF", (1, 2, 4, 5)),
        ("analyst2", 3, "ABCDF", (1, 2, 3, 4, 5)),
        ("analyst", 1, "ABFR", (1, 4, 6)),
        # Level 2 reaches C, D (by the restricted link 8) and E; link 3 joins C and D, both
        # of the last level.
        ("analyst", 2, "ABCDEFR", (1, 2, 3, 4, 5, 6, 7, 8)),
    ],
)
def test_neighbours_answer_exactly_the_visible_entities_and_links(
    chart, reader, depth, names, links
):
    response = _neighbours(chart["world"].user(reader), chart["e"]["A"], depth)
    assert response.status_code == 200, response.content
    body = response.json()
    assert _shape(body) == (_ids(chart, names), _links(chart, links))
    assert body["truncated"] is False
    if reader == "analyst2":
        assert HIDDEN not in response.content.decode()


def test_a_node_and_an_edge_carry_what_the_chart_needs(chart):
    body = _neighbours(chart["world"].analyst2, chart["e"]["A"], 1).json()
    a, b = chart["e"]["A"], chart["e"]["B"]
    assert body["nodes"][0] == {"id": a.pk, "name": a.name, "kind": "person"}  # the start first
    assert {"id": b.pk, "name": b.name, "kind": "person"} in body["nodes"]
    first = chart["links"][1]
    assert {
        "id": first.pk,
        "source": a.pk,
        "target": b.pk,
        "strength": "confirmed",
        "kind": "associate",
    } in body["edges"]


def test_depth_defaults_to_one(chart):
    response = _neighbours(chart["world"].analyst2, chart["e"]["A"])
    assert _shape(response.json()) == (_ids(chart, "ABF"), _links(chart, (1, 4)))
    response = _neighbours(chart["world"].analyst2, chart["e"]["A"], "")
    assert _shape(response.json()) == (_ids(chart, "ABF"), _links(chart, (1, 4)))


def test_an_entity_with_no_visible_link_is_alone(chart):
    body = _neighbours(chart["world"].analyst2, chart["e"]["E"], 3).json()
    assert _shape(body) == ([chart["e"]["E"].pk], [])


def test_the_node_count_is_capped_and_the_answer_says_truncated(chart, monkeypatch):
    monkeypatch.setattr(graph, "MAX_NODES", 3)
    body = _neighbours(chart["world"].analyst2, chart["e"]["A"], 3).json()
    assert _shape(body) == (_ids(chart, "ABF"), _links(chart, (1, 4)))
    assert body["truncated"] is True


def test_one_query_per_level_whatever_the_size_of_the_chart(chart):
    world = chart["world"]
    a = chart["e"]["A"]

    def count(depth):
        with CaptureQueriesContext(connection) as queries:
            graph.neighbours(world.analyst, a, depth)
        return len(queries)

    # Per level one query, then the links among the last level and the entities themselves.
    assert [count(depth) for depth in (1, 2, 3)] == [3, 4, 4]  # level 3 is empty here
    # Twenty more entities two and three links away: one more level, the same bound.
    for n in range(20):
        extra = make_entity(world, name=f"Extra {n}")
        _link(world, chart["e"]["B" if n % 2 else "C"], extra)
        _link(world, extra, make_entity(world, name=f"Far {n}"))
    assert [count(depth) for depth in (1, 2, 3)] == [3, 4, 5]


# --- Access, parameters, audit -------------------------------------------------------------


def test_an_entity_the_caller_cannot_see_answers_exactly_as_a_missing_one(chart):
    world = chart["world"]
    hidden = _neighbours(world.analyst2, chart["e"]["R"], 1)
    missing = api_client(world.analyst2).get(NEIGHBOURS, {"entity": 987654321})
    huge = api_client(world.analyst2).get(NEIGHBOURS, {"entity": "9" * 30})
    assert hidden.status_code == missing.status_code == huge.status_code == 404
    assert hidden.json() == missing.json() == huge.json()
    denied = AuditEvent.objects.filter(actor=world.analyst2, action="denied").order_by("id")
    assert str(chart["e"]["R"].pk) in [e.object_id for e in denied]
    # The path answers the same for either end.
    for params in (
        {"from": chart["e"]["R"].pk, "to": chart["e"]["A"].pk},
        {"from": chart["e"]["A"].pk, "to": chart["e"]["R"].pk},
        {"from": chart["e"]["A"].pk, "to": 987654321},
    ):
        response = api_client(world.analyst2).get(PATH, params)
        assert response.status_code == 404
        assert response.json() == missing.json()


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, ["entity"]),
        ({"entity": ""}, ["entity"]),
        ({"entity": "abc"}, ["entity"]),
        ({"entity": "1.5"}, ["entity"]),
        ({"entity": "{a}", "depth": "4"}, ["depth"]),
        ({"entity": "{a}", "depth": "0"}, ["depth"]),
        ({"entity": "{a}", "depth": "two"}, ["depth"]),
        ({"entity": "{a}", "depth": "-1"}, ["depth"]),
    ],
)
def test_bad_neighbours_parameters_answer_400_naming_them(chart, params, names):
    params = {k: v.replace("{a}", str(chart["e"]["A"].pk)) for k, v in params.items()}
    response = api_client(chart["world"].analyst).get(NEIGHBOURS, params)
    assert response.status_code == 400
    assert sorted(response.json()) == names


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, ["from", "to"]),
        ({"from": "{a}"}, ["to"]),
        ({"to": "{a}"}, ["from"]),
        ({"from": "x", "to": "{a}"}, ["from"]),
    ],
)
def test_bad_path_parameters_answer_400_naming_them(chart, params, names):
    params = {k: v.replace("{a}", str(chart["e"]["A"].pk)) for k, v in params.items()}
    response = api_client(chart["world"].analyst).get(PATH, params)
    assert response.status_code == 400
    assert sorted(response.json()) == names


def test_anonymous_callers_and_other_roles_are_refused(chart):
    world, a, b = chart["world"], chart["e"]["A"], chart["e"]["B"]
    urls = [
        (NEIGHBOURS, {"entity": a.pk}),
        (PATH, {"from": a.pk, "to": b.pk}),
        (reverse("entity-timeline", args=[a.pk]), {}),
    ]
    for url, params in urls:
        assert api_client().get(url, params).status_code == 401
        for role in ("officer", "handler", "oversight"):
            before = AuditEvent.objects.filter(action="denied").count()
            assert api_client(world.user(role)).get(url, params).status_code == 403, (url, role)
            assert AuditEvent.objects.filter(action="denied").count() == before + 1
        # No justification: 428, and nothing consulted.
        before = AuditEvent.objects.filter(action__in=["view", "search"]).count()
        response = api_client(world.analyst, justification=None).get(url, params)
        assert response.status_code == 428
        assert AuditEvent.objects.filter(action__in=["view", "search"]).count() == before


def test_every_call_is_one_search_event_naming_the_start_and_the_counts_but_no_names(chart):
    world, a = chart["world"], chart["e"]["A"]
    before = _last_event()
    body = _neighbours(world.analyst2, a, 2).json()
    events = list(AuditEvent.objects.filter(pk__gt=before).order_by("id"))
    assert [e.action for e in events] == ["search"]
    event = events[0]
    assert (event.object_type, event.object_id) == ("intelligence.entity", str(a.pk))
    assert event.actor == world.analyst2
    assert event.justification
    assert sorted(int(i) for i in event.details["ids"]) == sorted(n["id"] for n in body["nodes"])
    assert event.details["count"] == len(body["nodes"]) == 4
    assert event.details["edges"] == len(body["edges"]) == 4
    assert event.details["graph"] == "neighbours" and event.details["depth"] == 2
    stored = json.dumps(event.details) + event.object_repr
    assert "lpha Person" not in stored

    before = _last_event()
    api_client(world.analyst2).get(PATH, {"from": a.pk, "to": chart["e"]["D"].pk})
    events = list(AuditEvent.objects.filter(pk__gt=before).order_by("id"))
    assert [e.action for e in events] == ["search"]
    assert events[0].object_id == str(a.pk)
    assert events[0].details["to"] == chart["e"]["D"].pk
    assert events[0].details["length"] == 3
    assert "lpha Person" not in json.dumps(events[0].details) + events[0].object_repr


# --- Paths --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "ends", "length", "names", "links"),
    [
        # Two shortest paths: both, as one graph.
        ("analyst2", "AC", 2, "ABCF", (1, 2, 4, 5)),
        ("analyst2", "AD", 3, "ABCDF", (1, 2, 3, 4, 5)),
        ("analyst2", "DA", 3, "ABCDF", (1, 2, 3, 4, 5)),
        # The restricted link 8 makes it shorter for whoever holds restricted.
        ("analyst", "AD", 2, "ABD", (1, 8)),
        ("analyst", "AE", 2, "AER", (6, 7)),
        ("analyst2", "AB", 1, "AB", (1,)),
        ("analyst2", "AA", 0, "A", ()),
    ],
)
def test_the_shortest_paths_are_found_over_what_the_caller_may_see(
    chart, reader, ends, length, names, links
):
    params = {"from": chart["e"][ends[0]].pk, "to": chart["e"][ends[1]].pk}
    response = api_client(chart["world"].user(reader)).get(PATH, params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["length"] == length
    assert _shape(body) == (_ids(chart, names), _links(chart, links))
    assert body["truncated"] is False


def test_a_path_that_runs_only_through_a_restricted_entity_is_no_path(chart):
    """E is reached only through R: for analyst2 there is no path, and the answer is the same
    as for two entities that are not connected at all."""
    world = chart["world"]
    lonely = make_entity(world, name="Nobody Links Me")
    through = api_client(world.analyst2).get(
        PATH, {"from": chart["e"]["A"].pk, "to": chart["e"]["E"].pk}
    )
    unconnected = api_client(world.analyst2).get(
        PATH, {"from": chart["e"]["A"].pk, "to": lonely.pk}
    )
    assert through.status_code == unconnected.status_code == 200
    expected = {"nodes": [], "edges": [], "truncated": False, "length": None}
    assert through.json() == unconnected.json() == expected
    assert HIDDEN not in through.content.decode()


def test_paths_longer_than_the_limit_are_not_searched(chart, monkeypatch):
    monkeypatch.setattr(graph, "MAX_PATH_LENGTH", 2)
    world = chart["world"]
    body = api_client(world.analyst2).get(
        PATH, {"from": chart["e"]["A"].pk, "to": chart["e"]["D"].pk}
    )
    assert body.json()["length"] is None
    body = api_client(world.analyst2).get(
        PATH, {"from": chart["e"]["A"].pk, "to": chart["e"]["C"].pk}
    )
    assert body.json()["length"] == 2


def test_a_search_that_visits_too_many_entities_stops_and_says_truncated(chart, monkeypatch):
    monkeypatch.setattr(graph, "MAX_VISITED", 3)
    body = (
        api_client(chart["world"].analyst2)
        .get(PATH, {"from": chart["e"]["A"].pk, "to": chart["e"]["D"].pk})
        .json()
    )
    assert body == {"nodes": [], "edges": [], "truncated": True, "length": None}


def test_a_long_chain_is_found_in_one_query_per_level(world):
    chain = [make_entity(world, name=f"Chain {n}") for n in range(8)]
    for one, two in zip(chain, chain[1:], strict=False):
        _link(world, one, two)
    with CaptureQueriesContext(connection) as queries:
        found = graph.shortest_paths(world.analyst2, chain[0], chain[-1])
    assert found.length == 7
    assert [n["id"] for n in found.nodes] == [e.pk for e in chain]
    # Seven levels between the two sides, then the entities.
    assert len(queries) <= 7 + 2


# --- Timeline ------------------------------------------------------------------------------------


@pytest.fixture
def timeline(chart):
    world, a = chart["world"], chart["e"]["A"]
    occurred = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
    general = make_report(world, occurred_at=occurred)
    secret = make_report(world, world.restricted, occurred_at=occurred + dt.timedelta(days=1))
    with as_user(world.analyst):
        link_entity_to_report(general, a, actor=world.analyst, subject_category="suspect")
        link_entity_to_report(secret, a, actor=world.analyst, subject_category="witness")
    return {**chart, "general": general, "secret": secret, "occurred": occurred}


def _timeline(user, entity, **params):
    return api_client(user).get(reverse("entity-timeline", args=[entity.pk]), params)


def test_the_timeline_holds_the_reports_and_links_the_caller_may_see_newest_first(timeline):
    world, a = timeline["world"], timeline["e"]["A"]
    body = _timeline(world.analyst2, a).json()
    assert body["truncated"] is False
    got = [(i["kind"], i["object_type"], i["object_id"]) for i in body["results"]]
    links = timeline["links"]
    assert got == [
        ("link", "intelligence.link", links[4].pk),
        ("link", "intelligence.link", links[1].pk),
        ("report", "intelligence.report", timeline["general"].pk),
    ]
    report = body["results"][-1]
    assert report["title"] == f"{timeline['general'].urn} (Suspect)"
    assert dt.datetime.fromisoformat(report["at"]) == timeline["occurred"]
    assert body["results"][1]["title"] == f"Associate of {timeline['e']['B'].name} (confirmed)"
    text = json.dumps(body)
    assert HIDDEN not in text and timeline["secret"].urn not in text

    everything = _timeline(world.analyst, a).json()["results"]
    ids = {(i["object_type"], i["object_id"]) for i in everything}
    assert ("intelligence.link", links[6].pk) in ids
    assert ("intelligence.report", timeline["secret"].pk) in ids
    assert [i["at"] for i in everything] == sorted((i["at"] for i in everything), reverse=True)


def test_the_timeline_filters_by_date(timeline):
    world, a = timeline["world"], timeline["e"]["A"]
    old = _timeline(world.analyst2, a, to="2024-12-31").json()["results"]
    assert [i["kind"] for i in old] == ["report"]
    day = _timeline(world.analyst2, a, **{"from": "2024-03-01", "to": "2024-03-01"}).json()
    assert [i["object_id"] for i in day["results"]] == [timeline["general"].pk]
    recent = _timeline(world.analyst2, a, **{"from": "2025-01-01T00:00:00Z"}).json()
    assert [i["kind"] for i in recent["results"]] == ["link", "link"]
    assert _timeline(world.analyst2, a, **{"from": "", "to": ""}).json()["results"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"from": "2024-13-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2024-02-30"}, "to"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "2024-03-02", "to": "2024-03-01"}, "to"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_bad_timeline_parameters_answer_400_naming_them(timeline, params, name):
    response = _timeline(timeline["world"].analyst, timeline["e"]["A"], **params)
    assert response.status_code == 400, response.content
    assert list(response.json()) == [name]


def test_the_timeline_is_capped_and_says_truncated(timeline):
    body = _timeline(timeline["world"].analyst2, timeline["e"]["A"], limit=2).json()
    assert len(body["results"]) == 2 and body["truncated"] is True


def test_the_timeline_of_an_invisible_entity_is_404_and_its_reading_is_one_view_event(
    timeline,
):
    world, a = timeline["world"], timeline["e"]["A"]
    hidden = _timeline(world.analyst2, timeline["e"]["R"])
    missing = api_client(world.analyst2).get(reverse("entity-timeline", args=[987654321]))
    huge = api_client(world.analyst2).get(f"/api/v1/entities/{'9' * 30}/timeline/")
    assert hidden.status_code == missing.status_code == huge.status_code == 404
    assert hidden.json() == missing.json()

    before = _last_event()
    body = _timeline(world.analyst2, a).json()
    events = list(AuditEvent.objects.filter(pk__gt=before).order_by("id"))
    assert [e.action for e in events] == ["view"]
    event = events[0]
    assert (event.object_type, event.object_id) == ("intelligence.entity", str(a.pk))
    assert event.details["count"] == len(body["results"]) == 3
    assert event.details["reports"] == [timeline["general"].pk]
    assert sorted(event.details["links"]) == _links(timeline, (1, 4))
    assert "lpha Person" not in json.dumps(event.details) + event.object_repr


def test_an_outsider_reads_nothing_of_the_restricted_side_anywhere(chart):
    """``analyst2`` asks every graph question about every general entity: no answer names or
    counts anything of ``restricted``."""
    world = chart["world"]
    general = [e for name, e in chart["e"].items() if name != "R"]
    hidden_links = {chart["links"][n].pk for n in (6, 7, 8)}
    client = api_client(world.analyst2)
    for entity in general:
        for depth in (1, 2, 3):
            body = client.get(NEIGHBOURS, {"entity": entity.pk, "depth": depth}).json()
            assert chart["e"]["R"].pk not in {n["id"] for n in body["nodes"]}
            assert not hidden_links & {e["id"] for e in body["edges"]}
        timeline = client.get(reverse("entity-timeline", args=[entity.pk])).content.decode()
        assert HIDDEN not in timeline
        for other in general:
            response = client.get(PATH, {"from": entity.pk, "to": other.pk})
            assert HIDDEN not in response.content.decode()
            assert not hidden_links & {e["id"] for e in response.json()["edges"]}


def test_the_timeline_of_an_entity_without_reports_or_links_is_empty(world):
    lonely = make_entity(world, name="Quiet Person")
    body = _timeline(world.analyst2, lonely).json()
    assert body == {"results": [], "truncated": False}
