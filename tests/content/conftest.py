import pytest

from pacer.core import actions
from pacer.core.roles import Role

PASSWORD = "correct-horse-1"


@pytest.fixture
def media_dir(settings, tmp_path):
    """Asset files of each test under its own data dir."""
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def team(workspace, media_dir):
    """An editor (marketer) and two reviewers (legal is staff, brand a marketer)."""
    return {
        "editor": actions.create_user(
            workspace, "eve", PASSWORD, Role.MARKETER, email="eve@acme.test"
        ),
        "legal": actions.create_user(workspace, "lee", PASSWORD, Role.STAFF),
        "brand": actions.create_user(workspace, "bo", PASSWORD, Role.MARKETER),
    }


@pytest.fixture
def plan(team):
    return [
        {"name": "Legal", "reviewer": team["legal"].pk},
        {"name": "Brand", "reviewer": team["brand"].pk},
    ]
