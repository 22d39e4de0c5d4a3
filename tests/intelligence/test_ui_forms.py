"""Forms that explain themselves: codes in words, errors beside the field, sensible defaults."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from guardian.shortcuts import assign_perm

from ilp_platform.accounts.models import User
from ilp_platform.web.forms import CompartmentChoiceField
from intelligence.forms import EntityForm, ReportForm
from tests.intelligence.helpers import make_report

pytestmark = pytest.mark.django_db


def test_a_person_holding_one_compartment_finds_it_chosen(world):
    form = ReportForm(user=world.officer)
    assert form["compartment"].value() == world.general.pk
    only_restricted = User.objects.create_user("solo", password="a-long-password-1")
    assign_perm("accounts.view_compartment", only_restricted, world.restricted)
    field = CompartmentChoiceField()
    field.restrict_to(only_restricted)
    assert field.initial == world.restricted.pk


def test_a_person_holding_several_compartments_starts_on_general(world):
    assert EntityForm(user=world.analyst)["compartment"].value() == world.general.pk
    body = ReportForm(user=world.handler)["compartment"].as_widget()
    assert re.search(rf'<option value="{world.general.pk}" selected>', body)


def test_an_existing_records_compartment_wins_over_the_default(world, login):
    report = make_report(world, world.restricted, evaluate=False, submitter=world.handler)
    client = login(world.analyst)
    form = client.get(reverse("intelligence:report_evaluate", args=[report.pk])).context["form"]
    assert form["compartment"].value() == world.restricted.pk


def test_a_person_without_compartments_gets_no_default(world):
    field = CompartmentChoiceField()
    field.restrict_to(world.oversight)
    assert field.initial is None


@pytest.mark.parametrize("action", ["report_evaluate", "report_regrade"])
def test_the_evaluation_and_regrade_forms_explain_every_code_inline(world, login, action):
    report = make_report(world, evaluate=(action == "report_regrade"))
    body = login(world.analyst2).get(reverse(f"intelligence:{action}", args=[report.pk]))
    body = body.content.decode()
    assert body.count("What the codes mean") == 3  # one at each grading field
    assert "2 — Untested" in body  # the option itself carries the meaning
    assert "Known indirectly to the source but corroborated" in body
    assert "How reliable the source has proved." in body
    assert 'aria-describedby="id_source_evaluation_helptext id_source_evaluation_meaning"' in body
    assert 'id="id_source_evaluation_helptext"' in body
    # The report's own codes are the chosen ones: their meaning is drawn without the script.
    meaning = re.search(r'<div[^>]*id="id_source_evaluation_meaning"[^>]*>([^<]*)</div>', body)
    assert meaning and meaning.group(1) == "2 — Untested"


def test_the_report_form_names_each_codes_meaning_at_its_field_without_a_table_below(world, login):
    body = login(world.officer).get(reverse("intelligence:report_create")).content.decode()
    assert "B — Known indirectly to the source but corroborated" in body
    assert (
        'aria-describedby="id_intelligence_assessment_helptext id_intelligence_assessment_meaning"'
        in body
    )
    # Each grading field carries its own collapsible list of codes, for every scheme offered,
    # right after its select; nothing of the kind follows the form.
    start = body.index('<form method="post" novalidate')
    end = body.index("</form>", start)
    form = body[start:end]
    assert form.count("What the codes mean") == 3
    assert "What the codes mean" not in body[end:]
    field = form[form.index('id="id_intelligence_assessment"') :]
    codes = field[field.index("<details") : field.index("</details>")]
    for scheme in ("3x5x2", "5x5x5", "4x4", "admiralty"):
        assert f'data-scheme-help="{scheme}"' in codes
    assert "Known indirectly to the source but corroborated" in codes
    assert "Suspected to be false or malicious" in codes  # 5x5x5 intelligence code 5
    assert "Reliable in most instances" not in codes  # a 4x4 source code: another axis


def test_a_returned_form_names_the_chosen_codes_meaning_without_javascript(world, login):
    client = login(world.officer, justification="")
    response = client.post(
        reverse("intelligence:report_create"),
        {
            "compartment": world.general.pk,
            "text": "",
            "grading_scheme": "3x5x2",
            "source_evaluation": "3x5x2:2",
            "intelligence_assessment": "3x5x2:B",
            "handling_code": "3x5x2:P",
            "action": "submit",
        },
    )
    body = response.content.decode()
    meaning = re.search(
        r'<div[^>]*id="id_intelligence_assessment_meaning"[^>]*>([^<]*)</div>', body
    )
    assert meaning and meaning.group(1) == "B — Known indirectly to the source but corroborated"
    source = re.search(r'<div[^>]*id="id_source_evaluation_meaning"([^>]*)>([^<]*)</div>', body)
    assert source and "hidden" not in source.group(1) and source.group(2) == "2 — Untested"


def test_an_error_sits_beside_its_field_and_is_tied_to_the_control(world, login):
    client = login(world.officer, justification="")
    response = client.post(
        reverse("intelligence:report_create"),
        {
            "compartment": world.general.pk,
            "text": "Seen at the depot.",
            "grading_scheme": "3x5x2",
            "source_evaluation": "3x5x2:2",
            "intelligence_assessment": "3x5x2:A",
            "handling_code": "3x5x2:C",
            "action": "submit",
        },
    )
    body = response.content.decode()
    control = re.search(r'<textarea name="handling_conditions"[^>]*>', body).group(0)
    assert 'aria-invalid="true"' in control
    assert (
        "id_handling_conditions_error" in control and "id_handling_conditions_helptext" in control
    )
    error = body.index('id="id_handling_conditions_error"')
    assert body.index('for="id_handling_conditions"') < error
    assert body.index('for="id_is_personal_assessment"') > error  # before the next field
    assert "write the handling conditions" in body[error : error + 400]


_OWNED = [
    *(
        p
        for p in (Path(settings.BASE_DIR) / "templates" / "intelligence").glob("*.html")
        if not p.name.startswith("import_")
    ),
    *(Path(settings.BASE_DIR) / "templates" / "core").glob("*.html"),
    *(Path(settings.BASE_DIR) / "templates" / "audit").glob("*.html"),
]


@pytest.mark.parametrize("path", _OWNED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_template_has_no_inline_script_or_style(path):
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=", text), "inline style attribute"
    assert "<style" not in text


def test_the_report_form_offers_crime_types_to_tick_and_a_map_opening_on_the_persons_places(
    world, login
):
    import json

    from intelligence.models import CrimeType, Report
    from tests.intelligence.helpers import make_report

    client = login(world.officer)
    page = client.get(reverse("intelligence:report_create"))
    text = page.content.decode()
    burglary = CrimeType.objects.get(slug="burglary")
    assert f'type="checkbox" name="crime_types" value="{burglary.pk}"' in text
    assert "report-location.js" in text and "map-grid.js" in text
    assert page.context["location_map"]["extent"] is None  # no report with a place yet
    report = make_report(world)
    Report.objects.filter(pk=report.pk).update(latitude=51.45, longitude=-2.59)
    settings_json = client.get(reverse("intelligence:report_create")).context["location_map"]
    assert settings_json["extent"] == [-2.59, 51.45, -2.59, 51.45]
    assert json.dumps(settings_json)  # travels as JSON to the script
    # A hidden report's place does not frame another person's map.
    hidden = make_report(world, world.restricted)
    Report.objects.filter(pk=hidden.pk).update(latitude=10.0, longitude=10.0)
    again = client.get(reverse("intelligence:report_create")).context["location_map"]
    assert again["extent"] == [-2.59, 51.45, -2.59, 51.45]
