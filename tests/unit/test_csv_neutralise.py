"""CSV cells that a spreadsheet would run as a formula are neutralised with a leading quote."""

from __future__ import annotations

import pytest

from teams_app.barriers.queries import neutralise


@pytest.mark.parametrize(
    "value",
    ["=SUM(A1:A9)", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "=", "-", '=HYPERLINK("x")'],
)
def test_formula_starts_get_a_quote(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    ["Printers jam", "", "a=b", "1+1", "x-y", "me@library.example", " =not a formula", "café", "'"],
)
def test_other_text_is_left_alone(value):
    assert neutralise(value) == value


def test_none_is_an_empty_cell():
    assert neutralise(None) == ""


@pytest.mark.parametrize("value, cell", [(0, "0"), (42, "42"), (3.5, "3.5"), (-3, "'-3")])
def test_numbers_become_text_and_negatives_are_quoted(value, cell):
    assert neutralise(value) == cell


def test_the_quote_goes_only_at_the_start():
    assert neutralise("=a=b") == "'=a=b"
    assert neutralise("'=already") == "'=already"
