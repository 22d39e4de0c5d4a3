"""The link-chart workspace's remainders (issue 16): filters by date and compartment applied to
the exports, starting from a search or from the operation's entities, the SVG and CSV exports;
the reference rule through each (an entity, link or compartment the reader may not see appears
in no export, no filter choice and no search result, and its id answers like a missing one),
and the audit event of each step."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.choices import Action
from audit.models import AuditEvent
from intelligence.models import Link
from intelligence.services.entities import create_link
from operations import charts, services
from operations.models import Chart
from tests.intelligence.helpers import as_user, make_entity
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db

HIDDEN_NAME = "Marta Quillfeather"
SVG = "{http://www.w3.org/2000/svg}"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
OLD_DAY = dt.date(2024, 3, 1)


def _link(world, one, two, kind, strength):
    with as_user(world.analyst):
        return create_link(
            actor=world.analyst,
            from_entity=one,
            to_entity=two,
            kind=kind,
            strength=strength,
            note="",
        )


@pytest.fixture
def setup(world):
    """An operation of ``general`` gathering Alan (person), Bob (vehicle), Carol (person) of
    ``general`` and Marta (restricted). Alan uses Bob (confirmed, today), Carol is Alan's
    associate (tentative, recorded on OLD_DAY), Marta is Alan's family (unconfirmed). A chart
    places all four: the analyst sees everything, analyst2 (no ``restricted``) not Marta nor
    her link."""
    with as_user(world.analyst):
        operation = services.open_operation(
            actor=world.analyst,
            data={"name": "Nightjar", "reference": "OP-W-1", "compartment": world.general},
        )
    alan = make_entity(world, world.general, name="Alan Smith")
    bob = make_entity(world, world.general, name="Bob Jones", kind="vehicle")
    carol = make_entity(world, world.general, name="Carol White")
    marta = make_entity(world, world.restricted, name=HIDDEN_NAME)
    uses = _link(world, alan, bob, "uses", "confirmed")
    associate = _link(world, carol, alan, "associate", "tentative")
    family = _link(world, marta, alan, "family", "unconfirmed")
    old = timezone.make_aware(dt.datetime.combine(OLD_DAY, dt.time(12)))
    Link.objects.filter(pk=associate.pk).update(created_at=old)
    with as_user(world.analyst):
        services.gather(
            operation, actor=world.analyst, kind="entities", records=[alan, bob, carol, marta]
        )
        chart = charts.create_chart(
            actor=world.analyst,
            operation=operation,
            title="Supply",
            nodes=[
                {"id": alan.pk, "x": 0, "y": 0},
                {"id": bob.pk, "x": 200, "y": 0},
                {"id": carol.pk, "x": 0, "y": 200},
                {"id": marta.pk, "x": -200, "y": 0},
            ],
        )
    return {
        "operation": operation,
        "chart": chart,
        "alan": alan,
        "bob": bob,
        "carol": carol,
        "marta": marta,
        "uses": uses,
        "associate": associate,
        "family": family,
    }


def _graphml(content: bytes) -> tuple[set[str], set[str]]:
    tree = ET.fromstring(content)
    nodes = {n.get("id") for n in tree.iter(f"{GRAPHML}node")}
    edges = {e.get("id") for e in tree.iter(f"{GRAPHML}edge")}
    return nodes, edges


def _csvs(content: bytes) -> tuple[list[dict], list[dict]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]
        return tuple(  # type: ignore[return-value]
            list(csv.DictReader(io.StringIO(archive.read(name).decode())))
            for name in ("nodes.csv", "edges.csv")
        )


def _last_export():
    return (
        AuditEvent.objects.filter(action=Action.EXPORT, object_type="operations.chart")
        .order_by("id")
        .last()
    )


# --- Filters ----------------------------------------------------------------------------------


def test_each_filter_narrows_every_export_to_what_the_page_would_show(world, setup):
    client = api_client(world.analyst)
    url = f"/api/v1/charts/{setup['chart'].pk}/graphml/"
    n = {name: f"n{setup[name].pk}" for name in ("alan", "bob", "carol", "marta")}
    e = {name: f"e{setup[name].pk}" for name in ("uses", "associate", "family")}

    everything = _graphml(client.get(url).content)
    assert everything == (set(n.values()), set(e.values()))

    cases = [
        # An entity kind hidden takes its links along.
        ({"entity_kind": "person"}, {"alan", "carol", "marta"}, {"associate", "family"}),
        ({"link_kind": "uses,family"}, set(n), {"uses", "family"}),
        ({"strength": ["confirmed", "tentative"]}, set(n), {"uses", "associate"}),
        ({"compartment": "general"}, {"alan", "bob", "carol"}, {"uses", "associate"}),
        # The day a link was recorded: Carol's link is old, the others were recorded today.
        ({"until": "2024-03-01"}, set(n), {"associate"}),
        ({"since": "2024-03-02"}, set(n), {"uses", "family"}),
        ({"since": "2024-03-01", "until": "2024-03-01"}, set(n), {"associate"}),
        # Present but empty: none of them.
        ({"entity_kind": ""}, set(), set()),
    ]
    for params, nodes, edges in cases:
        answer = client.get(url, params)
        assert answer.status_code == 200, (params, answer.content)
        assert _graphml(answer.content) == ({n[k] for k in nodes}, {e[k] for k in edges}), params
        event = _last_export()
        assert set(event.details["ids"]) == {str(setup[k].pk) for k in nodes}
        assert sorted(event.details["links"]) == sorted(setup[k].pk for k in edges)
        assert event.details["filters"], params

    # The SVG and the CSV read the same filters.
    nodes, edges = _csvs(
        client.get(
            f"/api/v1/charts/{setup['chart'].pk}/csv/",
            {"entity_kind": "person", "since": "2024-03-02"},
        ).content
    )
    assert {row["name"] for row in nodes} == {"Alan Smith", "Carol White", HIDDEN_NAME}
    assert [row["id"] for row in edges] == [str(setup["family"].pk)]
    picture = client.get(f"/api/v1/charts/{setup['chart'].pk}/svg/", {"compartment": "general"})
    assert HIDDEN_NAME not in picture.content.decode()
    assert "Bob Jones" in picture.content.decode()
    assert _last_export().details["filters"] == {"compartment": ["general"]}


def test_bad_filters_name_the_parameter_and_export_nothing(world, setup):
    client = api_client(world.analyst)
    url = f"/api/v1/charts/{setup['chart'].pk}/svg/"
    for params, field in [
        ({"entity_kind": "spaceship"}, "entity_kind"),
        ({"link_kind": "person"}, "link_kind"),
        ({"strength": "strong"}, "strength"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2024-02-30"}, "until"),
        ({"since": "2024-03-02", "until": "2024-03-01"}, "until"),
    ]:
        answer = client.get(url, params)
        assert answer.status_code == 400, (params, answer.content)
        assert list(answer.json()) == [field], answer.json()
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_a_compartment_the_reader_does_not_hold_answers_as_a_missing_one(world, setup, login):
    """Named in a filter, ``restricted`` is refused in the very words used for a compartment
    that does not exist (and the refusal of an existing one is logged)."""
    client = api_client(world.analyst2)
    url = f"/api/v1/charts/{setup['chart'].pk}/csv/"
    hidden = client.get(url, {"compartment": "restricted"})
    missing = client.get(url, {"compartment": "nosuch"})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["compartment"][0].replace("restricted", "X") == missing.json()[
        "compartment"
    ][0].replace("nosuch", "X")
    denied = AuditEvent.objects.filter(action=Action.DENIED, object_type="accounts.compartment")
    assert [event.object_id for event in denied] == ["restricted"]
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()

    page = login(world.analyst2)
    address = reverse("operations:chart_svg", args=[setup["chart"].pk])
    on_page = page.get(address, {"compartment": "restricted"})
    absent = page.get(address, {"compartment": "nosuch"})
    assert on_page.status_code == absent.status_code == 400
    assert on_page.content.decode().replace("restricted", "X") == absent.content.decode().replace(
        "nosuch", "X"
    )


def test_the_page_offers_only_the_compartments_the_reader_holds(world, setup, login):
    html = login(world.analyst2).get(setup["chart"].get_absolute_url()).content.decode()
    assert 'id="filter-compartment-general"' in html
    assert "filter-compartment-restricted" not in html
    assert HIDDEN_NAME not in html
    # The date filter says which date it reads.
    # A text box in the language's shape (not the browser's date box, in the browser's locale).
    assert 'type="text" inputmode="numeric" placeholder="DD/MM/YYYY"' in html
    assert 'type="date"' not in html and "the day the link was recorded" in html
    data = json.loads(html.split('id="link-chart-data" type="application/json">')[1].split("<")[0])
    assert data["date_shape"] == "%d/%m/%Y"
    assert {node["compartment"] for node in data["nodes"]} == {"general"}
    assert {edge["recorded"] for edge in data["edges"]} >= {OLD_DAY.isoformat()}
    assert "restricted" not in json.dumps(data)

    html = login(world.analyst).get(setup["chart"].get_absolute_url()).content.decode()
    assert 'id="filter-compartment-restricted"' in html
    for tool in ('id="chart-search"', 'id="chart-operation"', 'id="chart-svg"', 'id="chart-csv"'):
        assert tool in html
    assert "style=" not in html.split("<main", 1)[-1]


# --- SVG and CSV ------------------------------------------------------------------------------


def test_the_svg_draws_kinds_labels_and_strengths_from_the_saved_chart(world, setup):
    answer = api_client(world.analyst).get(f"/api/v1/charts/{setup['chart'].pk}/svg/")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("image/svg+xml")
    assert "attachment" in answer["Content-Disposition"] and answer["Cache-Control"] == "no-store"
    tree = ET.fromstring(answer.content)
    assert tree.tag == f"{SVG}svg"
    assert "Supply (OP-W-1)" in tree.find(f"{SVG}title").text
    entities = tree.find(f".//{SVG}g[@class='entities']")
    names = [g.find(f"{SVG}text").text for g in entities]
    assert names == ["Alan Smith", "Bob Jones", "Carol White", HIDDEN_NAME]
    shapes = {g.find(f"{SVG}text").text: g[1].tag.replace(SVG, "") for g in entities}
    # People are circles, a vehicle a triangle (the page's shapes).
    assert shapes == {
        "Alan Smith": "circle",
        "Bob Jones": "polygon",
        "Carol White": "circle",
        HIDDEN_NAME: "circle",
    }
    lines = {}
    for g in tree.find(f".//{SVG}g[@class='links']"):
        line = g.find(f"{SVG}line")
        lines[g.find(f"{SVG}text").text] = (
            line.get("stroke-width"),
            line.get("stroke-dasharray"),
            line.get("marker-end"),
        )
    # Each link labelled by its kind; solid confirmed, dashed tentative, dotted unconfirmed.
    assert lines == {
        "Uses": ("3", None, "url(#arrow)"),
        "Associate of": ("2", "8 5", "url(#arrow)"),
        "Family of": ("1.5", "2 4", "url(#arrow)"),
    }
    legend = [t.text for t in tree.find(f".//{SVG}g[@class='legend']").iter(f"{SVG}text")]
    assert "Person" in legend and "Tentative" in legend
    # Placed where the chart has them: Bob 200 units right of Alan.
    circles = {g.find(f"{SVG}text").text: g[1] for g in entities}
    assert float(circles["Alan Smith"].get("cx")) == 0.0

    event = _last_export()
    assert event.details["format"] == "svg" and event.details["via"] == "api"
    assert event.details["count"] == 4


def test_the_svg_and_csv_of_an_outsider_hold_nothing_of_a_hidden_entity(world, setup, login):
    outsider = api_client(world.analyst2)
    chart = setup["chart"]
    marta, family = setup["marta"], setup["family"]
    for fmt in ("svg", "csv", "graphml"):
        answer = outsider.get(f"/api/v1/charts/{chart.pk}/{fmt}/")
        assert answer.status_code == 200
        if fmt == "csv":
            nodes, edges = _csvs(answer.content)
            assert {row["id"] for row in nodes} == {
                str(setup[k].pk) for k in ("alan", "bob", "carol")
            }
            assert str(marta.pk) not in {row["source"] for row in edges} | {
                row["target"] for row in edges
            }
            assert str(family.pk) not in {row["id"] for row in edges}
            text = answer.content
        else:
            text = answer.content
            assert HIDDEN_NAME.encode() not in text
            # Nor the kind of her link (as a label in the SVG, as a value in GraphML).
            assert b">Family of<" not in text and b">family<" not in text
        event = _last_export()
        assert str(marta.pk) not in event.details["ids"] and family.pk not in event.details["links"]

    client = login(world.analyst2)
    for name in ("operations:chart_svg", "operations:chart_csv"):
        download = client.get(reverse(name, args=[chart.pk]))
        assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
        body = download.content
        if name.endswith("csv"):
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                body = b"".join(archive.read(n) for n in archive.namelist())
        assert HIDDEN_NAME.encode() not in body
        assert _last_export().details["via"] == "page"


def test_the_csv_holds_nodes_and_edges_and_is_safe_to_open_in_a_spreadsheet(world, setup):
    formula = make_entity(world, world.general, name='=HYPERLINK("http://x.example","open")')
    _link(world, formula, setup["alan"], "associate", "confirmed")
    with as_user(world.analyst):
        charts.update_chart(
            setup["chart"],
            actor=world.analyst,
            data={"nodes": [*setup["chart"].nodes, {"id": formula.pk, "x": 5, "y": 5}]},
        )
    answer = api_client(world.analyst).get(f"/api/v1/charts/{setup['chart'].pk}/csv/")
    assert answer["Content-Type"] == "application/zip"
    assert answer["Content-Disposition"].endswith('.csv.zip"')
    nodes, edges = _csvs(answer.content)
    assert list(nodes[0]) == list(charts.NODE_COLUMNS)
    assert list(edges[0]) == list(charts.EDGE_COLUMNS)
    names = {row["id"]: row["name"] for row in nodes}
    assert names[str(formula.pk)] == "'" + formula.name
    by_id = {row["id"]: row for row in edges}
    associate = by_id[str(setup["associate"].pk)]
    assert associate["recorded"] == OLD_DAY.isoformat()
    assert associate["source_name"] == "Carol White" and associate["strength"] == "tentative"
    assert associate["compartment"] == "general"
    # Positions are numbers, a negative one too (not text to neutralise).
    x = {row["id"]: row["x"] for row in nodes}
    assert x[str(setup["bob"].pk)] == "200.0" and x[str(setup["marta"].pk)] == "-200.0"
    event = _last_export()
    assert event.details["format"] == "csv" and event.details["count"] == 5


# --- Starting points --------------------------------------------------------------------------


def _entities(client, chart, **params):
    return client.get(f"/api/v1/charts/{chart.pk}/entities/", params)


def test_a_search_places_what_the_reader_may_see_and_is_audited_as_a_search(world, setup):
    chart = setup["chart"]
    insider = _entities(api_client(world.analyst), chart, q="quillf", **{"with": setup["alan"].pk})
    assert insider.status_code == 200, insider.content
    body = insider.json()
    assert [n["name"] for n in body["nodes"]] == [HIDDEN_NAME]
    assert body["nodes"][0]["compartment"] == "restricted"
    # Her link to an entity on the chart comes along, with its day and compartment.
    assert [e["id"] for e in body["edges"]] == [setup["family"].pk]
    assert body["edges"][0]["recorded"] == timezone.localdate().isoformat()
    search = AuditEvent.objects.filter(action=Action.SEARCH).order_by("id").last()
    assert search.object_type == "intelligence.entity"
    assert search.details["query"] == "quillf"
    assert search.details["ids"] == [str(setup["marta"].pk)]
    assert search.details["start"] == "search" and search.details["chart"] == chart.pk

    # The outsider's search finds nothing, exactly as a search matching nothing does.
    outsider = api_client(world.analyst2)
    hidden = _entities(outsider, chart, q="quillf", **{"with": setup["alan"].pk})
    nothing = _entities(outsider, chart, q="zzzzzz", **{"with": setup["alan"].pk})
    assert hidden.status_code == nothing.status_code == 200
    assert hidden.json() == nothing.json() == {"nodes": [], "edges": [], "truncated": False}
    assert HIDDEN_NAME not in hidden.content.decode()

    # Links among the entities found and those named in ``with``.
    found = _entities(
        outsider, chart, q="smith", **{"with": f"{setup['bob'].pk},{setup['marta'].pk}"}
    )
    assert [n["name"] for n in found.json()["nodes"]] == ["Alan Smith"]
    assert [e["id"] for e in found.json()["edges"]] == [setup["uses"].pk]


def test_the_operation_entities_start_a_chart_with_what_the_reader_may_see(world, setup):
    chart = setup["chart"]
    answer = _entities(api_client(world.analyst2), chart, gathered="true")
    assert answer.status_code == 200
    body = answer.json()
    assert [n["name"] for n in body["nodes"]] == ["Alan Smith", "Bob Jones", "Carol White"]
    assert sorted(e["id"] for e in body["edges"]) == sorted(
        [setup["uses"].pk, setup["associate"].pk]
    )
    assert body["truncated"] is False and HIDDEN_NAME not in answer.content.decode()
    event = (
        AuditEvent.objects.filter(action=Action.LIST, object_type="operations.operation")
        .order_by("id")
        .last()
    )
    assert event.object_id == str(setup["operation"].pk)
    assert event.details["start"] == "operation"
    assert sorted(event.details["ids"]) == sorted(
        str(setup[k].pk) for k in ("alan", "bob", "carol")
    )

    insider = _entities(api_client(world.analyst), chart, gathered="true").json()
    assert len(insider["nodes"]) == 4 and len(insider["edges"]) == 3


def test_an_entity_id_the_reader_may_not_see_answers_as_a_missing_one(world, setup):
    chart = setup["chart"]
    outsider = api_client(world.analyst2)
    with_alan = {"with": setup["alan"].pk}
    hidden = _entities(outsider, chart, ids=setup["marta"].pk, **with_alan)
    missing = _entities(outsider, chart, ids=987654, **with_alan)
    assert hidden.status_code == missing.status_code == 200
    assert hidden.json() == missing.json() == {"nodes": [], "edges": [], "truncated": False}
    denied = AuditEvent.objects.filter(action=Action.DENIED, object_type="intelligence.entity")
    assert [event.object_id for event in denied] == [str(setup["marta"].pk)]
    # Named in ``with``, a hidden entity brings no link either.
    carol = _entities(outsider, chart, ids=setup["alan"].pk, **{"with": setup["marta"].pk})
    assert carol.json()["edges"] == []

    seen = _entities(outsider, chart, ids=f"{setup['carol'].pk} {setup['alan'].pk}")
    assert [n["name"] for n in seen.json()["nodes"]] == ["Alan Smith", "Carol White"]
    assert [e["id"] for e in seen.json()["edges"]] == [setup["associate"].pk]
    view = (
        AuditEvent.objects.filter(action=Action.VIEW, object_type="intelligence.entity")
        .order_by("id")
        .last()
    )
    assert view.details["start"] == "ids"
    assert sorted(view.details["ids"]) == sorted([str(setup["alan"].pk), str(setup["carol"].pk)])


def test_the_entities_route_names_each_bad_parameter(world, setup):
    client = api_client(world.analyst)
    chart = setup["chart"]
    for params, field in [
        ({}, "q"),
        ({"q": "Alan", "gathered": "true"}, "q"),
        ({"q": "A"}, "q"),
        ({"q": "A" * 101}, "q"),
        ({"gathered": "yes"}, "gathered"),
        ({"ids": "12,abc"}, "ids"),
        ({"ids": "0"}, "ids"),
        ({"ids": ",".join(str(n) for n in range(1, 502))}, "ids"),
        ({"q": "Alan", "with": "x"}, "with"),
    ]:
        answer = _entities(client, chart, **params)
        assert answer.status_code == 400, (params, answer.content)
        assert field in answer.json(), (params, answer.json())
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()


def test_roles_and_compartments_guard_the_new_routes(world, setup):
    with as_user(world.analyst):
        kite = services.open_operation(
            actor=world.analyst,
            data={"name": "Kite", "reference": "OP-W-R", "compartment": world.restricted},
        )
        hidden_chart = charts.create_chart(actor=world.analyst, operation=kite, title="Kite")
    routes = ("svg/", "csv/", "entities/?gathered=true")
    officer = api_client(world.officer)
    outsider = api_client(world.analyst2)
    for route in routes:
        assert officer.get(f"/api/v1/charts/{setup['chart'].pk}/{route}").status_code == 403
        refused = outsider.get(f"/api/v1/charts/{hidden_chart.pk}/{route}")
        missing = outsider.get(f"/api/v1/charts/987654/{route}")
        assert refused.status_code == missing.status_code == 404
        assert refused.json() == missing.json()
        unjustified = api_client(world.analyst, justification=None)
        assert unjustified.get(f"/api/v1/charts/{setup['chart'].pk}/{route}").status_code == 428
    assert not Chart.objects.filter(pk=987654).exists()
