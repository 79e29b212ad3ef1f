"""Fixtures of the teams tests."""

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core.models import Role


@pytest.fixture
def call(workspace):
    tokens = {}
    for role in (Role.MARKETER, Role.STAFF):
        user = core.create_user(workspace, f"api-{role}", "long-password-1", role)
        tokens[role] = core.issue_api_key(workspace, "personal", "t", user=user)[1]

    def request(method, path, body=None, role=Role.MARKETER):
        return getattr(Client(), method)(
            "/api/teams/" + path.lstrip("/"),
            body if body is not None else ({} if method != "get" else None),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens[role]}",
        )

    return request
