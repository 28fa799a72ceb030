"""OpenID providers from the environment: ``SSO_PROVIDERS=entra,google`` and, for each key,
``SSO_<KEY>_ISSUER``, ``_CLIENT_ID``, ``_CLIENT_SECRET``, ``_DOMAINS`` (required) and ``_NAME``,
``_SCOPES``, ``_GROUPS_CLAIM``, ``_ADMIN_GROUPS``, ``_LEADERSHIP_GROUPS``, ``_TRUST_EMAIL``,
``_DOMAIN_CLAIM`` (optional). Read inside the app factory; a half-configured provider refuses to
start rather than fail at someone's first sign-in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from teams_app.config import ConfigError

KEY_RE = re.compile(r"^[a-z][a-z0-9]{0,30}$")
DEFAULT_SCOPES = "openid email profile"


class SsoConfigError(ConfigError):
    """The SSO_* environment cannot make a working provider."""


@dataclass(frozen=True)
class ProviderConfig:
    key: str
    name: str
    issuer: str
    client_id: str
    client_secret: str
    domains: tuple[str, ...]
    scopes: str = DEFAULT_SCOPES
    # Roles from groups: the claim holding the person's groups (or app roles), and which values
    # make someone admin or leadership. Empty claim: roles are managed in Mission Teams.
    groups_claim: str = ""
    admin_groups: frozenset[str] = field(default_factory=frozenset)
    leadership_groups: frozenset[str] = field(default_factory=frozenset)
    # Accept the email claim without email_verified: only for a single-tenant directory whose
    # own admins assign every address (Microsoft Entra ID does not send email_verified).
    trust_email: bool = False
    # A claim that must also name an allowed domain, e.g. Google Workspace's ``hd``.
    domain_claim: str = ""

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def allows_domain(self, domain: str) -> bool:
        return domain.lower() in self.domains


def _list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _flag(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _issuer(key: str, raw: str, production: bool) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query:
        raise SsoConfigError(f"SSO_{key.upper()}_ISSUER must be the provider's issuer URL")
    if production and parts.scheme != "https":
        raise SsoConfigError(f"SSO_{key.upper()}_ISSUER must use https in production")
    return raw


def provider_from_env(key: str, env: dict[str, str], production: bool) -> ProviderConfig:
    prefix = f"SSO_{key.upper()}_"

    def get(name: str) -> str:
        return env.get(prefix + name, "").strip()

    missing = [
        prefix + name
        for name in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "DOMAINS")
        if not get(name)
    ]
    if missing:
        raise SsoConfigError(f"SSO provider {key!r} needs {', '.join(missing)}")
    scopes = get("SCOPES") or DEFAULT_SCOPES
    if "openid" not in scopes.split():
        raise SsoConfigError(f"{prefix}SCOPES must include openid")
    groups_claim = get("GROUPS_CLAIM")
    admin_groups = frozenset(_list(get("ADMIN_GROUPS")))
    leadership_groups = frozenset(_list(get("LEADERSHIP_GROUPS")))
    if (admin_groups or leadership_groups) and not groups_claim:
        raise SsoConfigError(f"{prefix}GROUPS_CLAIM must name the claim the groups come in")
    return ProviderConfig(
        key=key,
        name=get("NAME") or key.capitalize(),
        issuer=_issuer(key, get("ISSUER"), production),
        client_id=get("CLIENT_ID"),
        client_secret=get("CLIENT_SECRET"),
        domains=tuple(d.lower().lstrip("@") for d in _list(get("DOMAINS"))),
        scopes=scopes,
        groups_claim=groups_claim,
        admin_groups=admin_groups,
        leadership_groups=leadership_groups,
        trust_email=_flag(get("TRUST_EMAIL")),
        domain_claim=get("DOMAIN_CLAIM"),
    )


def providers_from_env(env: dict[str, str], production: bool) -> tuple[ProviderConfig, ...]:
    keys = [k.lower() for k in _list(env.get("SSO_PROVIDERS", ""))]
    for key in keys:
        if not KEY_RE.match(key):
            raise SsoConfigError(
                f"SSO_PROVIDERS: {key!r} is not a valid key (letters and digits, starting "
                "with a letter, such as entra or google)"
            )
    if len(set(keys)) != len(keys):
        raise SsoConfigError("SSO_PROVIDERS names a provider twice")
    return tuple(provider_from_env(key, env, production) for key in keys)
