"""Schemathesis against ``/api/v1/openapi.json``: every operation, as a staff member and as an
admin, with every check schemathesis has, and a bounded number of examples each. Zero server
errors and zero answers that break the document are the bar.

Three settings say what a schema cannot: ``positive_data_acceptance`` also accepts 422,
because a well-formed request can still name an id that does not exist or a date outside
1900-2999 (the contract's 422); strings carry no NUL (refused with a 400 by design, tested in
test_bad_input.py); and the stateful phase is off (it needs OpenAPI links the document does
not declare). Ids in paths and bodies are drawn half the time from objects that exist, so the
fuzzer gets past the 404s into the rules. ``FUZZ_EXAMPLES`` raises the number of examples for
a longer run by hand.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from teams_app import create_app
from teams_app.account.services import create_token
from tests.conftest import TEST_SECRET
from tests.factories import UserFactory
from tests.integration import test_permissions as matrix

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
# Path and body ids drawn half the time from those the ``path_targets`` fixture makes exist.
ID_PARAMETERS = (
    "team_id",
    "initiative_id",
    "barrier_id",
    "action_id",
    "story_id",
    "user_id",
    "token_id",
    "stage_id",
    "department_id",
    "owner_id",
    "sponsor_id",
)


def _document() -> dict[str, Any]:
    """The OpenAPI document, from an app that needs no database to describe itself."""
    app = create_app(
        {
            "ENV_OVERRIDES": {
                "APP_ENV": "test",
                "SECRET_KEY": TEST_SECRET,
                "DATABASE_URL": "sqlite://",
            }
        }
    )
    return app.test_client().get("/api/v1/openapi.json").get_json()  # type: ignore[no-any-return]


CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "max-examples": EXAMPLES,
            # The token is ours to send (below), not a parameter to fuzz.
            "with-security-parameters": False,
            # NUL is refused with a 400 by design (input_guard; tests/test_bad_input.py), which a
            # schema of plain strings cannot say.
            "allow-x00": False,
        },
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            }
        },
        "dictionaries": {"world_ids": {"values": [1, 2]}},
        "parameters": {
            **{
                f"path.{name}": {"dictionary": "world_ids", "probability": 0.5}
                for name in ID_PARAMETERS
            },
            **{
                f"body.{name}": {"dictionary": "world_ids", "probability": 0.5}
                for name in ID_PARAMETERS
            },
        },
    }
)
schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)


# One object of every kind the API names (the permission matrix's path_targets: an ask-to-join team
# and a proposed one, an initiative, a barrier with an action, a story, a person with a token);
# ids restart at 1 for every test, so drawn ids 1 and 2 often exist.
path_targets = matrix.path_targets


@pytest.fixture(params=["staff", "admin"])
def token(request, path_targets) -> str:
    user = UserFactory(role=request.param, name=f"Fuzz {request.param}")
    return create_token(user, "fuzz")[1]


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
def test_api_conforms_to_its_document(case, app, token):
    case.operation.schema.app = app  # the checks' own probes reach the same in-process app
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"})
