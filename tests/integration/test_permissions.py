"""Route x role -> status, for every route the app has. A new route fails this test until it is
added to MATRIX with the status each role should get."""

from __future__ import annotations

import pytest

from teams_app.account.services import create_token
from tests.conftest import CSRF_RE, ApiClient, login
from tests.factories import DepartmentFactory, UserFactory

ROLES = ("anon", "staff", "leadership", "admin")
# Routes no role rule applies to: served files.
EXEMPT = {("GET", "/static/<path:filename>")}

# (method, rule): (anon, staff, leadership, admin). HTML routes use the session; /api/v1 routes a
# bearer token. Bodies are empty, so allowed writes answer 422 (invalid) or 302 (flash + redirect).
MATRIX: dict[tuple[str, str], tuple[int, int, int, int]] = {
    ("GET", "/"): (302, 200, 200, 200),
    ("GET", "/healthz"): (200, 200, 200, 200),
    ("GET", "/auth/login"): (200, 302, 302, 302),
    ("POST", "/auth/login"): (200, 302, 302, 302),
    ("POST", "/auth/logout"): (302, 302, 302, 302),
    ("GET", "/auth/forgot"): (200, 200, 200, 200),
    ("POST", "/auth/forgot"): (200, 200, 200, 200),
    ("GET", "/auth/reset/<token>"): (400, 400, 400, 400),
    ("POST", "/auth/reset/<token>"): (400, 400, 400, 400),
    ("GET", "/auth/invitation/<token>"): (400, 400, 400, 400),
    ("POST", "/auth/invitation/<token>"): (400, 400, 400, 400),
    ("GET", "/auth/signup"): (200, 302, 302, 302),
    ("POST", "/auth/signup"): (200, 302, 302, 302),
    ("GET", "/account/"): (302, 200, 200, 200),
    ("POST", "/account/"): (302, 422, 422, 422),
    ("POST", "/account/password"): (302, 422, 422, 422),
    ("POST", "/account/tokens"): (302, 422, 422, 422),
    ("POST", "/account/tokens/<int:token_id>/revoke"): (302, 302, 302, 302),
    ("GET", "/people/"): (302, 200, 200, 200),
    ("GET", "/admin/users"): (302, 403, 403, 200),
    ("GET", "/admin/users/invite"): (302, 403, 403, 200),
    ("POST", "/admin/users/invite"): (302, 403, 403, 422),
    ("POST", "/admin/users/<int:user_id>/role"): (302, 403, 403, 302),
    ("GET", "/admin/users/<int:user_id>/deactivate"): (302, 403, 403, 200),
    ("POST", "/admin/users/<int:user_id>/deactivate"): (302, 403, 403, 302),
    ("POST", "/admin/users/<int:user_id>/reactivate"): (302, 403, 403, 302),
    ("POST", "/admin/users/<int:user_id>/resend-invitation"): (302, 403, 403, 302),
    ("GET", "/admin/departments"): (302, 403, 403, 200),
    ("POST", "/admin/departments"): (302, 403, 403, 422),
    ("GET", "/admin/departments/<int:dept_id>/edit"): (302, 403, 403, 200),
    ("POST", "/admin/departments/<int:dept_id>/edit"): (302, 403, 403, 302),
    ("GET", "/admin/departments/<int:dept_id>/delete"): (302, 403, 403, 200),
    ("POST", "/admin/departments/<int:dept_id>/delete"): (302, 403, 403, 302),
    ("GET", "/admin/operations"): (302, 403, 403, 200),
    ("GET", "/api/docs"): (200, 200, 200, 200),
    ("GET", "/api/v1/openapi.json"): (200, 200, 200, 200),
    ("GET", "/api/v1/me"): (401, 200, 200, 200),
    ("PATCH", "/api/v1/me"): (401, 200, 200, 200),
    ("GET", "/api/v1/me/tokens"): (401, 200, 200, 200),
    ("POST", "/api/v1/me/tokens"): (401, 422, 422, 422),
    ("DELETE", "/api/v1/me/tokens/<int:token_id>"): (401, 404, 404, 404),
    ("GET", "/api/v1/users"): (401, 200, 200, 200),
    ("POST", "/api/v1/users"): (401, 403, 403, 422),
    ("GET", "/api/v1/users/<int:user_id>"): (401, 200, 200, 200),
    ("PATCH", "/api/v1/users/<int:user_id>"): (401, 403, 403, 200),
    ("GET", "/api/v1/departments"): (401, 200, 200, 200),
    ("POST", "/api/v1/departments"): (401, 403, 403, 422),
}


def app_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, rule.rule))
    return routes - EXEMPT


def test_every_route_is_in_the_matrix(app):
    missing = app_routes(app) - set(MATRIX)
    assert not missing, f"add these routes to MATRIX: {sorted(missing)}"
    stale = set(MATRIX) - app_routes(app)
    assert not stale, f"MATRIX lists routes the app does not have: {sorted(stale)}"


@pytest.fixture
def world(app):
    """A target person (with a token), and an empty department, for the id parameters."""
    target = UserFactory(name="Target Person", password_hash=None)
    token, _ = create_token(target, "target token")
    dept = DepartmentFactory(name="Empty Branch")
    return {
        "user_id": target.id,
        "token_id": token.id,
        "dept_id": dept.id,
        "token": "not-a-valid-token",
    }


def _path(rule: str, world: dict) -> str:
    for name, value in world.items():
        for conv in ("int:", ""):
            rule = rule.replace(f"<{conv}{name}>", str(value))
    return rule


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(app, world, role):
    failures = []
    client = app.test_client()
    user = None
    if role != "anon":
        user = UserFactory(role=role, name=f"{role} person")
        login(client, user)
    # Routes that end the session or delete the shared department go last.
    order = sorted(
        MATRIX.items(), key=lambda item: ("logout" in item[0][1] or "delete" in item[0][1], item[0])
    )
    for (method, rule), expected in order:
        path = _path(rule, world)
        status = expected[ROLES.index(role)]
        if rule.startswith("/api/v1/") and rule != "/api/v1/openapi.json":
            secret = create_token(user, f"matrix {method} {rule}")[1] if user else None
            api = ApiClient(client, secret)
            call = getattr(api, method.lower())
            kwargs = {"json": {}} if method in ("POST", "PATCH") else {}
            got = call(path[len("/api/v1") :], **kwargs).status_code
        elif method == "GET":
            got = client.get(path).status_code
        else:
            page = client.get("/account/" if user else "/auth/login").get_data(as_text=True)
            token = CSRF_RE.search(page).group(1)
            got = client.open(path, method=method, data={"csrf_token": token}).status_code
        if got != status:
            failures.append(f"{method} {rule} as {role}: expected {status}, got {got}")
    assert not failures, "\n".join(failures)
