"""Share links check the asset's rights for what they are for (ADR 0011, step 5): a link
made for a partner serves an asset only while its rights cover the partner's territory
and one of the link's channels today; a link that names channels without a partner checks
those channels. When the rights change, a partner's channels narrow or the rights end, the
link stops serving that asset at once: the download answers 422 with the reason, nothing
is sent or counted, and the refusal is logged."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from pacer.content import assets, partners
from pacer.content.models import Asset, ShareDownload, ShareLink, ShareRefusal
from pacer.content.tasks import render
from pacer.core import actions, clock, outbox
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry, OutboxEmail
from pacer.core.roles import Role
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def berlin_kit(workspace, media_dir, monkeypatch):
    """Franchise Berlin (DE, print and local partner) and a link made for it for print, to
    a collection with a poster licensed in DE for print until the end of June."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    poster = assets.upload_asset(
        workspace,
        name="Poster",
        filename="p.png",
        data=png(),
        rights={"territories": ["DE"], "channels": ["print"], "rights_end": "2026-06-30"},
    )
    render(poster.versions.get().pk)
    kit = assets.create_collection(workspace, "Print kit")
    assets.collect(kit, poster)
    berlin = partners.create_partner(
        workspace, name="Franchise Berlin", territory="DE", channels=["print", "local_partner"]
    )
    link, token = assets.share_collection(
        kit,
        label="Berlin print",
        days=90,
        can_download=True,
        renditions=["medium"],
        partner=berlin,
        channels=["print"],
    )
    return {"poster": poster, "berlin": berlin, "link": link, "token": token, "kit": kit}


def _download(kit):
    return Client().get(f"/share/{kit['token']}/{kit['poster'].pk}/medium/")


def _refusals():
    return list(ShareRefusal.objects.values_list("asset__name", "kind", "channel", "reason"))


def test_a_partner_link_serves_while_the_rights_cover_it_and_logs_the_channel(berlin_kit):
    page = Client().get(f"/share/{berlin_kit['token']}/").content.decode()
    assert "Poster" in page and "use on Print" in page
    answer = _download(berlin_kit)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert list(ShareDownload.objects.values_list("kind", "channel")) == [("medium", "print")]
    assert _refusals() == []


def test_a_link_stops_serving_an_asset_once_its_rights_no_longer_cover_the_link(berlin_kit):
    assets.update_asset(berlin_kit["poster"], {"channels": ["email"]})

    page = Client().get(f"/share/{berlin_kit['token']}/").content.decode()
    assert "Poster" not in page and "Nothing here may be used now." in page
    answer = _download(berlin_kit)

    assert answer.status_code == 422
    reason = "'Poster' is licensed for channels email, not 'print'"
    assert reason.replace("'", "&#x27;") in answer.content.decode()
    assert ShareDownload.objects.count() == 0
    assert _refusals() == [("Poster", "medium", "print", reason)]


def test_a_territory_the_rights_no_longer_cover_stops_the_link(berlin_kit):
    assets.update_asset(berlin_kit["poster"], {"territories": ["AT"]})
    assert _download(berlin_kit).status_code == 422
    assert ShareDownload.objects.count() == 0
    assert _refusals() == [
        ("Poster", "medium", "print", "'Poster' is licensed for AT, not DE"),
    ]


def test_ended_rights_stop_the_link_and_the_refusal_is_logged(berlin_kit, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=30))  # 1 July
    assert _download(berlin_kit).status_code == 422
    assert ShareDownload.objects.count() == 0
    assert _refusals() == [
        ("Poster", "medium", "print", "the rights for 'Poster' do not cover 2026-07-01"),
    ]


def test_narrowing_the_partner_stops_its_link_for_a_channel_it_lost(berlin_kit):
    partners.update_partner(berlin_kit["berlin"], {"channels": ["local_partner"]})
    assert _download(berlin_kit).status_code == 422
    reason = "Franchise Berlin may no longer use assets on this link's channels"
    assert _refusals() == [("Poster", "medium", "", reason)]
    assert ShareDownload.objects.count() == 0


