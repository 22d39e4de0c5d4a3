"""The scoring matrix in the reader's language: stored in English, translated where shown."""

from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

from tasking import scoring
from tasking.forms import ScoreForm
from tests.i18n.pseudo import CLOSE, OPEN, pseudo_language
from tests.tasking.helpers import MORILE_INPUTS

CUSTOM = {
    "simple": {
        "label": "Harm times chance",
        "formula": "morile",
        "factors": [
            {"key": "harm", "label": "Harm done", "group": "harm", "scale": {"1": "slight"}},
            {"key": "chance", "label": "Chance", "group": "likelihood", "scale": {"1": "slim"}},
        ],
        "bands": [[0, "Some"]],
    }
}


def _marked(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


def test_the_breakdown_is_stored_in_english_whatever_the_language():
    with pseudo_language():
        result = scoring.score("morile", MORILE_INPUTS)
    breakdown = result.breakdown()
    assert result.band == "High" and breakdown["confidence_label"] == "Medium"
    factors = {f["key"]: f for f in breakdown["factors"]}
    assert factors["physical"]["label"] == "Physical harm"
    assert factors["likelihood"]["meaning"] == "Likely"
    assert {s["name"]: s["label"] for s in breakdown["steps"]}["harm"] == "Harm (weighted mean)"
    assert OPEN not in str(breakdown)


def test_the_breakdown_is_shown_in_the_readers_language():
    breakdown = scoring.score("morile", MORILE_INPUTS).breakdown()
    with pseudo_language():
        page = render_to_string("tasking/_score_breakdown.html", {"breakdown": breakdown})
    for text in ("Physical harm", "Likely", "Harm (weighted mean)", "Medium", "Band", "High"):
        assert _marked(text) in page, text
    # The groups by their display names, not their keys.
    assert _marked("Harm") in page and _marked("Organisational position") in page
    assert ">position<" not in page and ">harm<" not in page


def test_group_names_are_translated_and_a_configured_group_keeps_its_name():
    with translation.override("fr"):
        assert scoring.group_name("harm") == "Préjudice"
        assert scoring.group_name("likelihood") == "Probabilité"
        assert scoring.group_name("severity") == "severity"
    assert scoring.group_name("harm") == "Harm"


def test_the_scoring_form_names_factors_and_meanings_in_the_readers_language():
    with pseudo_language():
        form = ScoreForm(matrix_key="morile")
        assert str(form.fields["physical"].label) == _marked("Physical harm")
        assert (4, f"4 — {_marked('Critical')}") in form.fields["physical"].choices
        assert dict(scoring.matrix_choices())["grid4x4"] == _marked(
            "4x4 impact x likelihood grid (1-16)"
        )


def test_a_configured_matrix_shows_its_own_labels_as_written():
    with override_settings(ILP_SCORING_MATRICES=CUSTOM), translation.override("fr"):
        assert scoring.matrix_choices() == [("simple", "Harm times chance")]
        form = ScoreForm(matrix_key="simple")
        assert str(form.fields["harm"].label) == "Harm done"
        assert (1, "1 — slight") in form.fields["harm"].choices
        breakdown = scoring.score("simple", {"harm": 1, "chance": 1}).breakdown()
        page = render_to_string("tasking/_score_breakdown.html", {"breakdown": breakdown})
        assert "Harm done" in page and "slim" in page and "Some" in page
        assert "Préjudice" in page  # the harm group, a default group name


def test_validation_errors_are_whole_sentences_in_the_readers_language():
    matrix = scoring.get_matrix("grid4x4")
    with pseudo_language():
        try:
            scoring.validate_inputs(matrix, {"impact": 9, "colour": 1})
        except scoring.ValidationError as exc:
            errors = exc.message_dict
        else:  # pragma: no cover - the inputs are wrong
            raise AssertionError("accepted")
    # One sentence, the factor's own label translated inside it.
    assert errors["impact"] == [
        _marked(f"{_marked('Impact')} (impact): “9” is not on its scale (1, 2, 3, 4).")
    ]
    assert errors["likelihood"][0].startswith(OPEN) and errors["likelihood"][0].endswith(CLOSE)
    assert errors["colour"][0].startswith(OPEN + "“colour” is not a factor of the ")
