"""Saved link charts of an operation: the API and pages, what each reader sees of a chart
(an entity of a compartment the reader lacks never shows, not even as a count), saving
positions, the GraphML export, and the audit events of each step."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from audit.choices import Action
from audit.models import AuditEvent
from intelligence.services.entities import create_link
from operations import charts, services
from operations.models import Chart
from tests.intelligence.helpers import as_user, make_entity
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db

HIDDEN_NAME = "Marta Quillfeather"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


@pytest.fixture
def setup(world):
    """An operation of ``general``; Alan and Bob (general) linked, and Marta (restricted)
    linked to Alan: the analyst sees all three, analyst2 (no ``restricted``) two."""
    with as_user(world.analyst):
        operation = services.open_operation(
            actor=world.analyst,
            data={"name": "Nightjar", "reference": "OP-C-1", "compartment": world.general},
        )
    alan = make_entity(world, world.general, name="Alan Smith")
    bob = make_entity(world, world.general, name="Bob Jones", kind="vehicle")
    marta = make_entity(world, world.restricted, name=HIDDEN_NAME)
    with as_user(world.analyst):
        seen = create_link(
            actor=world.analyst,
            from_entity=alan,
            to_entity=bob,
            kind="uses",
            strength="confirmed",
            note="",
        )
        hidden = create_link(
            actor=world.analyst,
            from_entity=marta,
            to_entity=alan,
            kind="associate",
            strength="tentative",
            note="",
        )
    return {
        "operation": operation,
        "alan": alan,
        "bob": bob,
        "marta": marta,
        "link": seen,
        "hidden_link": hidden,
    }


def _chart(world, setup, with_hidden=True) -> Chart:
    nodes = [
        {"id": setup["alan"].pk, "x": 0, "y": 0},
        {"id": setup["bob"].pk, "x": 150, "y": 20},
    ]
    if with_hidden:
        nodes.append({"id": setup["marta"].pk, "x": -150, "y": 40})
    with as_user(world.analyst):
        return charts.create_chart(
            actor=world.analyst, operation=setup["operation"], title="Supply", nodes=nodes
        )


def test_an_analyst_saves_a_chart_through_the_api_changes_it_and_deletes_it(world, setup):
    client = api_client(world.analyst)
    answer = client.post(
        "/api/v1/charts/",
        {
            "operation": setup["operation"].pk,
            "title": "Supply network",
            "nodes": [
                {"id": setup["alan"].pk, "x": 1.5, "y": 2},
                {"id": setup["marta"].pk, "x": 100, "y": -50},
            ],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    chart = Chart.objects.get(pk=body["id"])
    assert {n["name"] for n in body["nodes"]} == {"Alan Smith", HIDDEN_NAME}
    assert [(e["source"], e["target"]) for e in body["edges"]] == [
        (setup["marta"].pk, setup["alan"].pk)
    ]
    created = AuditEvent.objects.get(action=Action.CREATE, object_type="operations.chart")
    assert created.details["operation"] == setup["operation"].pk

    moved = client.patch(
        f"/api/v1/charts/{chart.pk}/",
        {
            "title": "Supply, moved",
            "nodes": [
                {"id": setup["alan"].pk, "x": 10, "y": 20},
                {"id": setup["bob"].pk, "x": 30, "y": 40},
            ],
        },
        format="json",
    )
    assert moved.status_code == 200, moved.content
    chart.refresh_from_db()
    assert chart.title == "Supply, moved"
    assert chart.nodes == [
        {"id": setup["alan"].pk, "x": 10.0, "y": 20.0},
        {"id": setup["bob"].pk, "x": 30.0, "y": 40.0},
    ]
    update = AuditEvent.objects.filter(action=Action.UPDATE, object_type="operations.chart").get()
    assert update.details["changes"]["entities"] == {
        "added": [setup["bob"].pk],
        "removed": [setup["marta"].pk],
        "placed": 2,
    }

    listed = client.get("/api/v1/charts/", {"operation": setup["operation"].pk})
    assert [c["id"] for c in listed.json()["results"]] == [chart.pk]
    assert client.get("/api/v1/charts/", {"operation": 987654}).json()["results"] == []
    assert client.get("/api/v1/charts/", {"operation": "x"}).json() == {
        "operation": ["An operation id is a whole number."]
    }

    read = client.get(f"/api/v1/charts/{chart.pk}/")
    assert [e["id"] for e in read.json()["edges"]] == [setup["link"].pk]
    view = AuditEvent.objects.filter(action=Action.VIEW, object_type="operations.chart").last()
    assert sorted(view.details["ids"]) == sorted([str(setup["alan"].pk), str(setup["bob"].pk)])

    assert client.delete(f"/api/v1/charts/{chart.pk}/").status_code == 204
    assert not Chart.objects.filter(pk=chart.pk).exists()
    assert AuditEvent.objects.filter(
        action=Action.ERASE, object_type="operations.chart", object_id=str(chart.pk)
    ).exists()


def test_bad_input_names_the_field_and_saves_nothing(world, setup):
    client = api_client(world.analyst2)
    base = {"operation": setup["operation"].pk, "title": "Chart"}
    cases = [
        ({**base, "title": "  "}, "title"),
        ({**base, "nodes": [{"id": "abc", "x": 0, "y": 0}]}, "nodes"),
        ({**base, "nodes": [{"id": setup["alan"].pk, "x": "left", "y": 0}]}, "nodes"),
        ({**base, "nodes": [{"id": setup["alan"].pk, "x": 1e9, "y": 0}]}, "nodes"),
        # An entity analyst2 may not see is refused as a missing one is.
        ({**base, "nodes": [{"id": setup["marta"].pk, "x": 0, "y": 0}]}, "nodes"),
        ({**base, "nodes": [{"id": 987654, "x": 0, "y": 0}]}, "nodes"),
        ({**base, "operation": 987654}, "operation"),
    ]
    for payload, field in cases:
        answer = client.post("/api/v1/charts/", payload, format="json")
        assert answer.status_code == 400, (payload, answer.content)
        assert field in answer.json(), (payload, answer.json())
        assert HIDDEN_NAME not in answer.content.decode()
    hidden = client.post(
        "/api/v1/charts/",
        {**base, "nodes": [{"id": setup["marta"].pk, "x": 0, "y": 0}]},
        format="json",
    )
    missing = client.post(
        "/api/v1/charts/", {**base, "nodes": [{"id": 987654, "x": 0, "y": 0}]}, format="json"
    )
    assert hidden.json()["nodes"][0].replace(str(setup["marta"].pk), "N") == missing.json()[
        "nodes"
    ][0].replace("987654", "N")
    assert not Chart.objects.exists()


def test_a_form_body_is_refused_not_taken_as_no_change(world, setup):
    """A form cannot carry the node list; a PATCH sent as one was once answered 200 with the
    nodes silently left as they were (found by the API fuzzing)."""
    chart = _chart(world, setup, with_hidden=False)
    before = chart.nodes
    client = api_client(world.analyst)
    answer = client.patch(
        f"/api/v1/charts/{chart.pk}/",
        {"title": "Renamed", "nodes": '[{"id": null, "x": 0, "y": "left"}]'},
        format="multipart",
    )
    assert answer.status_code == 415, answer.content
    chart.refresh_from_db()
    assert chart.title != "Renamed"
    assert chart.nodes == before
    for path in ("/api/v1/charts/", "/api/v1/reports/", "/api/v1/entities/", "/api/v1/products/"):
        assert client.post(path, {"title": "x"}, format="multipart").status_code == 415, path


def test_the_outsider_sees_nothing_of_a_restricted_entity_on_a_chart(world, setup, login):
    chart = _chart(world, setup)
    outsider = api_client(world.analyst2)
    answer = outsider.get(f"/api/v1/charts/{chart.pk}/")
    assert answer.status_code == 200
    body = answer.json()
    assert {n["id"] for n in body["nodes"]} == {setup["alan"].pk, setup["bob"].pk}
    assert [e["id"] for e in body["edges"]] == [setup["link"].pk]
    text = answer.content.decode()
    assert HIDDEN_NAME not in text and f'"id":{setup["marta"].pk},' not in text.replace(" ", "")

    export = outsider.get(f"/api/v1/charts/{chart.pk}/graphml/")
    assert export.status_code == 200 and HIDDEN_NAME not in export.content.decode()
    tree = ET.fromstring(export.content)
    assert len(tree.findall(f".//{GRAPHML}node")) == 2
    assert len(tree.findall(f".//{GRAPHML}edge")) == 1

    client = login(world.analyst2)
    page = client.get(chart.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert HIDDEN_NAME not in html and "Alan Smith" in html
    # Counts are of what the reader sees: two entities, one link.
    assert "Link chart with 2 entities" in html
    download = client.get(reverse("operations:chart_graphml", args=[chart.pk]))
    assert download.status_code == 200 and HIDDEN_NAME not in download.content.decode()

    # Saving the chart moves what analyst2 sees and leaves Marta's entry as it was.
    moved = outsider.patch(
        f"/api/v1/charts/{chart.pk}/",
        {"nodes": [{"id": setup["alan"].pk, "x": 5, "y": 5}]},
        format="json",
    )
    assert moved.status_code == 200 and HIDDEN_NAME not in moved.content.decode()
    chart.refresh_from_db()
    assert {n["id"] for n in chart.nodes} == {setup["alan"].pk, setup["marta"].pk}
    assert {"id": setup["marta"].pk, "x": -150.0, "y": 40.0} in chart.nodes
    update = AuditEvent.objects.get(action=Action.UPDATE, object_type="operations.chart")
    assert update.details["changes"]["entities"]["removed"] == [setup["bob"].pk]

    # The analyst, who holds both compartments, still sees Marta.
    insider = api_client(world.analyst).get(f"/api/v1/charts/{chart.pk}/").json()
    assert HIDDEN_NAME in {n["name"] for n in insider["nodes"]}


def test_a_chart_of_a_restricted_operation_is_a_404_for_the_outsider(world, setup):
    with as_user(world.analyst):
        operation = services.open_operation(
            actor=world.analyst,
            data={"name": "Kite", "reference": "OP-R-1", "compartment": world.restricted},
        )
        chart = charts.create_chart(
            actor=world.analyst,
            operation=operation,
            title="Restricted chart",
            nodes=[{"id": setup["marta"].pk, "x": 0, "y": 0}],
        )
    outsider = api_client(world.analyst2)
    assert outsider.get(f"/api/v1/charts/{chart.pk}/").status_code == 404
    assert outsider.get("/api/v1/charts/").json()["results"] == []
    answer = outsider.get("/api/v1/charts/", {"operation": operation.pk})
    assert answer.json()["results"] == []
    assert outsider.delete(f"/api/v1/charts/{chart.pk}/").status_code == 404
    assert Chart.objects.filter(pk=chart.pk).exists()


def test_pages_create_show_export_and_delete_a_chart(world, setup, login):
    client = login(world.analyst)
    operation = setup["operation"]
    page = client.get(operation.get_absolute_url())
    assert reverse("operations:chart_create", args=[operation.pk]).encode() in page.content
    created = client.post(
        reverse("operations:chart_create", args=[operation.pk]), {"title": "Drawn in the page"}
    )
    chart = Chart.objects.get(title="Drawn in the page")
    assert created.status_code == 302 and created.url == chart.get_absolute_url()
    with as_user(world.analyst):
        charts.update_chart(
            chart,
            actor=world.analyst,
            data={"nodes": [{"id": setup["alan"].pk, "x": 1, "y": 2}]},
        )
    shown = client.get(chart.get_absolute_url())
    html = shown.content.decode()
    assert 'id="link-chart-data"' in html and "vis-network.min.css" in html
    assert "<script>" not in html.replace('<script id="link-chart-data"', "")
    listed = client.get(operation.get_absolute_url()).content.decode()
    assert "Drawn in the page" in listed

    download = client.get(reverse("operations:chart_graphml", args=[chart.pk]))
    assert download["Content-Type"].startswith("application/graphml+xml")
    assert "attachment" in download["Content-Disposition"]
    tree = ET.fromstring(download.content)
    names = [d.text for d in tree.iter(f"{GRAPHML}data") if d.get("key") == "d_name"]
    assert names == ["Alan Smith"]
    export = AuditEvent.objects.get(action=Action.EXPORT, object_type="operations.chart")
    assert export.details["ids"] == [str(setup["alan"].pk)]
    assert export.justification

    gone = client.post(reverse("operations:chart_delete", args=[chart.pk]))
    assert gone.status_code == 302 and gone.url == operation.get_absolute_url()
    assert not Chart.objects.filter(pk=chart.pk).exists()


def test_a_closed_operation_keeps_its_charts_unchanged(world, setup):
    chart = _chart(world, setup, with_hidden=False)
    with as_user(world.analyst):
        services.close_operation(setup["operation"], actor=world.analyst)
    client = api_client(world.analyst)
    assert client.get(f"/api/v1/charts/{chart.pk}/").status_code == 200
    answer = client.patch(f"/api/v1/charts/{chart.pk}/", {"title": "New"}, format="json")
    assert answer.status_code == 400 and "operation" in answer.json()
    assert client.delete(f"/api/v1/charts/{chart.pk}/").status_code == 400
    chart.refresh_from_db()
    assert chart.title == "Supply"


def test_an_officer_may_not_read_or_write_charts(world, setup):
    chart = _chart(world, setup, with_hidden=False)
    officer = api_client(world.officer)
    assert officer.get(f"/api/v1/charts/{chart.pk}/").status_code == 403
    assert officer.patch(f"/api/v1/charts/{chart.pk}/", {}, format="json").status_code == 403


def test_the_demo_seed_gives_nightjar_a_saved_chart_once(world, setup):
    import io

    from operations.seed import CHART_TITLE, REFERENCE, seed_operations

    class Command:
        stdout = io.StringIO()

    seed_operations(Command())
    seed_operations(Command())
    chart = Chart.objects.get(operation__reference=REFERENCE)
    assert chart.title == CHART_TITLE
    placed = {node["id"] for node in chart.nodes}
    assert {setup["alan"].pk, setup["bob"].pk} <= placed
    assert all(
        isinstance(node["x"], float) and isinstance(node["y"], float) for node in chart.nodes
    )
    drawn = charts.drawing(world.analyst2, chart)
    assert setup["link"].pk in drawn.edge_ids


def test_a_chart_holding_entities_the_reader_cannot_see_is_not_theirs_to_delete(
    world, setup, login
):
    chart = _chart(world, setup)
    refused = api_client(world.analyst2).delete(f"/api/v1/charts/{chart.pk}/")
    assert refused.status_code == 409 and "outside your compartments" in refused.json()["nodes"][0]
    assert HIDDEN_NAME not in refused.content.decode()
    page = login(world.analyst2).post(
        reverse("operations:chart_delete", args=[chart.pk]), follow=True
    )
    assert page.redirect_chain[-1][0] == chart.get_absolute_url()
    assert "not yours to delete" in page.content.decode()
    assert Chart.objects.filter(pk=chart.pk).exists()
    assert not AuditEvent.objects.filter(action=Action.ERASE, object_type="operations.chart")

    # The analyst sees all three: the chart goes, and the erase event names what it held.
    assert api_client(world.analyst).delete(f"/api/v1/charts/{chart.pk}/").status_code == 204
    erase = AuditEvent.objects.get(action=Action.ERASE, object_type="operations.chart")
    assert sorted(erase.details["entities"]) == sorted(
        setup[name].pk for name in ("alan", "bob", "marta")
    )
