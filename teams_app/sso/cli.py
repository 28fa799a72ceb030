"""``flask sso check``: is each configured provider reachable and what it should be?"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from teams_app.sso import flow
from teams_app.sso.refusals import SignInRefused

sso_cli = AppGroup("sso", help="Single sign-on providers.")


@sso_cli.command("check")
def check() -> None:
    """Fetch each provider's discovery document, check its issuer, and print what to register."""
    providers = flow.providers()
    if not providers:
        raise click.ClickException("No provider is configured: set SSO_PROVIDERS (docs/deploy.md).")
    failed = 0
    for provider in providers:
        click.echo(f"{provider.name} ({provider.key}): {provider.issuer}")
        click.echo(f"  redirect URI to register: {flow.redirect_uri(provider)}")
        try:
            metadata = flow.discovery(provider)
        except SignInRefused as refusal:
            failed += 1
            click.echo(f"  FAILED: {refusal.title}. {refusal.message}")
            continue
        click.echo(f"  authorization endpoint: {metadata.get('authorization_endpoint')}")
        click.echo(f"  token endpoint: {metadata.get('token_endpoint')}")
        methods = metadata.get("code_challenge_methods_supported") or []
        click.echo(f"  PKCE S256: {'yes' if 'S256' in methods else 'not advertised'}")
        click.echo(f"  allowed email domains: {', '.join(provider.domains)}")
    if failed:
        raise click.ClickException(f"{failed} of {len(providers)} providers failed the check.")
