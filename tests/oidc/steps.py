"""Single sign-on steps for tests that use Flask's test client: the app's side runs in the
test client, the provider's side over real HTTP (``IdpBrowser``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from tests.oidc.harness import IdpBrowser


def start(
    client: FlaskClient, provider: str = "testidp", *, remember: bool = False, next_url: str = ""
) -> Any:
    """Press "Sign in with ..." on the sign-in page (with "Keep me signed in" ticked or not)."""
    args = {"next": next_url} if next_url else {}
    if remember:
        args["remember"] = "1"
    return client.get(f"/auth/sso/{provider}", query_string=args)


def follow(client: FlaskClient, callback_url: str) -> Any:
    """Arrive at the app's callback, as the browser would after the provider's redirect."""
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(
    client: FlaskClient,
    login: str,
    *,
    browser: IdpBrowser | None = None,
    provider: str = "testidp",
    consent: bool = True,
    remember: bool = False,
) -> Any:
    """The whole journey: start, sign in at the provider, come back. Returns the callback's
    response (``.callback_url`` is the URL the provider sent the browser to)."""
    started = start(client, provider, remember=remember)
    assert started.status_code == 302, started.get_data(as_text=True)[:500]
    callback_url = (browser or IdpBrowser()).sign_in(
        started.headers["Location"], login, consent=consent
    )
    response = follow(client, callback_url)
    response.callback_url = callback_url
    return response
