"""Pages run a fixed number of SQL queries whatever the number of people."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.factories import DepartmentFactory, UserFactory


@pytest.mark.parametrize(
    "path", ["/people/?per_page=200", "/admin/users?per_page=200", "/admin/departments", "/"]
)
def test_page_queries_do_not_grow_with_people(client, admin, count_queries, path):
    login(client, admin)
    for _i in range(3):
        UserFactory(department=DepartmentFactory())
    small = count_queries(lambda: client.get(path))
    for _i in range(60):
        UserFactory(department=DepartmentFactory())
    large = count_queries(lambda: client.get(path))
    assert small == large, f"{path}: {small} queries with 4 people, {large} with 64"
    assert large <= 8


def test_api_user_list_queries_do_not_grow(api_as, admin, count_queries):
    api = api_as(admin)
    for _i in range(3):
        UserFactory()
    small = count_queries(lambda: api.get("/users?per_page=200"))
    for _i in range(60):
        UserFactory()
    assert count_queries(lambda: api.get("/users?per_page=200")) == small
