"""A message showing a library asset respects its usage rights: checked per recipient's
country on the day it goes, when it is queued and again when it is sent; a withdrawn,
expired or out-of-territory asset stops the message with the reason recorded."""

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from pacer.content import assets
from pacer.content.withdrawal import withdraw_asset
from pacer.core.errors import ValidationFailed
from pacer.messaging import actions
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Broadcast, BroadcastStatus, Message
from pacer.messaging.rights import asset_ids_in
from pacer.people.models import Contact
from tests.messaging.conftest import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


def beach(workspace, **rights):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buffer, "PNG")
    return assets.upload_asset(
        workspace, name="Beach", filename="beach.png", data=buffer.getvalue(), rights=rights
    )


def broadcast_showing(workspace, asset, schedule="now", send_at=None):
    template = actions.save_template(
        workspace,
        name="With image",
        subject="Summer",
        html=f'<p><img src="/assets/{asset.pk}/v1/original/" alt="Beach"></p>',
    )
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    return actions.create_broadcast(
        workspace,
        name="Summer",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
        schedule=schedule,
        send_at=send_at,
    )


def in_country(workspace, email, country):
    contact = person(workspace, email)
    Contact.objects.filter(pk=contact.pk).update(traits={"country": country})
    return contact


def outcome(broadcast) -> dict:
    rows = Message.objects.filter(broadcast=broadcast).values_list("email", "status", "reason")
    return {email: (status, reason) for email, status, reason in rows}


def test_the_assets_a_template_links_to_are_found_in_its_html(settings):
    settings.BASE_URL = "https://pacer.acme.test"
    html = (
        '<img src="/assets/7/v1/original/"><img src="https://pacer.acme.test/assets/9/v2/x/">'
        '<a href="https://cdn.test/assets/8/">x</a> <div style="background:url(/assets/7/v1/y/)">'
        " /assets/notanumber/"
    )
    assert asset_ids_in(html) == [7, 9]


def test_a_template_linking_to_an_unknown_asset_is_refused(workspace):
    with pytest.raises(ValidationFailed) as refused:
        actions.save_template(
            workspace, name="T", subject="S", html='<img src="/assets/999/v1/original/">'
        )
    assert refused.value.errors == {
        "html": "links to asset 999, which is not in this workspace's library"
    }


def test_out_of_territory_recipients_are_skipped_at_queue_time_with_the_reason(
    workspace, now, media, smtp
):
    asset = beach(workspace, territories=["US", "CA"])
    in_country(workspace, "us@x.test", "us")
    in_country(workspace, "de@x.test", "DE")
    person(workspace, "none@x.test")  # no country trait, no default territory
    broadcast = broadcast_showing(workspace, asset)
    assert broadcast.template.asset_ids == [asset.pk]

    counts = actions.queue_broadcast(workspace, broadcast.pk)

    assert counts == {"queued": 1, "skipped": 2, "not_found": 0}
    assert outcome(broadcast) == {
        "us@x.test": ("queued", ""),
        "de@x.test": ("skipped", "asset rights: 'Beach' is licensed for CA, US, not DE"),
        "none@x.test": (
            "skipped",
            "asset rights: 'Beach' is licensed for CA, US, not an unnamed territory",
        ),
    }
    assert deliver() == 1 and [rcpt for _, rcpt, _ in smtp.messages] == [["us@x.test"]]


def test_the_workspace_default_territory_stands_in_for_a_missing_country(workspace, now, media):
    from pacer.messaging import rules

    rules.save_settings(workspace, time_zone="UTC", cap_count=0, cap_days=7, default_territory="ca")
    asset = beach(workspace, territories=["CA"])
    person(workspace, "none@x.test")
    broadcast = broadcast_showing(workspace, asset)
    assert actions.queue_broadcast(workspace, broadcast.pk)["queued"] == 1
    assert Message.objects.get(broadcast=broadcast).territory == "CA"


def test_an_asset_expired_by_the_scheduled_day_refuses_the_queue_and_writes_nothing(
    workspace, now, media
):
    asset = beach(workspace, rights_end="2026-03-31")
    person(workspace, "ada@x.test")
    april = datetime(2026, 4, 2, 9, tzinfo=UTC)
    broadcast = broadcast_showing(workspace, asset, schedule="at", send_at=april)

    with pytest.raises(ValidationFailed) as refused:
        actions.queue_broadcast(workspace, broadcast.pk)

    assert refused.value.errors == {
        "template": "no recipient may get it: asset rights: 'Beach' may be used until "
        "2026-03-31, not on 2026-04-02"
    }
    assert not Message.objects.exists()
    assert Broadcast.objects.get(pk=broadcast.pk).status == BroadcastStatus.DRAFT


def test_an_asset_withdrawn_after_queueing_stops_the_send(workspace, now, media, smtp):
    asset = beach(workspace)
    person(workspace, "ada@x.test")
    broadcast = broadcast_showing(workspace, asset)
    assert actions.queue_broadcast(workspace, broadcast.pk)["queued"] == 1

    withdraw_asset(asset, reason="licence revoked by the photographer")
    assert deliver() == 0

    assert outcome(broadcast) == {
        "ada@x.test": (
            "skipped",
            "asset rights: 'Beach' is withdrawn (licence revoked by the photographer) "
            "(at send time)",
        )
    }
    assert smtp.messages == []


def test_a_share_link_download_in_a_template_is_checked_like_a_library_link(
    workspace, now, media, smtp, settings
):
    """content's where-used tracking also sees partner share-link downloads: a message
    showing one is held to the asset's rights like an ``/assets/`` link; a share link of
    an asset outside the link's collection is no use of it."""
    shared, outside = beach(workspace, territories=["US"]), beach(workspace)
    collection = assets.create_collection(workspace, "Summer")
    assets.collect(collection, shared)
    _, token = assets.share_collection(
        collection, label="Agency", days=30, can_download=True, renditions=["original"]
    )
    in_country(workspace, "us@x.test", "US")
    in_country(workspace, "de@x.test", "DE")
    html = (
        f'<p><img src="{settings.BASE_URL}/share/{token}/{shared.pk}/original/" alt="Beach">'
        f'<img src="/share/{token}/{outside.pk}/original/" alt="not in the collection"></p>'
    )
    template = actions.save_template(workspace, name="Shared", subject="Summer", html=html)
    assert template.asset_ids == [shared.pk]
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    broadcast = actions.create_broadcast(
        workspace,
        name="Summer",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
    )

    assert actions.queue_broadcast(workspace, broadcast.pk)["skipped"] == 1

    assert outcome(broadcast) == {
        "us@x.test": ("queued", ""),
        "de@x.test": ("skipped", "asset rights: 'Beach' is licensed for US, not DE"),
    }
    assert deliver() == 1 and [rcpt for _, rcpt, _ in smtp.messages] == [["us@x.test"]]
