"""The partner portal: a partner's login sees the assets of the collections shared with
its partner while their rights cover the partner's territory and channel — never another
partner's, never any other page of the workspace (403) — downloads the renditions the
share allows, each download logged (who, when, which version and rendition); an asset
that expires or is withdrawn leaves the portal, and the partners who downloaded it are
told through the staff outbox, once, at a real SMTP server (aiosmtpd)."""

import email
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from pacer.content import assets, partners
from pacer.content.models import PartnerDownload, Rendition
from pacer.content.storage import storage
from pacer.content.tasks import render
from pacer.content.withdrawal import expire_assets, withdraw_asset
from pacer.core import clock, outbox
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry, EmailStatus, OutboxEmail
from tests.content.test_assets import png
from tests.work.conftest import smtp, smtp_sink  # noqa: F401  (a real SMTP server)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
PASSWORD = "correct-horse-1"  # the browser tests sign in with it


@pytest.fixture
def at(monkeypatch):
    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    set_to(NOW)
    return set_to


@pytest.fixture
def library(workspace, media_dir, at):
    """Two partners (a German print franchise, a US agency on paid social), each with its
    own collection and a login; assets with different rights."""
    hero = assets.upload_asset(
        workspace, name="Beach hero", filename="h.png", data=png(640, 480), rights={}
    )
    render(hero.versions.get().pk)  # its thumbnail and medium renditions
    poster = assets.upload_asset(
        workspace,
        name="Spring poster",
        filename="p.png",
        data=png(20, 20),
        rights={"territories": ["DE", "AT"], "channels": ["print"], "rights_end": "2026-03-31"},
    )
    us_only = assets.upload_asset(
        workspace,
        name="US only",
        filename="u.png",
        data=png(20, 20),
        rights={"territories": ["US"]},
    )
    social = assets.upload_asset(
        workspace,
        name="Social cut",
        filename="s.png",
        data=png(20, 20),
        rights={"channels": ["paid_social"]},
    )
    spring = assets.create_collection(workspace, "Spring kit")
    for asset in (hero, poster, us_only, social):
        assets.collect(spring, asset)
    agency_kit = assets.create_collection(workspace, "Agency kit")
    agency_only = assets.upload_asset(
        workspace, name="Agency only", filename="a.png", data=png(20, 20), rights={}
    )
    assets.collect(agency_kit, agency_only)
    franchise = partners.create_partner(
        workspace,
        name="Franchise Berlin",
        territory="de",
        channels=["print"],
        contacts="Sam Lee <sam@franchise.test>\nOffice <office@franchise.test>",
    )
    agency = partners.create_partner(
        workspace, name="Agency", territory="US", channels=["paid_social"], contacts=[]
    )
    partners.share(franchise, spring, renditions=["original", "thumbnail"])
    partners.share(agency, agency_kit, renditions=["medium"])
    partners.add_login(franchise, username="fran", email="fran@franchise.test", password=PASSWORD)
    partners.add_login(agency, username="agent", email="", password=PASSWORD)
    return {
        "hero": hero,
        "poster": poster,
        "us_only": us_only,
        "social": social,
        "agency_only": agency_only,
        "franchise": franchise,
        "agency": agency,
    }


def _login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _names(page: str) -> list[str]:
    return [
        name
        for name in ("Beach hero", "Spring poster", "US only", "Social cut", "Agency only")
        if f"<h2>{name}</h2>" in page
    ]


def test_a_partner_sees_only_its_shared_assets_whose_rights_cover_its_use(library):
    assert [e.asset.name for e in partners.portal(library["franchise"])] == [
        "Beach hero",  # no limits
        "Spring poster",  # DE, print, until March
    ]  # not "US only" (territory), not "Social cut" (channel), not the agency's
    assert [e.renditions for e in partners.portal(library["franchise"])] == [
        ["original", "thumbnail"],
        ["original", "thumbnail"],
    ]
    page = _login("fran").get("/portal/")
    assert page.status_code == 200
    assert _names(page.content.decode()) == ["Beach hero", "Spring poster"]
    hero = library["hero"].pk
    assert f'href="/portal/{hero}/original/?channel=print"' in page.content.decode()
    assert f'href="/portal/{hero}/medium/' not in page.content.decode()
    agency_page = _login("agent").get("/portal/").content.decode()
    assert _names(agency_page) == ["Agency only"]
    assert _login("fran").get(f"/portal/{hero}/thumbnail.img").status_code == 200
    assert _login("agent").get(f"/portal/{hero}/thumbnail.img").status_code == 404
    assert not PartnerDownload.objects.exists()  # seeing the portal downloads nothing


