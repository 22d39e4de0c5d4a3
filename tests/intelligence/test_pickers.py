"""Pickers in place of typed ids (``intelligence/pickers.py``, ``static/js/pickers.js``): the
browser looks records up through ``GET /api/v1/lookup/`` with its session (only visible
records, one search event per look-up); the forms still take the id or the URNs typed, validate
through ``visible_to`` as before, and name a chosen record only to those who may see it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from analysis.forms.jobs import JobForm
from analysis.kinds import registry
from audit.models import AuditEvent
from intelligence.forms import LinkForm, MergeForm, ReportEntityForm
from intelligence.models import ReportEntity
from tasking.forms import AnswerForm, CompleteForm, PriorityDecisionForm, parse_urns
from tests.intelligence.helpers import make_entity, make_report

pytestmark = pytest.mark.django_db

LOOKUP = reverse("lookup")
HIDDEN = "Quentin Zzhidden-Marlowe"
NOT_VISIBLE = "No entity with this id is visible to you."


@pytest.fixture
def hidden(world):
    return make_entity(world, world.restricted, name=HIDDEN)


# --- The look-up the browser makes -------------------------------------------------------------


def _labels(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["label"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    "q", ["qu", "quentin", "ZZHIDDEN", "zzh", "marlowe", "hidden-mar", "tin zz"]
)
def test_the_browser_look_up_never_offers_a_restricted_entity_by_any_part_of_its_name(
    world, login, hidden, q
):
    make_entity(world, name="Quentin Visible Zzhidden Marlowe")
    response = login(world.analyst2).get(LOOKUP, {"kind": "entity", "q": q})
    assert HIDDEN not in _labels(response)
    assert "Zzhidden-Marlowe" not in response.content.decode()
    assert str(hidden.pk) not in [str(i["id"]) for i in response.json()["results"]]
    # The analyst who holds the compartment finds it.
    assert HIDDEN in _labels(login(world.analyst).get(LOOKUP, {"kind": "entity", "q": q}))


def test_the_browser_look_up_uses_the_session_and_its_justification_and_is_a_search_event(
    world, login
):
    entity = make_entity(world, name="Alpine Ann")
    client = login(world.analyst2)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get(LOOKUP, {"kind": "entity", "q": "alpi"}, HTTP_ACCEPT="application/json")
    assert response.json()["results"] == [
        {"id": entity.pk, "label": "Alpine Ann", "kind": "entity", "detail": "Person"}
    ]
    events = list(AuditEvent.objects.filter(pk__gt=last, action="search"))
    assert len(events) == 1
    assert events[0].details["query"] == "alpi"
    assert events[0].details["ids"] == [str(entity.pk)]
    assert events[0].justification  # the one stated in the browser


def test_fewer_than_two_characters_are_refused_with_a_message(world, login):
    client = login(world.analyst)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get(LOOKUP, {"kind": "entity", "q": "a"})
    assert response.status_code == 400
    assert response.json()["q"] == ["Type at least 2 characters."]
    assert not AuditEvent.objects.filter(pk__gt=last, action="search").exists()


def test_a_session_without_a_justification_is_asked_for_one(world, login):
    response = login(world.analyst, justification="").get(LOOKUP, {"kind": "entity", "q": "al"})
    assert response.status_code == 428


# --- Forms take the picked id, the typed id and URN lists ---------------------------------------


def test_the_link_forms_take_the_picked_or_typed_id_and_refuse_a_hidden_one_as_before(
    world, hidden
):
    visible = make_entity(world, name="Alpine Ann")
    for form_class, name in ((ReportEntityForm, "entity"), (LinkForm, "to_entity")):
        for typed in (str(visible.pk), f" {visible.pk} "):
            form = form_class(
                {name: typed, "kind": "associate", "strength": "tentative"}, user=world.analyst2
            )
            assert form.is_valid(), form.errors
            assert form.cleaned_data[name] == visible
        for refused in (hidden.pk, 99_999_999):
            form = form_class(
                {name: str(refused), "kind": "associate", "strength": "tentative"},
                user=world.analyst2,
            )
            assert not form.is_valid()
            assert form.errors[name] == [NOT_VISIBLE]
    merge = MergeForm({"other": str(hidden.pk), "reason": "same"}, user=world.analyst2)
    assert not merge.is_valid() and merge.errors["other"] == [NOT_VISIBLE]
    merge = MergeForm({"other": str(visible.pk), "reason": "same"}, user=world.analyst2)
    assert merge.is_valid() and merge.cleaned_data["other"] == visible


@pytest.mark.parametrize("sep", [", ", ",", " ", "; ", "\n", "\r\n", " ;\t"])
def test_urn_lists_take_every_separator_in_intelligence_and_tasking_forms(world, sep):
    one, two = make_report(world), make_report(world)
    text = f"{one.urn}{sep}{two.urn.lower()}"
    to = make_entity(world, name="Alpine Ann")
    form = LinkForm(
        {"to_entity": to.pk, "kind": "associate", "strength": "tentative", "reports": text},
        user=world.analyst,
    )
    assert form.is_valid(), form.errors
    assert {r.pk for r in form.cleaned_data["reports"]} == {one.pk, two.pk}
    assert parse_urns(world.manager, text) == [one, two]
    for form_class, name in (
        (CompleteForm, "cited_reports"),
        (PriorityDecisionForm, "evidence_reports"),
    ):
        assert form_class.base_fields[name].help_text.startswith(
            "Report URNs separated by commas or spaces"
        )


def test_a_hidden_urn_in_a_list_is_named_as_not_found_like_a_missing_one(world):
    shown = make_report(world)
    restricted = make_report(world, world.restricted)
    to = make_entity(world, name="Alpine Ann")
    for urn in (restricted.urn, "IR-1999-999999"):
        form = LinkForm(
            {
                "to_entity": to.pk,
                "kind": "associate",
                "strength": "tentative",
                "reports": f"{shown.urn};{urn}",
            },
            user=world.analyst2,
        )
        assert not form.is_valid()
        assert form.errors["reports"] == [f"Not found: {urn}"]


def test_the_network_job_form_takes_entity_ids_with_every_separator(world):
    one, two = make_entity(world, name="Alpine Ann"), make_entity(world, name="Bob Alpine")
    kind = registry.get("network")
    for text in (
        f"{one.pk}, {two.pk}",
        f"{one.pk} {two.pk}",
        f"{one.pk};{two.pk}",
        f"{one.pk}\n{two.pk}",
    ):
        form = JobForm(
            {"entities": text, "path_from": one.pk, "path_to": str(two.pk)},
            user=world.analyst,
            kind=kind,
        )
        assert form.is_valid(), form.errors
        params = form.params()
        entities = kind.params[0].clean(params["entities"], _context(world))
        assert entities == [one.pk, two.pk]
        assert params["path_from"] == one.pk


def _context(world):
    from analysis.kinds.params import Context

    return Context(user=world.analyst, compartments=[world.general])


# --- What the rendered forms show ---------------------------------------------------------------


def test_the_picker_names_a_visible_initial_value_and_nothing_of_a_hidden_one(world, hidden):
    visible = make_entity(world, name="Alpine Ann")
    html = str(ReportEntityForm(user=world.analyst2, initial={"entity": visible.pk})["entity"])
    assert 'data-picker data-kind="entity"' in html
    assert 'data-url="/api/v1/lookup/"' in html
    assert f'data-value="{visible.pk}"' in html and "Alpine Ann" in html and "Person" in html
    assert f'value="{visible.pk}"' in html  # typed as it is without JavaScript

    html = str(ReportEntityForm(user=world.analyst2, initial={"entity": hidden.pk})["entity"])
    assert "Zzhidden" not in html and "Quentin" not in html and "Person" not in html
    # The analyst who may see it is told its name.
    assert HIDDEN in str(
        ReportEntityForm(user=world.analyst, initial={"entity": hidden.pk})["entity"]
    )


def test_a_form_shown_again_after_an_error_names_only_what_the_person_may_see(world, hidden):
    visible = make_entity(world, name="Alpine Ann")
    restricted = make_report(world, world.restricted)
    shown = make_report(world)
    form = LinkForm(
        {
            "to_entity": hidden.pk,
            "kind": "associate",
            "strength": "tentative",
            "reports": f"{shown.urn} {restricted.urn}",
        },
        user=world.analyst2,
    )
    assert not form.is_valid()
    html = str(form["to_entity"]) + str(form["reports"])
    assert "Zzhidden" not in html and "Quentin" not in html
    assert shown.urn in html and "Evaluated" in html  # the visible report with its status
    assert html.count("Evaluated") == 1  # the restricted URN typed is shown as typed only
    form = JobForm(
        {"entities": f"{visible.pk}, {hidden.pk}", "hops": "9"},
        user=world.analyst2,
        kind=registry.get("network"),
    )
    form.is_valid()
    html = str(form["entities"])
    assert "Alpine Ann" in html and "Zzhidden" not in html


def test_the_pages_render_the_pickers(world, login):
    entity = make_entity(world, name="Alpine Ann")
    report = make_report(world)
    client = login(world.analyst)
    page = client.get(entity.get_absolute_url()).content.decode()
    assert page.count("data-picker ") >= 3  # link: entity and reports; merge: the duplicate
    assert "js/pickers.js" in page
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'name="entity"' in page and "data-picker" in page
    page = client.get(reverse("analysis:job_create") + "?kind=network").content.decode()
    assert page.count("data-picker ") == 3


# --- Create and link from the report page --------------------------------------------------------


def test_an_entity_created_from_a_report_page_comes_back_chosen_in_its_link_form(world, login):
    report = make_report(world)
    client = login(world.analyst)
    page = client.get(report.get_absolute_url()).content.decode()
    create = reverse("intelligence:entity_create") + f"?report={report.pk}"
    assert create in page.replace("&amp;", "&")
    assert report.urn in client.get(create).content.decode()
    data = {
        "kind": "person",
        "name": "Zara Newperson",
        "compartment": world.general.pk,
        "report": report.pk,
    }
    response = client.post(reverse("intelligence:entity_create"), data)
    entity = ReportEntity.objects.model.entity.field.related_model.objects.get(
        name="Zara Newperson"
    )
    assert response.status_code == 302
    assert response.url == f"{report.get_absolute_url()}?entity={entity.pk}#link-entity"
    page = client.get(response.url).content.decode()
    assert f'data-value="{entity.pk}"' in page and "Zara Newperson" in page


def test_the_report_to_return_to_must_be_one_the_person_may_see(world, login, hidden):
    restricted = make_report(world, world.restricted)
    client = login(world.analyst2)
    data = {
        "kind": "person",
        "name": "Zara Newperson",
        "compartment": world.general.pk,
        "report": restricted.pk,
    }
    response = client.post(reverse("intelligence:entity_create"), data)
    assert response.status_code == 302 and restricted.urn not in response.url
    assert "/entities/" in response.url
    # A hidden entity asked for on a visible report's page is not chosen, nor named.
    report = make_report(world)
    page = client.get(f"{report.get_absolute_url()}?entity={hidden.pk}").content.decode()
    assert "Zzhidden" not in page and f'data-value="{hidden.pk}"' not in page
    page = client.get(f"{report.get_absolute_url()}?entity=../../x").content.decode()
    assert "data-value=" not in page


def test_the_answer_form_takes_a_report_urn_typed_or_picked(world):
    report = make_report(world)
    form = AnswerForm({"report": report.urn.lower()}, user=world.manager)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["report"] == report


def test_the_report_lists_entity_filter_is_a_picker_naming_only_what_the_reader_may_see(
    world, login, hidden
):
    """The list's filter took a typed entity id; it is a typeahead now, and a value shown again
    is named only for a reader who may see the entity."""
    visible = make_entity(world, name="Alpine Ann")
    client = login(world.analyst2)
    page = client.get(reverse("intelligence:report_list"), {"entity": visible.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-picker data-kind="entity"' in html and "Alpine Ann" in html
    assert "Entity id" not in html
    hidden_page = client.get(reverse("intelligence:report_list"), {"entity": hidden.pk})
    assert hidden_page.status_code == 200
    assert "Zzhidden" not in hidden_page.content.decode()
    assert not hidden_page.context["page"].items
    # The analyst who holds the restricted compartment is told its name.
    own = login(world.analyst).get(reverse("intelligence:report_list"), {"entity": hidden.pk})
    assert HIDDEN in own.content.decode()