def test_a_link_for_a_channel_its_partner_may_not_use_is_refused(berlin_kit):
    with pytest.raises(ValidationFailed) as refused:
        assets.share_collection(
            berlin_kit["kit"],
            label="Berlin TV",
            days=30,
            can_download=True,
            renditions=["medium"],
            partner=berlin_kit["berlin"],
            channels=["tv"],
        )
    assert refused.value.errors == {
        "channels": "Franchise Berlin may use assets on Print, Local / franchise partners; not TV"
    }
    assert ShareLink.objects.count() == 1


def test_a_link_for_no_partner_checks_the_channels_it_names_and_no_territory(berlin_kit):
    kit, poster = berlin_kit["kit"], berlin_kit["poster"]
    _, for_email = assets.share_collection(
        kit, label="Mailing", days=30, can_download=True, renditions=["medium"], channels="email"
    )
    _, anything = assets.share_collection(
        kit, label="Press", days=30, can_download=True, renditions=["medium"]
    )
    assert Client().get(f"/share/{for_email}/{poster.pk}/medium/").status_code == 422
    assert Client().get(f"/share/{anything}/{poster.pk}/medium/").status_code == 200
    assert list(ShareDownload.objects.values_list("link__label", "channel")) == [("Press", "")]
    assert [row[2:] for row in _refusals()] == [
        ("email", "'Poster' is licensed for channels print, not 'email'")
    ]


def test_the_share_form_refuses_a_channel_of_another_kind_at_the_field(berlin_kit, admin):
    manager = Client()
    manager.force_login(admin)
    kit, berlin = berlin_kit["kit"], berlin_kit["berlin"]
    audited = AuditEntry.objects.count()
    form = {
        "label": "Berlin <b>TV</b>",
        "days": "14",
        "partner": str(berlin.pk),
        "channels": ["print", "tv"],
        "can_download": "on",
        "renditions": ["medium"],
    }

    answer = manager.post(f"/assets/collections/{kit.pk}/share/", form)

    assert answer.status_code == 422
    page = answer.content.decode()
    reason = "Franchise Berlin may use assets on Print, Local / franchise partners; not TV"
    assert f'<p class="field-error" id="field-share-channels-error">{reason}</p>' in page
    assert 'value="Berlin &lt;b&gt;TV&lt;/b&gt;"' in page and 'value="14"' in page
    assert 'value="tv" checked' in page and 'value="print" checked' in page
    # the partner's channels, and the one refused so that it can be unticked
    assert _channel_boxes(page) == ["print", "tv", "local_partner"]
    assert f'<option value="{berlin.pk}" selected>' in page
    # the link made for print, with its channel by name and its counts
    assert "<td>Print</td>" in page
    assert ShareLink.objects.count() == 1 and AuditEntry.objects.count() == audited


def test_a_hostile_channel_in_the_address_is_refused_and_logged_without_a_500(berlin_kit):
    url = f"/share/{berlin_kit['token']}/{berlin_kit['poster'].pk}/medium/"
    asked = "pr\x00int" + "x" * 100
    answer = Client().get(url, {"channel": asked})
    assert answer.status_code == 422
    assert ShareDownload.objects.count() == 0
    shown = asked[:40].replace("\x00", "")  # cut to 40, the NUL PostgreSQL cannot store dropped
    assert list(ShareRefusal.objects.values_list("channel", "reason")) == [
        (shown, f"this link is for Print; not {shown}")
    ]


def _channel_boxes(html: str) -> list[str]:
    """The channels the share form's checkboxes offer, in order."""
    start = html.index('id="field-share-channels"')
    fieldset = html[start : html.index("</fieldset>", start)]
    return re.findall(r'name="channels" value="(\w+)"', fieldset)


def test_the_share_form_offers_the_chosen_partners_channels(berlin_kit, admin):
    """HTMX asks for the checkboxes when the partner changes: that partner's channels,
    the ticks it may keep kept; no partner (or none of this workspace): every channel.
    Without JavaScript the page offers every channel and the form refuses a wrong one."""
    manager = Client()
    manager.force_login(admin)
    kit, berlin = berlin_kit["kit"], berlin_kit["berlin"]
    url = f"/assets/collections/{kit.pk}/share/channels/"

    answer = manager.get(url, {"partner": str(berlin.pk), "channels": ["tv", "print"]})

    assert answer.status_code == 200
    boxes = answer.content.decode()
    assert _channel_boxes(boxes) == ["print", "local_partner"]
    assert 'value="print" checked' in boxes and "checked" not in boxes.replace(
        'value="print" checked', ""
    )
    assert "The channels Franchise Berlin may use; none ticked: all of them." in boxes
    assert f'hx-get="{url}"' in boxes  # the swapped fieldset asks again on the next change
    for other in ("", "1" * 23, "-1", str(berlin.pk + 1000)):
        everything = manager.get(url, {"partner": other}).content.decode()
        assert _channel_boxes(everything) == list(CHANNELS)
    page = manager.get(f"/assets/collections/{kit.pk}/").content.decode()
    assert _channel_boxes(page) == list(CHANNELS)
    assert ShareLink.objects.count() == 1