def test_a_download_is_logged_with_who_when_version_and_rendition(library, at, admin):
    fran = _login("fran")
    hero = library["hero"]
    at(NOW + timedelta(hours=1))
    response = fran.get(f"/portal/{hero.pk}/thumbnail/")
    assert response.status_code == 200
    thumbnail = Rendition.objects.get(version__asset=hero, kind="thumbnail")
    assert (thumbnail.width, thumbnail.height) != (640, 480)  # the small image, not the file
    assert response["Content-Disposition"] == f'attachment; filename="{hero.pk}-thumbnail"'
    assert fran.get(f"/portal/{hero.pk}/original/").content == png(640, 480)
    assert list(
        PartnerDownload.objects.order_by("pk").values_list(
            "partner__name", "user__username", "asset__name", "version__number", "kind", "channel"
        )
    ) == [
        ("Franchise Berlin", "fran", "Beach hero", 1, "thumbnail", "print"),
        ("Franchise Berlin", "fran", "Beach hero", 1, "original", "print"),
    ]
    assert PartnerDownload.objects.first().downloaded_at == NOW + timedelta(hours=1)
    staff = Client()
    staff.force_login(admin)
    for url in ("/assets/partners/", f"/assets/partners/{library['franchise'].pk}/"):
        log = staff.get(url)  # the download log, on both pages
        assert log.status_code == 200, url
        rows = [[cell.text for cell in row][-5:] for row in log.context["table"].rows]
        assert rows == [
            ["fran", "Beach hero", "1", "original", "Print"],
            ["fran", "Beach hero", "1", "thumbnail", "Print"],
        ], url


def test_a_partner_gets_nothing_of_another_partner_nor_a_rendition_not_shared(library):
    fran, agent = _login("fran"), _login("agent")
    refused = [
        (fran, library["agency_only"].pk, "original"),  # the agency's
        (fran, library["us_only"].pk, "original"),  # shared, but not for DE
        (fran, library["social"].pk, "original"),  # shared, but not for print
        (fran, library["hero"].pk, "medium"),  # a rendition the share does not allow
        (agent, library["hero"].pk, "thumbnail"),  # the franchise's
        (fran, 999_999, "original"),
    ]
    for client, asset_id, kind in refused:
        assert client.get(f"/portal/{asset_id}/{kind}/").status_code == 404, (asset_id, kind)
    assert not PartnerDownload.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/assets/",
        "/assets/partners/",
        "/content/items/",
        "/content/calendar/",
        "/work/boards/",
        "/contacts/",
        "/campaigns/",
        "/settings/members/",
    ],
)
def test_a_partner_login_gets_403_on_every_other_page(library, url):
    response = _login("fran").get(url)
    assert response.status_code in (403, 404), url
    if response.status_code == 404:  # a route that does not exist proves nothing
        pytest.skip(f"{url} is no page of this install")
    assert "Beach hero" not in response.content.decode()


def test_a_partner_role_holds_only_the_portal_and_admins_preview_it_without_downloads(
    library, admin, team
):
    from pacer.core.permissions import grants

    held = sorted(p for p, roles in grants().items() if "partner" in roles)
    assert held == ["content.portal"]
    marketer = Client()
    marketer.force_login(team["editor"])
    assert marketer.get("/portal/").status_code == 403
    staff = Client()
    staff.force_login(admin)
    unchosen = staff.get("/portal/").content.decode()  # a title, and no partner looks chosen
    assert "<h1" in unchosen and "Partner portal" in unchosen
    assert '<option value="" selected disabled>Choose a partner</option>' in unchosen
    assert "Choose a partner to see its portal." in unchosen
    page = staff.get(f"/portal/?partner={library['franchise'].pk}").content.decode()
    assert "Choose a partner</option>" not in page
    assert _names(page) == ["Beach hero", "Spring poster"]
    assert "Download:" not in page
    hero = library["hero"].pk
    preview = staff.get(f"/portal/{hero}/thumbnail.img?partner={library['franchise'].pk}")
    assert preview.status_code == 200 and preview["Content-Type"].startswith("image/")
    assert staff.get(f"/portal/{hero}/original/").status_code == 404  # no partner: no download
    assert not PartnerDownload.objects.exists()  # a view of the portal is no download


def test_an_expired_asset_leaves_the_portal_at_once_and_a_withdrawn_one_too(library, at):
    fran = _login("fran")
    poster = library["poster"]
    at(datetime(2026, 4, 1, 8, tzinfo=UTC))  # the poster's rights ended yesterday
    assert _names(fran.get("/portal/").content.decode()) == ["Beach hero"]
    assert fran.get(f"/portal/{poster.pk}/original/").status_code == 404
    withdraw_asset(library["hero"], reason="the photographer revoked the licence")
    assert _names(fran.get("/portal/").content.decode()) == []
    assert "Nothing to download today." in fran.get("/portal/").content.decode()
    assert not PartnerDownload.objects.exists()


def _received(sink) -> list[tuple[list[str], str]]:
    return [
        (recipients, email.message_from_string(content)["Subject"])
        for recipients, content in sink.messages
    ]


