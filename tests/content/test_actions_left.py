"""The last survivors of the content actions' mutation sample (docs/testing.md, stop 37,
"left"): the use a new item's body link records is audited with the item's actor; a
body refused for its length or an unreadable scheduled time is not also read for its
links (the refusal names only the first fault); and a new version of an item in a
workflow's second review state keeps it there, while one past review goes back to the
first."""

from datetime import UTC, datetime

import pytest

from pacer.content import actions, assets, selectors, withdrawal
from pacer.content.models import ApprovalStep, AssetUse, ContentItem
from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LINK_REFUSED = "links to an asset that may not be used: 'Beach hero' is withdrawn"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def hero(workspace, media_dir):
    return assets.upload_asset(workspace, name="Beach hero", filename="a.png", data=png(4, 4))


def _refused(**values) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        actions.create_item(**values)
    return refused.value.errors


def test_the_use_a_new_items_link_records_is_audited_with_its_actor(workspace, team, hero):
    item = actions.create_item(
        workspace,
        title="Spring launch",
        kind="blog_post",
        body=f"<img src='/assets/{hero.pk}/'>",
        actor=team["editor"],
    )
    use = AssetUse.objects.get()
    assert (use.item_id, use.asset_id, use.from_body) == (item.pk, hero.pk, True)
    entry = AuditEntry.objects.get(action="asset.use")
    assert (entry.actor_id, entry.actor_label) == (team["editor"].pk, "eve")
    assert (entry.object_id, entry.after) == (
        str(use.pk),
        {"asset": hero.pk, "item": item.pk, "from": "link"},
    )


def test_a_body_refused_for_its_length_or_time_is_not_also_read_for_its_links(
    workspace, team, hero
):
    withdrawal.withdraw_asset(hero, reason="licence revoked")
    link = f"<img src='/assets/{hero.pk}/'>"
    given = {"workspace": workspace, "title": "New", "kind": "ad", "actor": team["editor"]}
    long = link + "x" * (200_001 - len(link))
    assert _refused(**given, body=long) == {"body": "must be at most 200000 characters"}
    late = _refused(**given, body=link, scheduled_for="soon")
    assert list(late) == ["scheduled_for"]
    assert _refused(**given, body=link) == {"body": LINK_REFUSED}
    assert ContentItem.objects.count() == 0 and AssetUse.objects.count() == 0
    assert not AuditEntry.objects.filter(action__in=["content.create", "asset.use"]).exists()


STATES = [
    {"key": "writing", "label": "Writing"},
    {"key": "legal_check", "label": "Legal check", "review": True},
    {"key": "brand_check", "label": "Brand check", "review": True},
    {"key": "cleared", "label": "Cleared", "needs_approval": True},
]
MOVES = {
    "writing": ["legal_check"],
    "legal_check": ["writing", "brand_check"],
    "brand_check": ["writing", "cleared"],
    "cleared": ["writing"],
}


@pytest.mark.parametrize(
    ("state", "back_to"), [("brand_check", "brand_check"), ("cleared", "legal_check")]
)
def test_a_new_version_keeps_its_review_state_or_goes_back_to_the_first(
    workspace, team, plan, state, back_to
):
    actions.set_workflow(workspace, states=STATES, transitions=MOVES)
    assert selectors.workflow(workspace).review_states == ["legal_check", "brand_check"]
    item = actions.create_item(
        workspace, title="Spring launch", kind="blog_post", body="v1", reviewers=plan
    )
    ContentItem.objects.filter(pk=item.pk).update(state=state)
    version = actions.save_version(item, "v2", actor=team["editor"])
    assert ContentItem.objects.get(pk=item.pk).state == back_to
    steps = ApprovalStep.objects.filter(version=version).order_by("position")
    assert list(steps.values_list("name", "reviewer_id", "decision")) == [
        ("Legal", team["legal"].pk, "pending"),
        ("Brand", team["brand"].pk, "pending"),
    ]
    entry = AuditEntry.objects.get(action="content.restart_approval")
    assert (entry.before, entry.after) == ({"state": state}, {"state": back_to, "version": 2})
