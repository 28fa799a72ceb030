"""Ids read from query strings are bounded to the database's integer range."""

from __future__ import annotations

import pytest

from teams_app.input_guard import MAX_ID, parse_id


@pytest.mark.parametrize("value", ["1", "42", str(MAX_ID)])
def test_ids_in_range_are_read(value):
    assert parse_id(value) == int(value)


@pytest.mark.parametrize("value", ["0", "-3", str(MAX_ID + 1), "99999999999999999999", "x"])
def test_other_values_are_not_ids(value):
    with pytest.raises(ValueError):
        parse_id(value)