def test_partners_who_downloaded_an_asset_are_told_once_when_it_expires(library, at, smtp):  # noqa: F811
    fran = _login("fran")
    poster = library["poster"]
    assert fran.get(f"/portal/{poster.pk}/original/").status_code == 200
    at(datetime(2026, 4, 1, 8, tzinfo=UTC))
    assert expire_assets(date(2026, 4, 1)) >= 1  # the loop withdraws the poster
    keys = sorted(
        OutboxEmail.objects.filter(source="content.partners").values_list("to_email", flat=True)
    )
    assert keys == ["fran@franchise.test", "office@franchise.test", "sam@franchise.test"]
    assert expire_assets(date(2026, 4, 1)) == 0  # a rerun: nothing more
    assert OutboxEmail.objects.filter(source="content.partners").count() == 3
    at(datetime(2026, 4, 1, 8, 5, tzinfo=UTC))
    outbox.send_due()
    told = sorted(r for r, subject in _received(smtp) if subject == "Stop using 'Spring poster'")
    assert told == [["fran@franchise.test"], ["office@franchise.test"], ["sam@franchise.test"]]
    assert set(
        OutboxEmail.objects.filter(source="content.partners").values_list("status", flat=True)
    ) == {EmailStatus.SENT}


def test_a_withdrawal_tells_only_the_partners_who_downloaded_it(library, smtp):  # noqa: F811
    fran = _login("fran")
    hero = library["hero"]
    assert fran.get(f"/portal/{hero.pk}/thumbnail/").status_code == 200
    withdraw_asset(library["agency_only"], reason="not downloaded by anyone")
    assert not OutboxEmail.objects.filter(source="content.partners").exists()
    withdraw_asset(hero, reason="licence revoked")
    rows = OutboxEmail.objects.filter(source="content.partners").order_by("to_email")
    assert [(r.to_email, r.subject) for r in rows] == [
        ("fran@franchise.test", "Stop using 'Beach hero'"),
        ("office@franchise.test", "Stop using 'Beach hero'"),
        ("sam@franchise.test", "Stop using 'Beach hero'"),
    ]
    assert "was withdrawn (licence revoked)" in rows[0].body


def test_staff_make_a_partner_share_a_collection_and_give_a_login_by_the_pages(
    workspace, admin, media_dir, at
):
    staff = Client()
    staff.force_login(admin)
    refused = staff.post(
        "/assets/partners/new/", {"name": "", "territory": "Germany", "channels": ["fax"]}
    )
    assert refused.status_code == 422
    assert refused.context["errors"] == {
        "name": "must not be empty",
        "territory": "a two-letter country code (ISO 3166), e.g. DE",
        "channels": f"'fax' is not a channel: choose from {', '.join(CHANNELS)}",
    }
    assert 'value="fax"' not in refused.content.decode()
    audit_before = AuditEntry.objects.count()
    bad_contact = staff.post(
        "/assets/partners/new/",
        {"name": "Shop", "territory": "fr", "channels": ["print"], "contacts": "just text"},
    )
    assert bad_contact.status_code == 422 and "contacts" in bad_contact.context["errors"]
    assert AuditEntry.objects.count() == audit_before  # nothing written
    made = staff.post(
        "/assets/partners/new/",
        {"name": "Shop", "territory": "fr", "channels": ["print"], "contacts": "Jo <jo@shop.test>"},
    )
    shop = partners.partners(workspace).get(name="Shop")
    assert made.status_code == 302 and made["Location"] == f"/assets/partners/{shop.pk}/"
    assert (shop.territory, shop.contacts) == ("FR", [{"name": "Jo", "email": "jo@shop.test"}])
    kit = assets.create_collection(workspace, "Kit")
    assets.collect(
        kit, assets.upload_asset(workspace, name="Logo", filename="l.png", data=png(8, 8))
    )
    staff.post(f"/assets/partners/{shop.pk}/share/", {"collection": kit.pk, "renditions": []})
    assert not shop.shares.exists()  # refused: no rendition
    staff.post(
        f"/assets/partners/{shop.pk}/share/", {"collection": kit.pk, "renditions": ["original"]}
    )
    staff.post(
        f"/assets/partners/{shop.pk}/logins/",
        {"username": "jo", "email": "jo@shop.test", "password": PASSWORD},
    )
    page = staff.get(f"/assets/partners/{shop.pk}/").content.decode()
    assert "Kit</a> · downloads: original" in page and "jo · jo@shop.test" in page
    assert "<h2>Logo</h2>" in _login("jo").get("/portal/").content.decode()
    with pytest.raises(ValidationFailed):
        partners.share(shop, kit, renditions=["everything"])


def test_only_a_get_sends_a_file_and_only_a_file_sent_is_logged(library):
    """A HEAD (a link checker, a preview) or a POST sends no file and logs nothing; a file
    that cannot be read (gone from the store) is a server error and is not logged."""
    fran = _login("fran")
    hero = library["hero"]
    assert fran.head(f"/portal/{hero.pk}/original/").status_code == 405
    assert fran.post(f"/portal/{hero.pk}/original/").status_code == 405
    assert not PartnerDownload.objects.exists()
    storage().delete(hero.versions.get().storage_key)
    broken = Client(raise_request_exception=False)
    broken.login(username="fran", password=PASSWORD)
    assert broken.get(f"/portal/{hero.pk}/original/").status_code == 500
    assert not PartnerDownload.objects.exists()
    assert fran.get(f"/portal/{hero.pk}/thumbnail/").status_code == 200
    assert list(PartnerDownload.objects.values_list("kind", flat=True)) == ["thumbnail"]
