"""Withdrawing an asset, by hand or at the expiry of its rights, takes the items that use
it off the schedule (back to draft, with the reason recorded and their owner told), flags
the published ones and the ones still in progress, leaves archived ones alone, and does
all of it once however often it runs."""

from datetime import UTC, date, datetime

import pytest
from django.core import mail

from pacer.content import actions, assets, selectors, withdrawal
from pacer.content.models import ContentFlag, ContentItem
from pacer.core import clock, outbox
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.messaging import webhooks
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
REASON = "licence revoked by the photographer"


@pytest.fixture
def now(monkeypatch):
    moment = {"now": NOW}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    return moment


def _item(workspace, team, plan, title, state, asset, *, day=date(2026, 6, 10)):
    """An item that uses ``asset``, taken through the workflow to ``state``."""
    item = actions.create_item(
        workspace,
        title=title,
        kind="ad",
        channel="paid_social",
        owner=team["editor"],
        reviewers=plan,
        scheduled_for=datetime.combine(day, datetime.min.time(), tzinfo=UTC).replace(hour=9),
    )
    assets.use_asset(item, asset)
    path = {
        "idea": [],
        "draft": ["draft"],
        "archived": ["archived"],
        "scheduled": ["draft", "in_review", "*", "scheduled"],
        "published": ["draft", "in_review", "*", "published"],
    }[state]
    for step in path:
        if step == "*":
            for who in ("legal", "brand"):
                actions.vote(selectors.open_step_for(item, team[who]), "approved", user=team[who])
        else:
            actions.transition(item, step)
    item.refresh_from_db()
    assert item.state == state
    return item


@pytest.fixture
def used(workspace, team, plan, now, django_capture_on_commit_callbacks):
    webhooks.add_webhook(
        workspace, url="https://hooks.example.com/dam", event_types=["asset.withdrawn"]
    )
    asset = assets.upload_asset(
        workspace,
        name="Beach hero",
        filename="hero.png",
        data=png(),
        rights={"rights_end": "2026-12-31"},
        owner=team["brand"],
    )
    other = assets.upload_asset(workspace, name="Pool", filename="p.png", data=png())
    with django_capture_on_commit_callbacks(execute=True):
        found = {
            state: _item(workspace, team, plan, f"{state} ad", state, asset)
            for state in ("scheduled", "published", "draft", "archived")
        }
        found["unrelated"] = _item(workspace, team, plan, "unrelated ad", "scheduled", other)
    mail.outbox.clear()
    return {"asset": asset, **found}


def _states(used) -> dict:
    rows = ContentItem.objects.in_bulk([i.pk for k, i in used.items() if k != "asset"])
    return {k: rows[i.pk].state for k, i in used.items() if k != "asset"}


def test_withdrawing_by_hand_unschedules_flags_and_tells_the_owner(
    workspace, team, used, admin, django_capture_on_commit_callbacks
):
    asset = used["asset"]
    with django_capture_on_commit_callbacks(execute=True):
        flags = withdrawal.withdraw_asset(asset, reason=REASON, actor=admin)
    assert mail.outbox == []  # queued in the staff outbox, sent by its loop
    assert outbox.send_due() == 1
    assert _states(used) == {
        "scheduled": "draft",
        "published": "published",
        "draft": "draft",
        "archived": "archived",
        "unrelated": "scheduled",
    }
    reason = f"'Beach hero' was withdrawn: {REASON}"
    assert sorted((f.item.title, f.kind, f.state_before, f.reason) for f in flags) == [
        ("draft ad", "in_progress", "draft", reason),
        ("published ad", "published", "published", reason),
        ("scheduled ad", "unscheduled", "scheduled", reason),
    ]
    assert ContentFlag.objects.count() == 3
    assert [f.kind for f in selectors.open_flags(used["scheduled"])] == ["unscheduled"]
    asset.refresh_from_db()
    assert (asset.status, asset.withdrawn_reason) == ("withdrawn", REASON)
    # the items' owner is told (the asset's owner has no email address)
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("'Beach hero' was withdrawn: 3 of your items need attention", ["eve@acme.test"]),
    ]
    owner_mail = mail.outbox[0].body
    assert "- scheduled ad: taken off the schedule" in owner_mail
    assert "- published ad: published with a withdrawn asset" in owner_mail
    assert "archived" not in owner_mail
    (delivery,) = webhooks.WebhookDelivery.objects.all()
    data = delivery.payload["data"]
    assert (data["reason"], data["rights_end"], data["unscheduled"]) == (
        REASON,
        "2026-12-31",
        [used["scheduled"].pk],
    )
    assert sorted(data["used_in_content"]) == sorted(
        used[k].pk for k in ("scheduled", "published", "draft", "archived")
    )
    assert AuditEntry.objects.filter(action="content.flag").count() == 3


