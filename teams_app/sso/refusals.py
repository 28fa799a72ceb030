"""Why a single sign-on did not sign anyone in, in words people can act on.

Every refusal has a short ``reason`` (the audit log's vocabulary), an HTTP status (400 for an
answer we will not use, 403 for a person we will not let in, 503 for a provider we cannot reach)
and a sentence for the page. Nothing is written when a sign-in is refused but the audit event.
"""

from __future__ import annotations

from typing import Any

from teams_app.sso.config import ProviderConfig

START_AGAIN = "Nothing was changed. Start again from the sign-in page."
TELL_IT = "If it keeps happening, tell your IT team."

# reason: (status, title, message). Messages may use {provider}, {email}, {domains},
# {description}, {error}, {minutes}.
REASONS: dict[str, tuple[int, str, str]] = {
    "provider_unavailable": (
        503,
        "{provider} is not answering",
        "We could not reach {provider} just now, so you are not signed in. Try again in a few "
        f"minutes. {TELL_IT}",
    ),
    "provider_misconfigured": (
        503,
        "{provider} is not set up correctly",
        "{provider}'s sign-in settings do not match what Mission Teams expects (its issuer "
        "differs), so we cannot use it. Tell your IT team; meanwhile an admin can help you in.",
    ),
    "denied_at_provider": (
        403,
        "{provider} did not sign you in",
        "{provider} said: “{description}”. If you cancelled, you can start again. If your "
        "account there is disabled or may not use Mission Teams, ask your IT team.",
    ),
    "provider_error": (
        400,
        "{provider} could not sign you in",
        "{provider} answered with an error ({error}: “{description}”). " + START_AGAIN,
    ),
    "state": (
        400,
        "This sign-in link cannot be used",
        "It is not a sign-in this browser started, or it was already used. " + START_AGAIN,
    ),
    "expired_attempt": (
        400,
        "This sign-in took too long",
        "It came back after more than {minutes} minutes, so we did not use it. " + START_AGAIN,
    ),
    "nonce": (
        400,
        "This sign-in answer is not yours",
        "The answer from {provider} belongs to a different sign-in (its nonce does not match), "
        "so we did not use it. " + START_AGAIN,
    ),
    "id_token_expired": (
        400,
        "This sign-in answer had expired",
        "The answer from {provider} had already expired when it reached us, so we did not use "
        "it. Start again; if it keeps happening, the clock of {provider} or of this server may be "
        "wrong: tell your IT team.",
    ),
    "audience": (
        400,
        "This sign-in answer was meant for another application",
        "{provider} issued it to a different application, so we did not use it. "
        + START_AGAIN
        + " "
        + TELL_IT,
    ),
    "issuer": (
        400,
        "This sign-in answer did not come from {provider}",
        "It names a different issuer, so we did not use it. " + START_AGAIN,
    ),
    "signature": (
        400,
        "This sign-in answer was not signed by {provider}",
        "Its signature does not check out, so we did not use it. " + START_AGAIN + " " + TELL_IT,
    ),
    "id_token_invalid": (
        400,
        "This sign-in answer is not valid",
        "The answer from {provider} is missing something or has a wrong value, so we did not "
        "use it. " + START_AGAIN + " " + TELL_IT,
    ),
    "id_token_missing": (
        400,
        "{provider} did not say who you are",
        "Its answer had no ID token. " + START_AGAIN + " " + TELL_IT,
    ),
    "token_refused": (
        400,
        "{provider} would not finish the sign-in",
        "The sign-in code was already used or has expired. " + START_AGAIN,
    ),
    "email_missing": (
        403,
        "{provider} did not share your email address",
        "Without it we cannot tell which account is yours. Ask your IT team to release the email "
        "claim to Mission Teams.",
    ),
    "email_unverified": (
        403,
        "Your email address is not verified",
        "{provider} has not verified {email}, so we cannot link it to an account. Verify it "
        "there, or ask your IT team.",
    ),
    "domain_not_allowed": (
        403,
        "That address cannot sign in here",
        "{email} is not an address {provider} may sign in to Mission Teams: sign-in is open to "
        "addresses at {domains}. If you have a work address, sign in to {provider} with it.",
    ),
    "account_deactivated": (
        403,
        "Your account is deactivated",
        "Your Mission Teams account has been deactivated, so you cannot sign in. Ask an admin if "
        "you think this is a mistake.",
    ),
    "identity_conflict": (
        403,
        "Your account is linked to a different {provider} account",
        "Your Mission Teams account is already linked to another {provider} account. Ask an "
        "admin to unlink it, then sign in again.",
    ),
}


class SignInRefused(Exception):
    """A single sign-on that signs nobody in; ``detail`` goes to the audit log."""

    def __init__(self, reason: str, provider: ProviderConfig, **detail: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.provider = provider
        self.detail = detail
        self.status, self._title, self._message = REASONS[reason]

    def _values(self) -> dict[str, Any]:
        return {
            "provider": self.provider.name,
            "domains": ", ".join(self.provider.domains),
            "email": "your address",
            "description": "no reason given",
            "error": "error",
            "minutes": max(1, int(self.detail.get("max_age", 600)) // 60),
            **{k: v for k, v in self.detail.items() if v},
        }

    @property
    def title(self) -> str:
        return self._title.format(**self._values())

    @property
    def message(self) -> str:
        return self._message.format(**self._values())
