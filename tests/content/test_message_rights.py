"""A message that uses a library asset is held to the asset's usage rights, end to end:
an email content item whose body shows the asset cannot be approved or scheduled for a
channel the asset is not licensed for, nor saved for a day after its rights end; once
published it becomes a messaging template, and a broadcast of that template is refused
when the asset's channels no longer include email or its rights end before the send
day — nothing queued, nothing reaches the SMTP server (aiosmtpd) — and goes when they
allow it."""

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from pacer.content import actions, assets, selectors
from pacer.content.models import ContentItem, Handoff
from pacer.core.errors import ValidationFailed
from pacer.messaging import actions as messaging
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Broadcast, BroadcastStatus, Message, Template
from tests.messaging.conftest import now, person, smtp  # noqa: F401  (fixtures: a fixed clock, a real SMTP server)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]
DAY = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # the item's and the broadcast's send day


def _beach(workspace, **rights):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buffer, "PNG")
    return assets.upload_asset(
        workspace, name="Beach", filename="beach.png", data=buffer.getvalue(), rights=rights
    )


def _body(asset) -> str:
    return f'<p><img src="/assets/{asset.pk}/v1/original/" alt="Beach"></p>'


def _email(workspace, team, plan, asset):
    return actions.create_item(
        workspace,
        title="Spring sale",
        kind="email",
        channel="email",
        body=_body(asset),
        reviewers=plan,
        owner=team["editor"],
        scheduled_for=DAY,
    )


def _review(item, team):
    actions.transition(item, "draft")
    actions.transition(item, "in_review")
    for who in ("legal", "brand"):
        step = selectors.open_step_for(item, team[who])
        actions.vote(step, "approved", user=team[who])
    item.refresh_from_db()


def _broadcast(workspace, template, send_at=None):
    sender = messaging.save_sender(workspace, name="Acme", from_email="news@acme.test")
    return messaging.create_broadcast(
        workspace,
        name="Spring sale",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
        schedule="at" if send_at else "now",
        send_at=send_at,
    )


def test_an_email_item_cannot_be_approved_for_a_channel_its_asset_is_not_licensed_for(
    workspace, team, plan
):
    asset = _beach(workspace, channels=["paid_social"])
    item = _email(workspace, team, plan, asset)
    assert list(item.asset_uses.values_list("asset_id", "from_body")) == [(asset.pk, True)]
    _review(item, team)
    assert item.state == "in_review"  # every step approved, but the rights hold it back
    with pytest.raises(ValidationFailed) as refused:
        actions.transition(item, "approved")
    assert refused.value.errors == {
        "state": "cannot become approved: 'Beach' is licensed for channels paid_social, not 'email'"
    }
    item.refresh_from_db()
    assert (item.state, Handoff.objects.count(), Template.objects.count()) == ("in_review", 0, 0)


def test_an_email_item_for_a_day_after_its_assets_rights_end_is_refused_whole(
    workspace, team, plan
):
    asset = _beach(workspace, rights_end="2026-03-05")
    with pytest.raises(ValidationFailed) as refused:
        _email(workspace, team, plan, asset)
    assert refused.value.errors == {
        "body": "links to an asset that may not be used: the rights for 'Beach' do not "
        "cover 2026-03-10"
    }
    assert not ContentItem.objects.exists()


def test_a_published_email_item_is_refused_at_send_when_its_assets_rights_do_not_allow_it(
    workspace,
    team,
    plan,
    smtp,  # noqa: F811  (the fixture imported above)
):
    asset = _beach(workspace, channels=["email"])
    item = _email(workspace, team, plan, asset)
    _review(item, team)
    assert item.state == "approved"
    actions.transition(item, "published")
    template = Template.objects.get(pk=int(Handoff.objects.get(item=item).reference))
    assert template.asset_ids == [asset.pk]
    person(workspace, "ada@x.test")

    # the asset's licence no longer covers email: the broadcast is refused
    assets.update_asset(asset, {"channels": ["paid_social"]})
    broadcast = _broadcast(workspace, template)
    with pytest.raises(ValidationFailed) as refused:
        messaging.queue_broadcast(workspace, broadcast.pk)
    assert refused.value.errors == {
        "template": "no recipient may get it: asset rights: 'Beach' is licensed for "
        "channels paid_social, not 'email'"
    }
    assert not Message.objects.exists()
    assert Broadcast.objects.get(pk=broadcast.pk).status == BroadcastStatus.DRAFT

    # email again, but the rights end before the scheduled day: refused at schedule
    assets.update_asset(asset, {"channels": ["email"], "rights_end": "2026-03-05"})
    later = _broadcast(workspace, template, send_at=DAY)
    with pytest.raises(ValidationFailed) as refused:
        messaging.queue_broadcast(workspace, later.pk)
    assert refused.value.errors == {
        "template": "no recipient may get it: asset rights: 'Beach' may be used until "
        "2026-03-05, not on 2026-03-10"
    }
    assert not Message.objects.exists()
    assert deliver() == 0 and smtp.messages == []

    # the control: rights that allow the send, and it goes
    assets.update_asset(asset, {"rights_end": "2026-06-30"})
    assert messaging.queue_broadcast(workspace, broadcast.pk)["queued"] == 1
    assert deliver() == 1
    assert [recipients for _, recipients, _ in smtp.messages] == [["ada@x.test"]]
