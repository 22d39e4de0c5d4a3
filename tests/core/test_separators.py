"""One separator convention for lists typed in one box (``ilp_platform/core/separators.py``):
commas, spaces, semicolons and new lines, in every form that takes a list."""

from __future__ import annotations

import pytest

from analysis.kinds.params import text_list
from ilp_platform.core.separators import join_list, split_list

EVERY_SEPARATOR = [
    "A, B, C",
    "A,B,C",
    "A B C",
    "A;B; C",
    "A\nB\r\nC",
    "A\tB  ,; C",
    " A , B\n\nC ; ",
]


@pytest.mark.parametrize("text", EVERY_SEPARATOR)
def test_commas_spaces_semicolons_and_new_lines_all_separate(text):
    assert split_list(text) == ["A", "B", "C"]


@pytest.mark.parametrize("text", ["", None, " ", ",;\n"])
def test_nothing_typed_is_an_empty_list(text):
    assert split_list(text) == []


def test_parts_keep_their_order_and_case_and_are_joined_back_with_commas():
    assert split_list("ir-1 IR-2 ir-1") == ["ir-1", "IR-2", "ir-1"]
    assert join_list([12, 40]) == "12, 40"


@pytest.mark.parametrize("text", ["100, 200, 300", "100 200 300", "100;200\n300"])
def test_the_analysis_list_parameters_read_their_text_form_the_same_way(text):
    assert text_list(text) == ["100", "200", "300"]
    # A JSON array stays a JSON array.
    assert text_list("[100, 200]") == [100, 200]
