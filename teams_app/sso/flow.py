"""The OpenID Connect authorization code flow, through Authlib's Flask client.

``begin`` sends the browser to the provider (discovery, PKCE, ``state`` and ``nonce``);
``complete`` checks what comes back to the callback and returns the ID token's verified claims.
Authlib checks the state, the ID token's signature (keys from the provider's ``jwks_uri``) and its
claims; this module adds what it leaves to the application: the discovery document's issuer, the
``iss`` response parameter (RFC 9207), ``aud`` containing our client id, ``iss`` and ``exp``
required, a bounded age for a sign-in in progress, and one plain reason for every refusal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request, session
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError

from teams_app.sso.config import ProviderConfig
from teams_app.sso.refusals import SignInRefused
from teams_app.urls import external_url

ATTEMPTS = "sso_attempts"
MAX_ATTEMPTS = 3  # sign-ins in progress kept per browser (several tabs); the session is a cookie


@dataclass(frozen=True)
class Attempt:
    """A sign-in this browser started: where it goes next and whether to remember the device."""

    provider: str
    started: float
    remember: bool
    next_url: str | None


def init_app(app: Flask) -> None:
    """One Authlib registry per app, so each test app (and each provider) has its own clients."""
    oauth = OAuth(app)
    for provider in app.config["SSO_PROVIDERS"]:
        oauth.register(
            provider.key,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.metadata_url,
            client_kwargs={
                "scope": provider.scopes,
                "code_challenge_method": "S256",
                "default_timeout": app.config["SSO_TIMEOUT"],
            },
        )
    app.extensions["sso"] = oauth
    app.jinja_env.globals["sso_provider_name"] = provider_name


def providers() -> tuple[ProviderConfig, ...]:
    return tuple(current_app.config["SSO_PROVIDERS"])


def get_provider(key: str) -> ProviderConfig | None:
    return next((p for p in providers() if p.key == key), None)


def provider_name(key: str) -> str:
    """A linked identity's provider as people know it (or its key, if no longer configured)."""
    provider = get_provider(key)
    return provider.name if provider is not None else key


def redirect_uri(provider: ProviderConfig) -> str:
    """Built from BASE_URL: it must match, character for character, what the provider has."""
    return external_url("sso.callback", provider=provider.key)


def _client(provider: ProviderConfig) -> Any:
    return current_app.extensions["sso"].create_client(provider.key)


def _metadata(provider: ProviderConfig, client: Any) -> dict[str, Any]:
    """The provider's discovery document (fetched once per process, then kept by Authlib)."""
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        raise SignInRefused("provider_unavailable", provider, error=type(exc).__name__) from exc
    if metadata.get("issuer") != provider.issuer:
        found = metadata.get("issuer")
        client.server_metadata.clear()  # look again next time: it may be fixed without a restart
        raise SignInRefused("provider_misconfigured", provider, issuer=str(found))
    return metadata


def discovery(provider: ProviderConfig) -> dict[str, Any]:
    """The provider's checked discovery document (raises ``SignInRefused`` when it fails)."""
    return _metadata(provider, _client(provider))


def begin(provider: ProviderConfig, *, remember: bool, next_url: str | None) -> str:
    """Start a sign-in; returns the provider's authorization URL to send the browser to."""
    client = _client(provider)
    _metadata(provider, client)
    uri = redirect_uri(provider)
    try:
        rv = client.create_authorization_url(uri)
    except requests.RequestException as exc:
        raise SignInRefused("provider_unavailable", provider, error=type(exc).__name__) from exc
    # Authlib keeps the state, nonce and PKCE verifier in the session; not the URL (cookie size).
    client.save_authorize_data(
        redirect_uri=uri, state=rv["state"], nonce=rv["nonce"], code_verifier=rv["code_verifier"]
    )
    attempts = dict(session.get(ATTEMPTS) or {})
    attempts[rv["state"]] = {
        "p": provider.key,
        "t": time.time(),
        "r": remember,
        "n": next_url,
    }
    for old in sorted(attempts, key=lambda s: attempts[s]["t"])[:-MAX_ATTEMPTS]:
        _forget(attempts.pop(old)["p"], old)
    session[ATTEMPTS] = attempts
    return str(rv["url"])


def _forget(provider_key: str, state: str) -> None:
    client = current_app.extensions["sso"].create_client(provider_key)
    if client is not None:
        client.framework.clear_state_data(session, state)


def _take_attempt(provider: ProviderConfig, state: str) -> Attempt:
    """The sign-in this callback answers, used up now whatever happens next (no replays)."""
    attempts = dict(session.get(ATTEMPTS) or {})
    raw = attempts.pop(state, None) if state else None
    session[ATTEMPTS] = attempts
    if raw is None or raw.get("p") != provider.key:
        raise SignInRefused("state", provider)
    attempt = Attempt(raw["p"], float(raw["t"]), bool(raw["r"]), raw.get("n"))
    max_age = current_app.config["SSO_ATTEMPT_MAX_AGE"]
    if time.time() - attempt.started >= max_age:
        _forget(provider.key, state)
        raise SignInRefused("expired_attempt", provider, max_age=max_age)
    return attempt


def _claims_options(provider: ProviderConfig) -> dict[str, Any]:
    return {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }


def _claim_refusal(provider: ProviderConfig, exc: ClaimError) -> SignInRefused:
    claim = exc.claim
    if isinstance(exc, ExpiredTokenError):
        return SignInRefused("id_token_expired", provider)
    if claim == "nonce":
        return SignInRefused("nonce", provider)
    if claim in ("aud", "azp"):
        return SignInRefused("audience", provider)
    if claim == "iss":
        return SignInRefused("issuer", provider)
    return SignInRefused("id_token_invalid", provider, claim=claim)


def complete(provider: ProviderConfig) -> tuple[dict[str, Any], Attempt]:
    """Check the callback and redeem its code; returns the ID token's claims and the attempt."""
    args = request.args
    state = args.get("state", "")
    attempt = _take_attempt(provider, state)
    client = _client(provider)
    if args.get("error"):
        _forget(provider.key, state)
        error = args.get("error", "")[:100]
        description = args.get("error_description", "")[:300]
        reason = "denied_at_provider" if error == "access_denied" else "provider_error"
        raise SignInRefused(reason, provider, error=error, description=description)
    metadata = _metadata(provider, client)
    if (
        metadata.get("authorization_response_iss_parameter_supported") or "iss" in args
    ) and args.get("iss") != provider.issuer:
        _forget(provider.key, state)
        raise SignInRefused("issuer", provider)
    try:
        token = client.authorize_access_token(
            claims_options=_claims_options(provider), leeway=current_app.config["SSO_CLOCK_SKEW"]
        )
    except MismatchingStateError as exc:
        raise SignInRefused("state", provider) from exc
    except OAuthError as exc:
        raise SignInRefused(
            "token_refused", provider, error=str(exc.error), description=str(exc.description)
        ) from exc
    except (requests.RequestException, ValueError) as exc:
        raise SignInRefused("provider_unavailable", provider, error=type(exc).__name__) from exc
    except ClaimError as exc:
        raise _claim_refusal(provider, exc) from exc
    except JoseError as exc:
        raise SignInRefused("signature", provider, error=exc.error or type(exc).__name__) from exc
    claims = token.get("userinfo")
    if not claims:
        raise SignInRefused("id_token_missing", provider)
    return dict(claims), attempt
