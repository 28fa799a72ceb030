"""API tests share the conversations world."""

from tests.integration.conversations.conftest import w  # noqa: F401
