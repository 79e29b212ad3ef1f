import pytest

from pacer.content import actions as content
from pacer.content import assets
from pacer.content.models import ContentItem
from pacer.core import actions
from pacer.core.roles import Role
from tests.content.test_assets import png

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


@pytest.fixture
def used(workspace, team, plan):
    """An asset used by a scheduled, a published, a draft and an archived item (each put
    in its state directly, as if it had got there)."""
    asset = assets.upload_asset(workspace, name="Beach hero", filename="h.png", data=png(8, 6))
    items = {}
    for state in ("scheduled", "published", "draft", "archived"):
        item = content.create_item(
            workspace,
            title=f"{state} ad",
            kind="ad",
            channel="paid_social",
            owner=team["editor"],
            reviewers=plan,
            scheduled_for="2026-06-10",
        )
        assets.use_asset(item, asset)
        ContentItem.objects.filter(pk=item.pk).update(state=state)
        items[state] = item
    return {"asset": asset, **items}
