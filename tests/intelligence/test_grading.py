"""Grading schemes as data: every code of every scheme, the conditions rule, disclosure rules."""

import pytest

from intelligence import grading
from intelligence.models import Report

VALID = [
    (scheme, axis, code)
    for scheme, axes in grading.SCHEMES.items()
    for axis, codes in axes.items()
    for code in codes
]
# Codes that belong to another scheme or to no scheme at all.
INVALID = [
    ("3x5x2", grading.SOURCE, "4"),
    ("3x5x2", grading.SOURCE, "A"),
    ("3x5x2", grading.INTELLIGENCE, "F"),
    ("3x5x2", grading.INTELLIGENCE, "1"),
    ("3x5x2", grading.HANDLING, "H0"),
    ("3x5x2", grading.HANDLING, "3"),
    ("5x5x5", grading.SOURCE, "F"),
    ("5x5x5", grading.SOURCE, "1"),
    ("5x5x5", grading.INTELLIGENCE, "6"),
    ("5x5x5", grading.INTELLIGENCE, "A"),
    ("5x5x5", grading.HANDLING, "P"),
    ("5x5x5", grading.HANDLING, "6"),
    ("4x4", grading.SOURCE, "D"),
    ("4x4", grading.SOURCE, "E"),
    ("4x4", grading.INTELLIGENCE, "5"),
    ("4x4", grading.HANDLING, "H4"),
    ("4x4", grading.HANDLING, "P"),
    ("admiralty", grading.SOURCE, "G"),
    ("admiralty", grading.INTELLIGENCE, "7"),
    ("admiralty", grading.HANDLING, "H0"),
    ("admiralty", grading.HANDLING, "1"),
]


def _valid_grading(scheme):
    return {
        grading.SOURCE: next(iter(grading.codes(scheme, grading.SOURCE))),
        grading.INTELLIGENCE: next(iter(grading.codes(scheme, grading.INTELLIGENCE))),
        grading.HANDLING: next(
            c
            for c in grading.codes(scheme, grading.HANDLING)
            if not grading.conditions_required(scheme, c)
        ),
    }


@pytest.mark.parametrize(("scheme", "axis", "code"), VALID)
def test_every_code_of_every_scheme_is_accepted_and_has_a_meaning(scheme, axis, code):
    values = _valid_grading(scheme)
    values[axis] = code
    errors = grading.validate_grading(
        scheme,
        values[grading.SOURCE],
        values[grading.INTELLIGENCE],
        values[grading.HANDLING],
        "Only to named partners",
    )
    assert errors == {}
    assert grading.meaning(scheme, axis, code)


@pytest.mark.parametrize(("scheme", "axis", "code"), INVALID)
def test_a_code_from_another_scheme_is_refused_naming_the_field_and_the_allowed_codes(
    scheme, axis, code
):
    values = _valid_grading(scheme)
    values[axis] = code
    errors = grading.validate_grading(
        scheme, values[grading.SOURCE], values[grading.INTELLIGENCE], values[grading.HANDLING], "x"
    )
    assert list(errors) == [axis]
    message = errors[axis][0]
    assert scheme in message
    for allowed in grading.codes(scheme, axis):
        assert allowed in message


def test_an_unknown_scheme_is_refused():
    assert list(grading.validate_grading("9x9x9", "1", "A", "P")) == ["grading_scheme"]


@pytest.mark.parametrize(
    ("scheme", "handling", "needs_conditions"),
    [
        ("3x5x2", "P", False),
        ("3x5x2", "C", True),
        ("5x5x5", "1", False),
        ("5x5x5", "2", True),
        ("5x5x5", "3", True),
        ("5x5x5", "4", True),
        ("5x5x5", "5", True),
        ("4x4", "H0", False),
        ("4x4", "H1", False),
        ("4x4", "H2", False),
        ("4x4", "H3", True),
        ("admiralty", "P", False),
        ("admiralty", "C", True),
    ],
)
def test_handling_codes_that_need_written_conditions_are_refused_without_them(
    scheme, handling, needs_conditions
):
    values = _valid_grading(scheme)
    without = grading.validate_grading(
        scheme, values[grading.SOURCE], values[grading.INTELLIGENCE], handling, "   "
    )
    with_conditions = grading.validate_grading(
        scheme, values[grading.SOURCE], values[grading.INTELLIGENCE], handling, "Named partner only"
    )
    assert with_conditions == {}
    if needs_conditions:
        assert list(without) == ["handling_conditions"]
        assert "conditions" in without["handling_conditions"][0]
        assert handling in without["handling_conditions"][0]
    else:
        assert without == {}


def test_a_scheme_switched_off_by_configuration_is_refused_for_new_reports(settings):
    settings.ILP_GRADING_SCHEMES = ["3x5x2"]
    errors = grading.validate_grading("5x5x5", "B", "2", "1", new_report=True)
    assert list(errors) == ["grading_scheme"]
    assert grading.validate_grading("5x5x5", "B", "2", "1") == {}
    assert grading.enabled_schemes() == ["3x5x2"]


def test_grades_are_described_in_words_in_the_order_of_their_code():
    assert grading.describe("3x5x2", "2", "B") == (
        "2B — source evaluation 2: Untested; "
        "intelligence assessment B: Known indirectly to the source but corroborated"
    )
    assert grading.describe("5x5x5", "B", "2") == (
        "B2 — source evaluation B: Mostly reliable; "
        "intelligence assessment 2: Known personally to the source but not to the officer"
    )


def _rules(scheme, handling, conditions=""):
    report = Report(grading_scheme=scheme, handling_code=handling, handling_conditions=conditions)
    return report.disclosure_rules()


def test_disclosure_rules_follow_each_schemes_handling_code():
    assert _rules("3x5x2", "P") == _rules("3x5x2", "P").__class__(handling_code="P")
    assert _rules("3x5x2", "C", "Named partner only").conditions == "Named partner only"
    for code in ("4", "5"):
        rules = _rules("5x5x5", code, "Refer")
        assert rules.blocked_reason and code in rules.blocked_reason
    for code in ("2", "3"):
        rules = _rules("5x5x5", code, "Authorised by DI")
        assert not rules.blocked_reason and rules.conditions == "Authorised by DI"
    assert _rules("4x4", "H0").conditions == "" and not _rules("4x4", "H0").blocked_reason
    assert "judicial proceedings" in _rules("4x4", "H1").conditions
    assert _rules("4x4", "H2").needs_provider_permission is True
    assert _rules("4x4", "H3", "Not to media").conditions == "Not to media"
    assert _rules("admiralty", "C", "Named partner").conditions == "Named partner"
    assert _rules("admiralty", "P") == _rules("admiralty", "P").__class__(handling_code="P")
