"""Scoring matrices: hand-computed examples, input validation, configuration."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings

from tasking import scoring
from tests.tasking.helpers import MORILE_INPUTS


def test_the_default_morile_matrix_matches_a_hand_computed_example():
    # harm = (2x4 + 1.5x3 + 1x2 + 1x3 + 1x1 + 1.5x4) / 8 = 24.5 / 8 = 3.0625
    # risk = 3.0625 x 4 = 12.25; position = (4 + 2) / 2 = 3 -> modifier 1 + 0.25 x 0 = 1
    result = scoring.score("morile", MORILE_INPUTS)
    assert result.score == Decimal("12.25")
    assert result.band == "High"
    assert result.confidence == 2 and result.confidence_label == "Medium"
    steps = {s["name"]: s for s in result.steps}
    assert steps["harm"]["value"] == "3.06"
    assert steps["harm"]["working"] == "(2×4 + 1.5×3 + 1×2 + 1×3 + 1×1 + 1.5×4) / 8 = 24.5 / 8"
    assert steps["risk"]["value"] == "12.25"
    assert steps["modifier"]["value"] == "1"
    assert steps["score"]["working"] == "12.25 × 1"


def test_a_weak_organisational_position_raises_the_priority_score():
    inputs = {
        **MORILE_INPUTS,
        "physical": 2,
        "psychological": 1,
        "financial": 0,
        "community": 2,
        "geographic_scope": 2,
        "victim_vulnerability": 3,
        "likelihood": 5,
        "capacity": 5,
        "capability": 4,
    }
    # harm = (4 + 1.5 + 0 + 2 + 2 + 4.5) / 8 = 1.75; risk = 1.75 x 5 = 8.75
    # position 4.5 -> modifier 1 + 0.25 x 1.5 = 1.375; score = 8.75 x 1.375 = 12.03125
    result = scoring.score("morile", inputs)
    assert result.score == Decimal("12.03")
    assert {s["name"]: s["value"] for s in result.steps}["modifier"] == "1.38"


def test_the_four_by_four_grid_multiplies_impact_by_likelihood():
    assert scoring.score("grid4x4", {"impact": 3, "likelihood": 4}).score == Decimal(12)
    assert scoring.score("grid4x4", {"impact": 3, "likelihood": 4}).band == "Very high"
    assert scoring.score("grid4x4", {"impact": 2, "likelihood": 2}).band == "Medium"
    low = scoring.score("grid4x4", {"impact": 1, "likelihood": 3})
    assert (low.score, low.band) == (Decimal(3), "Low")
    assert low.steps[0]["working"] == "1 × 3"
    assert low.confidence is None


def test_a_value_off_the_scale_is_rejected_naming_the_factor():
    with pytest.raises(ValidationError) as caught:
        scoring.score("morile", {**MORILE_INPUTS, "physical": 7})
    assert list(caught.value.message_dict) == ["physical"]
    assert "Physical harm (physical)" in caught.value.message_dict["physical"][0]
    assert "0, 1, 2, 3, 4" in caught.value.message_dict["physical"][0]


def test_missing_unknown_and_non_numeric_factors_are_each_named():
    inputs = {**MORILE_INPUTS, "colour": 3, "likelihood": "high", "capacity": True}
    del inputs["confidence"]
    with pytest.raises(ValidationError) as caught:
        scoring.score("morile", inputs)
    assert set(caught.value.message_dict) == {"colour", "likelihood", "capacity", "confidence"}


def test_numbers_given_as_text_are_accepted():
    inputs = {k: str(v) for k, v in MORILE_INPUTS.items()}
    assert scoring.score("morile", inputs).score == Decimal("12.25")


def test_an_unknown_matrix_is_refused():
    with pytest.raises(ValidationError) as caught:
        scoring.score("astrology", {})
    assert "matrix" in caught.value.message_dict


CUSTOM = {
    "simple": {
        "label": "Harm times likelihood",
        "formula": "morile",
        "factors": [
            {"key": "harm", "group": "harm", "scale": {"1": "low", "2": "high"}},
            {"key": "chance", "group": "likelihood", "scale": {"1": "low", "2": "high"}},
        ],
        "bands": [[0, "Low"], [4, "High"]],
    }
}


def test_a_matrix_from_the_setting_replaces_the_defaults():
    with override_settings(ILP_SCORING_MATRICES=CUSTOM):
        assert list(scoring.matrices()) == ["simple"]
        assert scoring.default_matrix_key() == "simple"
        result = scoring.score("simple", {"harm": 2, "chance": 2})
        assert (result.score, result.band) == (Decimal(4), "High")
    assert "morile" in scoring.matrices()


def test_a_matrix_from_a_json_file_is_read(tmp_path, monkeypatch):
    path = tmp_path / "matrices.json"
    path.write_text(json.dumps(CUSTOM))
    monkeypatch.setenv("ILP_SCORING_FILE", str(path))
    scoring.reset()
    try:
        assert list(scoring.matrices()) == ["simple"]
    finally:
        monkeypatch.delenv("ILP_SCORING_FILE")
        scoring.reset()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"formula": "magic"}, "formula 'magic'"),
        ({"factors": [{"key": "harm", "group": "harm", "scale": {"a": "x"}}]}, "factor 'harm'"),
        (
            {"factors": [{"key": "harm", "group": "harm", "weight": 0, "scale": {"1": "x"}}]},
            "weight",
        ),
        ({"factors": [{"key": "harm", "group": "harm", "scale": {"1": "x"}}]}, "'likelihood'"),
    ],
)
def test_a_broken_configuration_stops_start_up_naming_the_fault(change, named):
    broken = {"bad": {**CUSTOM["simple"], **change}}
    with override_settings(ILP_SCORING_MATRICES=broken):
        with pytest.raises(ImproperlyConfigured) as caught:
            scoring.load()
        assert "matrix 'bad'" in str(caught.value)
        assert named in str(caught.value)
    scoring.reset()


def test_a_default_naming_no_matrix_is_refused():
    with (
        override_settings(ILP_SCORING_DEFAULT="nothing"),
        pytest.raises(ImproperlyConfigured, match="ILP_SCORING_DEFAULT"),
    ):
        scoring.load()
    scoring.reset()
