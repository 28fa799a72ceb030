"""OpenID providers come from SSO_* variables; a half-configured one refuses to start."""

from __future__ import annotations

import pytest

from teams_app.config import ConfigError, load_config
from teams_app.models import Role
from teams_app.sso.config import ProviderConfig, providers_from_env
from teams_app.sso.services import role_from_groups

ENTRA = {
    "SSO_PROVIDERS": "entra, google",
    "SSO_ENTRA_ISSUER": "https://login.microsoftonline.com/0000-tenant/v2.0",
    "SSO_ENTRA_CLIENT_ID": "app-id",
    "SSO_ENTRA_CLIENT_SECRET": "secret",
    "SSO_ENTRA_NAME": "Microsoft 365",
    "SSO_ENTRA_DOMAINS": "Library.example, @branch.library.example",
    "SSO_ENTRA_GROUPS_CLAIM": "roles",
    "SSO_ENTRA_ADMIN_GROUPS": "MissionTeams.Admin",
    "SSO_ENTRA_LEADERSHIP_GROUPS": "MissionTeams.Leadership, Directors",
    "SSO_ENTRA_TRUST_EMAIL": "1",
    "SSO_GOOGLE_ISSUER": "https://accounts.google.com",
    "SSO_GOOGLE_CLIENT_ID": "g-id",
    "SSO_GOOGLE_CLIENT_SECRET": "g-secret",
    "SSO_GOOGLE_DOMAINS": "library.example",
    "SSO_GOOGLE_DOMAIN_CLAIM": "hd",
}


def test_providers_are_read_in_order_with_their_settings():
    entra, google = providers_from_env(ENTRA, production=True)
    assert entra.key == "entra" and entra.name == "Microsoft 365"
    assert entra.domains == ("library.example", "branch.library.example")
    assert entra.metadata_url == (
        "https://login.microsoftonline.com/0000-tenant/v2.0/.well-known/openid-configuration"
    )
    assert entra.groups_claim == "roles" and entra.trust_email
    assert entra.leadership_groups == {"MissionTeams.Leadership", "Directors"}
    assert google.name == "Google" and google.domain_claim == "hd" and not google.trust_email
    assert google.scopes == "openid email profile"


def test_no_providers_is_the_default(tmp_path):
    assert load_config(str(tmp_path), {"APP_ENV": "test", "SECRET_KEY": "x"})["SSO_PROVIDERS"] == ()


@pytest.mark.parametrize("missing", ["ISSUER", "CLIENT_ID", "CLIENT_SECRET", "DOMAINS"])
def test_a_half_configured_provider_refuses_to_start(tmp_path, missing):
    env = {k: v for k, v in ENTRA.items() if k != f"SSO_ENTRA_{missing}"}
    with pytest.raises(ConfigError, match=f"SSO_ENTRA_{missing}"):
        load_config(str(tmp_path), {"APP_ENV": "test", "SECRET_KEY": "x", **env})


def test_production_needs_an_https_issuer():
    env = {**ENTRA, "SSO_ENTRA_ISSUER": "http://login.example/tenant"}
    with pytest.raises(ConfigError, match="https"):
        providers_from_env(env, production=True)
    assert providers_from_env(env, production=False)[0].issuer == "http://login.example/tenant"


@pytest.mark.parametrize("key", ["Bad-Key", "1st", "with space"])
def test_provider_keys_are_plain_words(key):
    with pytest.raises(ConfigError, match="not a valid key"):
        providers_from_env({"SSO_PROVIDERS": key}, production=False)


def test_group_mappings_need_the_claim_they_come_in():
    env = {k: v for k, v in ENTRA.items() if k != "SSO_ENTRA_GROUPS_CLAIM"}
    with pytest.raises(ConfigError, match="GROUPS_CLAIM"):
        providers_from_env(env, production=False)


def test_scopes_must_ask_for_openid():
    with pytest.raises(ConfigError, match="openid"):
        providers_from_env({**ENTRA, "SSO_ENTRA_SCOPES": "email profile"}, production=False)


def test_a_provider_named_twice_is_refused():
    with pytest.raises(ConfigError, match="twice"):
        providers_from_env({**ENTRA, "SSO_PROVIDERS": "entra,entra"}, production=False)


def provider(**kw) -> ProviderConfig:
    return ProviderConfig(
        key="p",
        name="P",
        issuer="https://p.example",
        client_id="c",
        client_secret="s",
        domains=("library.example",),
        groups_claim="groups",
        admin_groups=frozenset({"admins"}),
        leadership_groups=frozenset({"leaders"}),
        **kw,
    )


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["admins", "leaders"], Role.ADMIN),
        (["leaders", "other"], Role.LEADERSHIP),
        (["other"], Role.STAFF),
        ([], Role.STAFF),
        (None, Role.STAFF),  # no groups claim at all: nothing vouches for a higher role
    ],
)
def test_roles_from_groups(groups, role):
    assert role_from_groups(provider(), groups) == role.value