def test_a_refused_download_emails_the_links_maker_and_the_assets_owner_once_a_day(
    berlin_kit, monkeypatch
):
    workspace = berlin_kit["link"].workspace
    maker = actions.create_user(
        workspace, "mia", "correct-horse-1", Role.MARKETER, email="mia@a.test"
    )
    owner = actions.create_user(
        workspace, "oz", "correct-horse-1", Role.MARKETER, email="oz@a.test"
    )
    ShareLink.objects.filter(pk=berlin_kit["link"].pk).update(created_by=maker)
    Asset.objects.filter(pk=berlin_kit["poster"].pk).update(owner=owner)
    assert _download(berlin_kit).status_code == 200  # served: nobody is told
    assert OutboxEmail.objects.count() == 0
    assets.update_asset(berlin_kit["poster"], {"channels": ["email"]})

    for _ in range(3):  # a partner retrying all day
        assert _download(berlin_kit).status_code == 422
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=1))
    assert _download(berlin_kit).status_code == 422

    assert len(_refusals()) == 4  # each refusal is logged and counted
    assert sorted(OutboxEmail.objects.values_list("to_email", "key")) == [
        ("mia@a.test", f"content.share-refused:{berlin_kit['link'].pk}:2026-06-01:{maker.pk}"),
        ("mia@a.test", f"content.share-refused:{berlin_kit['link'].pk}:2026-06-02:{maker.pk}"),
        ("oz@a.test", f"content.share-refused:{berlin_kit['link'].pk}:2026-06-01:{owner.pk}"),
        ("oz@a.test", f"content.share-refused:{berlin_kit['link'].pk}:2026-06-02:{owner.pk}"),
    ]
    assert outbox.send_due() == 4
    first = sorted(mail.outbox, key=lambda message: (message.body, message.to))[0]
    assert first.subject == "A download of 'Poster' through 'Berlin print' was refused"
    assert first.to == ["mia@a.test"]
    assert first.body.startswith(
        "Someone with the share link 'Berlin print' (for Franchise Berlin) asked for 'Poster' "
        "on 2026-06-01 and was refused: 'Poster' is licensed for channels email, not 'print'. "
        "Nothing was sent."
    )
    assert f"{settings.BASE_URL}/assets/collections/{berlin_kit['kit'].pk}/\n" in first.body
    # where the e-mail sends them: the refusals listed, newest first, with their reasons
    manager = Client()
    manager.force_login(maker)  # a marketer: may view assets
    page = manager.get(f"/assets/collections/{berlin_kit['kit'].pk}/").content.decode()
    rows = re.findall(r"<tr><td>(2026-06-0\d \d\d:\d\d)</td><td>([^<]+)</td>", page)
    assert (
        rows == [("2026-06-02 12:00", "Berlin print")] + [("2026-06-01 12:00", "Berlin print")] * 3
    )
    assert page.count("<td>Print</td><td>&#x27;Poster&#x27; is licensed for channels email") == 4


def test_the_maker_who_owns_the_asset_gets_one_email(berlin_kit):
    workspace = berlin_kit["link"].workspace
    both = actions.create_user(
        workspace, "mia", "correct-horse-1", Role.MARKETER, email="mia@a.test"
    )
    ShareLink.objects.filter(pk=berlin_kit["link"].pk).update(created_by=both)
    Asset.objects.filter(pk=berlin_kit["poster"].pk).update(owner=both)
    assets.update_asset(berlin_kit["poster"], {"territories": ["AT"]})
    assert _download(berlin_kit).status_code == 422
    assert list(OutboxEmail.objects.values_list("to_email", flat=True)) == ["mia@a.test"]
