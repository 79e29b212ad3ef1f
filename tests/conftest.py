import base64

import orjson
import pytest
from django.test import Client

from pacer.core import actions
from pacer.core.models import Role

pytest_plugins = ["tests.business_fixture"]


@pytest.fixture(autouse=True)
def warehouse_dir(settings, tmp_path):
    """Every test gets its own empty warehouse."""
    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    return settings.WAREHOUSE_DIR


@pytest.fixture
def workspace(db):
    return actions.create_workspace("Acme Franchise", slug="acme")


@pytest.fixture
def write_key(workspace):
    _, secret = actions.issue_api_key(workspace, "write", "website")
    return secret


@pytest.fixture
def admin(workspace):
    return actions.create_user(workspace, "ada", "correct-horse-1", Role.ADMIN)


class Tracker:
    """Posts Segment payloads the way the SDKs do: write key as basic-auth user."""

    def __init__(self, secret: str):
        self.client = Client()
        self.auth = "Basic " + base64.b64encode(f"{secret}:".encode()).decode()

    def post(self, path: str, payload, **headers):
        body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        return self.client.post(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=self.auth, **headers
        )

    def batch(self, messages: list[dict], **extra):
        return self.post("/v1/batch", {"batch": messages, **extra})


@pytest.fixture
def tracker(write_key):
    return Tracker(write_key)
