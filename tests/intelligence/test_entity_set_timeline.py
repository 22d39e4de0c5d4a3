"""The timeline of a set of entities (issue 16, "Timelines"): ``GET /api/v1/entities/timeline/``
and the page ``intelligence:entity_set_timeline`` (``intelligence.graph.entity_set_timeline``).

The records every test reads (``general`` unless marked; ``R`` is an entity of ``restricted``)::

    report "both" (2024-03-01) names A and B      link 1: A -- B
    report "other" (2024-04-01) names C           link 2: B -- C
    report "secret" (restricted, 2024-03-02)      link 3: A -- R (general, to a restricted end)
        names A

``analyst`` holds both compartments; ``analyst2`` holds ``general`` only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.choices import Action
from audit.models import AuditEvent
from intelligence import graph
from intelligence.services.entities import create_link, link_entity_to_report
from tests.intelligence.helpers import as_user, make_entity, make_report
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db

HIDDEN = "ZZHIDDEN"
API = reverse("entity-set-timeline")
PAGE = reverse("intelligence:entity_set_timeline")
MISSING = 987_654_321


def _link(world, one, two, compartment=None):
    with as_user(world.analyst):
        return create_link(
            actor=world.analyst,
            from_entity=one,
            to_entity=two,
            kind="associate",
            strength="confirmed",
            compartment=compartment,
        )


def _mention(world, report, entity, category="suspect"):
    with as_user(world.analyst):
        link_entity_to_report(report, entity, actor=world.analyst, subject_category=category)


@pytest.fixture
def records(world):
    e = {name: make_entity(world, name=f"{name}lpha Person {name}") for name in "ABC"}
    e["R"] = make_entity(world, world.restricted, name=f"Hidden Person {HIDDEN}")
    occurred = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
    reports = {
        "both": make_report(world, occurred_at=occurred),
        "other": make_report(world, occurred_at=occurred + dt.timedelta(days=31)),
        "secret": make_report(world, world.restricted, occurred_at=occurred + dt.timedelta(1)),
    }
    _mention(world, reports["both"], e["A"])
    _mention(world, reports["both"], e["B"], "witness")
    _mention(world, reports["other"], e["C"])
    _mention(world, reports["secret"], e["A"])
    links = {
        1: _link(world, e["A"], e["B"]),
        2: _link(world, e["B"], e["C"]),
        3: _link(world, e["A"], e["R"], compartment=world.general),
    }
    return {"world": world, "e": e, "reports": reports, "links": links}


def _ids(records, names):
    return ",".join(str(records["e"][n].pk) for n in names)


def _api(user, ids, **params):
    return api_client(user).get(API, {"ids": ids, **params})


def _last_event() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _got(body):
    return [(i["kind"], i["object_id"], i["entities"]) for i in body["results"]]


# --- The API --------------------------------------------------------------------------------------


def test_the_items_of_the_set_are_merged_once_each_naming_the_entities_they_concern(records):
    world, e, links, reports = records["world"], records["e"], records["links"], records["reports"]
    a, b = e["A"].pk, e["B"].pk
    response = _api(world.analyst2, _ids(records, "AB"))
    assert response.status_code == 200, response.content
    body = response.json()
    # Links are newest (made today), then the report naming both entities, once.
    assert _got(body) == [
        ("link", links[2].pk, [b]),
        ("link", links[1].pk, sorted([a, b])),
        ("report", reports["both"].pk, sorted([a, b])),
    ]
    assert body["truncated"] is False
    assert [x["id"] for x in body["entities"]] == [a, b]
    assert body["results"][-1]["title"] == reports["both"].urn
    title = f"{e['A'].name} – associate of – {e['B'].name} (confirmed)"
    assert body["results"][1]["title"] == title
    text = response.content.decode()
    assert HIDDEN not in text and reports["secret"].urn not in text
    assert reports["other"].urn not in text


def test_a_reader_of_both_compartments_sees_the_restricted_report_and_link(records):
    world, e, links, reports = records["world"], records["e"], records["links"], records["reports"]
    body = _api(world.analyst, _ids(records, "AB")).json()
    got = {(i["kind"], i["object_id"]) for i in body["results"]}
    assert ("report", reports["secret"].pk) in got
    assert ("link", links[3].pk) in got
    at = [i["at"] for i in body["results"]]
    assert at == sorted(at, reverse=True)
    # The link to R concerns A only: R is not in the set.
    three = next(i for i in body["results"] if i["object_id"] == links[3].pk)
    assert three["entities"] == [e["A"].pk]


def test_the_timeline_filters_by_kind_and_period(records):
    world, reports = records["world"], records["reports"]
    ids = _ids(records, "ABC")
    only_reports = _api(world.analyst2, ids, kind="report").json()
    assert [i["object_id"] for i in only_reports["results"]] == [
        reports["other"].pk,
        reports["both"].pk,
    ]
    only_links = _api(world.analyst2, ids, kind="link").json()
    assert {i["kind"] for i in only_links["results"]} == {"link"}
    march = _api(world.analyst2, ids, **{"from": "2024-03-01", "to": "2024-03-31"}).json()
    assert [i["object_id"] for i in march["results"]] == [reports["both"].pk]
    capped = _api(world.analyst2, ids, limit=2).json()
    assert len(capped["results"]) == 2 and capped["truncated"] is True


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"ids": ""}, "ids"),
        ({"ids": "one"}, "ids"),
        ({"ids": ",".join(str(n) for n in range(1, 102))}, "ids"),
        ({"kind": "incident"}, "kind"),
        ({"from": "2024-13-01"}, "from"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_bad_parameters_answer_400_naming_them(records, params, name):
    query = {"ids": _ids(records, "A"), **params}
    response = api_client(records["world"].analyst2).get(API, query)
    assert response.status_code == 400, response.content
    assert list(response.json()) == [name]


def test_a_hidden_id_is_answered_exactly_like_a_missing_one(records):
    world, e = records["world"], records["e"]
    before = _last_event()
    hidden = _api(world.analyst2, f"{e['A'].pk},{e['R'].pk}")
    missing = _api(world.analyst2, f"{e['A'].pk},{MISSING}")
    assert hidden.status_code == missing.status_code == 400
    assert list(hidden.json()) == list(missing.json()) == ["ids"]
    message = hidden.json()["ids"][0]
    assert message.replace(str(e["R"].pk), "N") == missing.json()["ids"][0].replace(
        str(MISSING), "N"
    )
    assert HIDDEN not in hidden.content.decode()
    events = list(AuditEvent.objects.filter(pk__gt=before).order_by("id"))
    # No consultation, and each refusal is in the log for oversight.
    assert [ev.action for ev in events] == [Action.DENIED, Action.DENIED]
    assert [ev.object_id for ev in events] == [str(e["R"].pk), str(MISSING)]
    # The reader of both compartments is served the same set.
    assert _api(world.analyst, f"{e['A'].pk},{e['R'].pk}").status_code == 200


def test_reading_the_timeline_is_one_view_event_listing_the_items(records):
    world, e, links, reports = records["world"], records["e"], records["links"], records["reports"]
    before = _last_event()
    body = _api(world.analyst2, _ids(records, "AB")).json()
    events = list(AuditEvent.objects.filter(pk__gt=before).order_by("id"))
    assert [ev.action for ev in events] == [Action.VIEW]
    event = events[0]
    assert event.object_type == "intelligence.entity"
    assert event.details["ids"] == [str(e["A"].pk), str(e["B"].pk)]
    assert event.details["count"] == len(body["results"]) == 3
    assert event.details["reports"] == [reports["both"].pk]
    assert sorted(event.details["links"]) == sorted([links[1].pk, links[2].pk])
    assert event.details["view"] == "entity set timeline"
    assert "lpha Person" not in json.dumps(event.details) + event.object_repr


def _queries(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_entities_or_the_items(world):
    def build(n):
        entities = [make_entity(world, name=f"Set {n} person {i}") for i in range(n)]
        for i, entity in enumerate(entities):
            report = make_report(world)
            _mention(world, report, entity)
            if i:
                _mention(world, report, entities[i - 1])
                _link(world, entities[i - 1], entity)
        return [x.pk for x in entities]

    small, large = build(2), build(25)
    user = world.analyst2

    def read(ids):
        entities = graph.entity_set(user, ",".join(map(str, ids)))
        return graph.entity_set_timeline(user, [x["id"] for x in entities])

    read(small)  # the role's permissions, cached on the person
    few, many = _queries(lambda: read(small)), _queries(lambda: read(large))
    # The set, the reports, the mentions tying them to the set, the links.
    assert few == many == 4
    assert len(graph.entity_set_timeline(user, large).items) == 25 + 24

    client = api_client(user)
    client.get(API, {"ids": small[0]})  # the token and session warm up
    few = _queries(lambda: client.get(API, {"ids": ",".join(map(str, small))}))
    many = _queries(lambda: client.get(API, {"ids": ",".join(map(str, large))}))
    assert few == many


# --- The page -------------------------------------------------------------------------------------


def test_the_page_takes_ticked_ids_filters_and_shows_who_each_item_concerns(records, login):
    world, e, reports = records["world"], records["e"], records["reports"]
    client = login(world.analyst2)
    ticked = client.get(PAGE, {"ids": [e["A"].pk, e["B"].pk]})
    assert ticked.status_code == 200
    items = ticked.context["timeline"]
    assert len(items) == 3
    report = items[-1]
    assert report["object_id"] == reports["both"].pk
    assert [c["name"] for c in report["concerns"]] == [e["A"].name, e["B"].name]
    assert report["url"] == reverse("intelligence:report_detail", args=[reports["both"].pk])
    html = ticked.content.decode()
    assert reports["both"].urn in html and HIDDEN not in html
    only_links = client.get(PAGE, {"ids": _ids(records, "AB"), "kind": "link"})
    assert {i["kind"] for i in only_links.context["timeline"]} == {"link"}
    march = client.get(PAGE, {"ids": _ids(records, "AB"), "until": "2024-12-31"})
    assert [i["object_id"] for i in march.context["timeline"]] == [reports["both"].pk]
    backwards = client.get(
        PAGE, {"ids": _ids(records, "AB"), "since": "2024-03-02", "until": "2024-03-01"}
    )
    assert "until" in backwards.context["form"].errors


def test_the_page_refuses_a_hidden_id_as_a_missing_one_and_consults_nothing(records, login):
    world, e = records["world"], records["e"]
    client = login(world.analyst2)
    before = _last_event()
    hidden = client.get(PAGE, {"ids": f"{e['A'].pk},{e['R'].pk}"})
    missing = client.get(PAGE, {"ids": f"{e['A'].pk},{MISSING}"})
    assert hidden.context["timeline"] is None and missing.context["timeline"] is None
    assert hidden.context["form"].errors["ids"][0].replace(str(e["R"].pk), "N") == (
        missing.context["form"].errors["ids"][0].replace(str(MISSING), "N")
    )
    assert HIDDEN not in hidden.content.decode()
    actions = list(AuditEvent.objects.filter(pk__gt=before).values_list("action", flat=True))
    assert Action.VIEW not in actions and Action.DENIED in actions


def test_the_csv_export_is_audited_and_neutralises_formulas(records, login):
    world, e = records["world"], records["e"]
    formula = make_entity(world, name="=HYPERLINK(evil)")
    _link(world, formula, e["A"])
    client = login(world.analyst2)
    export = client.get(PAGE, {"ids": f"{e['A'].pk},{formula.pk}", "kind": "link", "format": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0] == ["When", "Kind", "What", "Entities", "Record type", "Record id"]
    assert len(rows) == 1 + 2  # the link to the formula and A -- B; not the one to R
    newest = rows[1]
    assert newest[2].startswith("'=HYPERLINK(evil) – associate of – ")
    assert {row[4] for row in rows[1:]} == {"intelligence.link"}
    assert HIDDEN not in json.dumps(rows)
    event = AuditEvent.objects.filter(action=Action.EXPORT).latest("id")
    assert event.object_type == "intelligence.entity"
    assert event.details["count"] == 2 and event.details["format"] == "csv"
    assert sorted(event.details["ids"]) == sorted([str(e["A"].pk), str(formula.pk)])


def test_the_entity_list_offers_ticking_entities_for_a_timeline(records, login):
    client = login(records["world"].analyst2)
    html = client.get(reverse("intelligence:entity_list")).content.decode()
    assert 'id="entity-set-timeline"' in html
    assert f'name="ids" value="{records["e"]["A"].pk}" form="entity-set-timeline"' in html


def test_a_link_chart_links_to_the_timeline_of_the_entities_it_shows_the_reader(records, login):
    from operations import charts, services

    world, e = records["world"], records["e"]
    with as_user(world.analyst):
        operation = services.open_operation(
            actor=world.analyst,
            data={"name": "Set", "reference": "OP-SET-1", "compartment": world.general},
        )
        chart = charts.create_chart(
            actor=world.analyst,
            operation=operation,
            title="Set",
            nodes=[{"id": e[n].pk, "x": 0, "y": 0} for n in "ABR"],
        )
    page = login(world.analyst2).get(reverse("operations:chart", args=[chart.pk]))
    assert page.status_code == 200
    # The restricted entity is not drawn for this reader, so not in the link either.
    assert f"{PAGE}?ids={e['A'].pk},{e['B'].pk}" in page.content.decode().replace("&amp;", "&")