def test_withdrawing_twice_or_then_running_the_loop_changes_nothing_more(
    workspace, team, used, admin, django_capture_on_commit_callbacks
):
    withdrawal.withdraw_asset(used["asset"], reason=REASON, actor=admin)
    assert outbox.send_due() == 1
    mail.outbox.clear()
    audits = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert withdrawal.withdraw_asset(used["asset"], reason="again", actor=admin) == []
        assert withdrawal.expire_assets(date(2027, 1, 5)) == 0
    assert outbox.send_due() == 0
    assert ContentFlag.objects.count() == 3
    assert webhooks.WebhookDelivery.objects.count() == 1
    assert AuditEntry.objects.count() == audits and mail.outbox == []
    used["asset"].refresh_from_db()
    assert used["asset"].withdrawn_reason == REASON


def test_a_withdrawn_asset_keeps_its_items_off_the_schedule_until_its_rights_change(
    workspace, team, used, admin, now
):
    item = used["scheduled"]
    withdrawal.withdraw_asset(used["asset"], reason=REASON, actor=admin)
    actions.transition(item, "in_review")
    with pytest.raises(ValidationFailed, match=f"'Beach hero' is withdrawn \\({REASON}\\)"):
        actions.transition(item, "approved")
    assets.update_asset(used["asset"], {"tags": "beach"})  # not a change of rights
    used["asset"].refresh_from_db()
    assert used["asset"].status == "withdrawn"
    assets.update_asset(used["asset"], {"rights_end": "2027-03-31"})  # renewed
    actions.transition(item, "approved")
    actions.transition(item, "scheduled")
    assert selectors.open_flags(item) == []
    assert ContentFlag.objects.get(item=item).resolved_at == NOW
    assert len(selectors.open_flags(used["published"])) == 1


def test_a_withdrawal_needs_a_reason_and_a_refusal_changes_nothing(workspace, used, admin):
    with pytest.raises(ValidationFailed) as refused:
        withdrawal.withdraw_asset(used["asset"], reason="  ", actor=admin)
    assert refused.value.errors == {"reason": "must not be empty"}
    used["asset"].refresh_from_db()
    assert used["asset"].status == "active" and ContentFlag.objects.count() == 0
    assert _states(used)["scheduled"] == "scheduled"


def test_expiry_takes_scheduled_items_off_the_schedule_once(
    workspace, team, plan, now, django_capture_on_commit_callbacks
):
    asset = assets.upload_asset(
        workspace, name="Spring", filename="s.png", data=png(), rights={"rights_end": "2026-06-20"}
    )
    item = _item(workspace, team, plan, "June ad", "scheduled", asset, day=date(2026, 6, 15))
    with django_capture_on_commit_callbacks(execute=True):
        assert withdrawal.expire_assets(date(2026, 6, 21)) == 1
        assert withdrawal.expire_assets(date(2026, 6, 22)) == 0
    assert outbox.send_due() == 1
    item.refresh_from_db()
    assert item.state == "draft"
    (flag,) = ContentFlag.objects.all()
    assert (flag.kind, flag.reason) == (
        "unscheduled",
        "'Spring' was withdrawn: its rights ended 2026-06-20",
    )
    assert [m.subject for m in mail.outbox if "eve@acme.test" in m.to] == [
        "'Spring' was withdrawn: 1 of your items need attention"
    ]
