"""The grading map: every default names real codes, a grade with no faithful counterpart waits
for the sender, and an administrator's override takes effect."""

from __future__ import annotations

import pytest

from exchange import grading_map
from intelligence import grading


def test_every_default_maps_real_codes_of_both_schemes():
    for pair, axes in grading_map.DEFAULT_MAP.items():
        source, target = pair.split(">")
        for axis, codes in axes.items():
            assert set(codes) <= set(grading.codes(source, axis)), (pair, axis)
            for code in codes.values():
                assert code is None or code in grading.codes(target, axis), (pair, axis, code)


def test_a_grade_without_counterpart_is_left_for_the_sender_never_guessed():
    grade = {"source_evaluation": "C", "intelligence_assessment": "1", "handling_code": "1"}
    mapped = grading_map.carry("5x5x5", grade, "3x5x2")
    assert mapped.undecided == {
        "source_evaluation": ["1", "2", "3"],
        "intelligence_assessment": ["A", "B", "C", "D", "E"],
    }
    assert mapped.codes == {"handling_code": "P"}
    chosen = grading_map.carry(
        "5x5x5", grade, "3x5x2", {"source_evaluation": "2", "intelligence_assessment": "A"}
    )
    assert chosen.complete and chosen.codes["source_evaluation"] == "2"
    with pytest.raises(ValueError, match="not a source evaluation code"):
        grading_map.carry("5x5x5", grade, "3x5x2", {"source_evaluation": "Z"})


def test_the_same_scheme_carries_the_grade_unchanged():
    grade = {"source_evaluation": "2", "intelligence_assessment": "B", "handling_code": "C"}
    assert grading_map.carry("3x5x2", grade, "3x5x2").codes == grade


def test_an_administrators_override_replaces_a_default(settings):
    settings.ILP_EXCHANGE_GRADING_MAP = '{"3x5x2>5x5x5": {"source_evaluation": {"1": "A"}}}'
    grade = {"source_evaluation": "1", "intelligence_assessment": "A", "handling_code": "P"}
    assert grading_map.carry("3x5x2", grade, "5x5x5").codes["source_evaluation"] == "A"
