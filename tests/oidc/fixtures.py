"""Pytest fixtures for single sign-on: the test provider behind its tamper proxy, and the app
configured to use it. Imported by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from teams_app.sso.config import ProviderConfig
from tests.oidc.harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    OidcProvider,
    TamperProxy,
    account,
    free_port,
    why_unavailable,
)

ADMIN_GROUP = "mt-admins"
LEADERSHIP_GROUP = "mt-leadership"


def people() -> dict[str, dict[str, Any]]:
    """Who the provider knows at the start of each test."""
    return {
        "priya": account("priya", name="Priya Shah"),
        "olu": account("olu", name="Olu Adeyemi"),
        "avery": account("avery", name="Avery Admin", groups=[ADMIN_GROUP]),
        "louise": account("louise", name="Louise Director", groups=[LEADERSHIP_GROUP]),
        "outsider": account("outsider", name="Out Sider", email="outsider@gmail.example"),
        "unverified": account("unverified", email_verified=False),
    }


def provider_config(issuer: str, key: str = "testidp", name: str = "Test IdP") -> ProviderConfig:
    return ProviderConfig(
        key=key,
        name=name,
        issuer=issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        domains=("library.example",),
        groups_claim="groups",
        admin_groups=frozenset({ADMIN_GROUP}),
        leadership_groups=frozenset({LEADERSHIP_GROUP}),
        scopes="openid email profile groups",
    )


@dataclass
class Idp:
    """The running test provider and the proxy in front of it, reset for each test."""

    provider: OidcProvider
    proxy: TamperProxy

    @property
    def issuer(self) -> str:
        return self.provider.issuer

    def update_account(self, login: str, **changes: Any) -> None:
        self.provider.update_account(login, **changes)


@pytest.fixture(scope="session")
def idp_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[OidcProvider, TamperProxy]]:
    reason = why_unavailable()
    if reason:
        pytest.skip(reason)
    proxy_port, port = free_port(), free_port()
    provider = OidcProvider(
        tmp_path_factory.mktemp("idp"), issuer=f"http://127.0.0.1:{proxy_port}", port=port
    )
    proxy = TamperProxy(proxy_port, port)
    proxy.start()
    provider.start()
    yield provider, proxy
    provider.stop()
    proxy.stop()


@pytest.fixture
def idp(idp_server: tuple[OidcProvider, TamperProxy]) -> Idp:
    provider, proxy = idp_server
    provider.set_accounts(people())
    proxy.mode = None
    proxy.tampered = 0
    return Idp(provider, proxy)


@pytest.fixture(scope="session")
def slow_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    """A second provider whose clock runs ten minutes slow: its ID tokens (valid for a minute)
    have expired, by its own honest signature, before they reach the app."""
    reason = why_unavailable()
    if reason:
        pytest.skip(reason)
    port = free_port()
    provider = OidcProvider(
        tmp_path_factory.mktemp("slow-idp"),
        issuer=f"http://127.0.0.1:{port}",
        port=port,
        clock_offset=-600,
    )
    provider.set_accounts(people())
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def sso_overrides(idp: Idp, request: pytest.FixtureRequest) -> dict[str, Any]:
    """App settings for tests that sign in with the test provider ("Test IdP", changed by a
    ``sso_provider(**settings)`` mark) and, for tests marked ``slow_clock_provider``, also with
    "Slow IdP", whose clock is ten minutes slow."""
    providers = [provider_config(idp.issuer)]
    marker = request.node.get_closest_marker("sso_provider")
    if marker is not None:  # @pytest.mark.sso_provider(trust_email=True, ...) changes settings
        providers = [replace(providers[0], **marker.kwargs)]
    if request.node.get_closest_marker("slow_clock_provider"):
        slow = request.getfixturevalue("slow_idp")
        providers.append(provider_config(slow.issuer, key="slowidp", name="Slow IdP"))
    return {"SSO_PROVIDERS": tuple(providers)}
