"""Every page, the API documentation included, renders in Chromium under the content security
policy (no 'unsafe-inline' for scripts or styles) without a single violation; and the security
pages, looked at on a laptop and a phone."""

from __future__ import annotations

from typing import Any

import pytest

from teams_app import audit
from tests.browser.conftest import shot, sign_in
from tests.factories import PASSWORD
from tests.integration import test_permissions as matrix

pytestmark = pytest.mark.browser
path_targets = matrix.path_targets

# Collects every violation the page reports, from the first script on.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push({directive: e.violatedDirective, blocked: e.blockedURI,
                     sample: e.sample, source: e.sourceFile, line: e.lineNumber});
});
"""
NOT_PAGES = (
    "/api/v1/",
    "/healthz",
    "/readyz",
    "/favicon.ico",  # an image: Chromium draws it in a viewer page of its own
    ".csv",
    "/digest/unsubscribe/",
    "/auth/reset/",
    "/auth/invitation/",
)
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _watched(browser: Any, **options: Any) -> Any:
    context = browser.new_context(viewport=LAPTOP, **options)
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH)
    page = context.new_page()
    page.console_messages = []
    page.on(
        "console",
        lambda m: (
            page.console_messages.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    return page


def _violations(page: Any) -> list[Any]:
    return list(page.evaluate("window.__csp")) + list(page.console_messages)


def _html_pages(role: str) -> list[str]:
    rules = sorted(
        rule
        for (method, rule), statuses in matrix.MATRIX.items()
        if method == "GET"
        and statuses[matrix.ROLES.index(role)] == 200
        and not any(part in rule for part in NOT_PAGES)
    )
    return rules


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_every_page_renders_without_a_csp_violation(app, server, browser, path_targets, role):
    user = matrix._actor(role, path_targets)
    page = _watched(browser)
    sign_in(page, server, user.email, PASSWORD)
    failures = []
    for rule in _html_pages(role):
        path = matrix._path(rule, path_targets)
        response = page.goto(f"{server}{path}")
        assert response is not None and response.status < 400, f"{path}: {response.status}"
        page.wait_for_load_state("networkidle")
        if page.get_by_role("button", name="Admin", exact=True).count():
            page.get_by_role("button", name="Admin", exact=True).first.click()  # Bootstrap JS
        found = _violations(page)
        if found:
            failures.append(f"{path}: {found}")
        page.console_messages.clear()
    assert not failures, "\n".join(failures)


def test_the_api_docs_render_and_work_without_a_csp_violation(app, server, browser, staff):
    page = _watched(browser)
    sign_in(page, server, staff.email, PASSWORD)
    page.goto(f"{server}/api/docs")
    page.locator(".api-op").first.wait_for()
    page.locator(".api-op > summary").first.click()  # expand an operation: more markup, styles
    page.locator(".api-op[open] .card-body").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert _violations(page) == []
    shot(page, "api-docs-under-csp")


def test_the_watch_sees_an_inline_style_the_policy_blocks(app, browser):
    """The check above can fail: an inline style attribute and block are reported."""
    from tests.browser.conftest import make_server

    @app.get("/_inline")
    def inline() -> str:
        return '<!doctype html><p style="color: red">x</p><style>p { color: blue }</style>'

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    import threading

    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        page = _watched(browser)
        page.goto(f"http://127.0.0.1:{httpd.server_port}/_inline")
        page.wait_for_load_state("networkidle")
        directives = {v["directive"] for v in page.evaluate("window.__csp")}
        assert {"style-src-attr", "style-src-elem"} <= directives
    finally:
        httpd.shutdown()
        thread.join(timeout=5)


def test_signed_out_pages_render_without_a_csp_violation(app, server, browser):
    page = _watched(browser)
    for path in ("/auth/login", "/auth/forgot", "/auth/signup", "/auth/reset/forged", "/missing"):
        page.goto(f"{server}{path}")
        page.wait_for_load_state("networkidle")
        assert _violations(page) == [], path


def test_security_pages_on_a_laptop_and_a_phone(app, server, browser, admin, staff):
    audit.record("auth.sign_in_failed", actor=None, object=staff, reason="wrong_password")
    audit.record("auth.locked_out", actor=None, scope="address", kind="token", limit=20)
    audit.record(
        "request.rejected", actor=staff, reason="unknown_fields", fields=["role"], path="/api/v1/me"
    )
    for name, viewport, options in (
        ("laptop", LAPTOP, {}),
        ("phone", PHONE, {"is_mobile": True, "has_touch": True}),
    ):
        page = _watched(browser, **options)
        page.set_viewport_size(viewport)
        sign_in(page, server, admin.email, PASSWORD)
        page.goto(f"{server}/admin/audit")
        page.get_by_role("heading", name="Security audit log").wait_for()
        shot(page, f"audit-log-{name}")
        page.goto(f"{server}/admin/users/{staff.id}/sign-out")
        shot(page, f"sign-out-everywhere-{name}")
        page.goto(f"{server}/account/")
        page.get_by_label("New email address").fill("not-an-address")
        page.get_by_label("Your password", exact=True).fill("wrong")
        page.get_by_role("button", name="Change email").click()
        page.get_by_text("Enter a valid email address.").first.wait_for()
        shot(page, f"profile-email-change-{name}")
        assert _violations(page) == []
        page.context.close()
