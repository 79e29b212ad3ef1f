"""A partner uses assets on a set of channels (ADR 0011): its portal shows an asset whose
rights cover at least one of them, and says which ("Use on"); each download is for one
channel and the log records it; a channel the partner may not use, or one the asset's
rights do not cover, is refused with the reason and nothing is logged; narrowing the
channels hides an asset at once and withdraws nothing already downloaded; the partner's
page names a channel no shared asset may be used on; and the migration turns a partner's
one channel into its list."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils.html import escape

from pacer.content import assets, partners
from pacer.content.models import PartnerDownload
from pacer.core.errors import ValidationFailed
from tests.content.test_partner_portal import _login, at, library  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def kit(library):  # noqa: F811  (the fixture imported above)
    """Franchise Berlin (DE) on print and paid social: the poster is licensed for print,
    the social cut for paid social, the hero for anything."""
    found = partners.update_partner(library["franchise"], {"channels": ["paid_social", "print"]})
    return {**library, "franchise": found}


def _logged():
    return list(PartnerDownload.objects.order_by("pk").values_list("asset__name", "channel"))


def test_the_portal_shows_an_asset_licensed_for_any_of_its_channels_and_says_which(kit):
    franchise = kit["franchise"]
    shown = {e.asset.name: e.channel_names for e in partners.portal(franchise)}

    assert shown == {
        "Beach hero": "Paid social, Print",
        "Social cut": "Paid social",  # hidden while the partner had print only
        "Spring poster": "Print",
    }
    page = _login("fran").get("/portal/").content.decode()
    social = kit["social"].pk
    assert f'href="/portal/{social}/original/?channel=paid_social"' in page
    assert "Use on: Paid social, Print" in page


def test_a_download_is_for_one_channel_and_a_refused_one_logs_nothing(kit):
    franchise = kit["franchise"]
    fran = _login("fran")
    hero, poster = kit["hero"].pk, kit["poster"].pk

    refused = [
        (hero, "", "choose the channel you will use it on: Paid social or Print"),
        (hero, "tv", "Franchise Berlin may use assets on Paid social, Print; not TV"),
        (hero, "x" * 80, f"Franchise Berlin may use assets on Paid social, Print; not {'x' * 40}"),
        (
            poster,
            "paid_social",
            "'Spring poster' is licensed for channels print, not 'paid_social'",
        ),
    ]
    for asset_id, channel, reason in refused:
        answer = fran.get(f"/portal/{asset_id}/original/", {"channel": channel})
        assert answer.status_code == 422, channel
        assert answer.context["reason"] == reason
        assert f'<p id="portal-refused">{escape(reason)}</p>' in answer.content.decode()
    assert _logged() == []

    assert fran.get(f"/portal/{poster}/original/").status_code == 200  # its only channel
    assert fran.get(f"/portal/{hero}/original/", {"channel": "paid_social"}).status_code == 200
    assert _logged() == [("Spring poster", "print"), ("Beach hero", "paid_social")]
    with pytest.raises(ValidationFailed) as error:
        partners.download(franchise, None, hero, "original", "print ")
    assert error.value.errors == {
        "channel": "Franchise Berlin may use assets on Paid social, Print; not print "
    }


def test_narrowing_the_channels_hides_an_asset_at_once_and_withdraws_nothing(kit):
    franchise = kit["franchise"]
    fran = _login("fran")
    social = kit["social"].pk
    assert fran.get(f"/portal/{social}/original/").status_code == 200

    franchise = partners.update_partner(franchise, {"channels": ["print"]})

    assert [e.asset.name for e in partners.portal(franchise)] == ["Beach hero", "Spring poster"]
    assert fran.get(f"/portal/{social}/original/").status_code == 404
    assert _logged() == [("Social cut", "paid_social")]  # the earlier download stays


@pytest.mark.parametrize(
    ("channels", "reason"),
    [
        ([], "choose at least one channel"),
        ("print", "choose at least one channel"),
        (["print", "print"], "name each channel once"),
        (["print", "fax"], "'fax' is not a channel: choose from "),
        (["print"] * 11, "at most 10 channels"),
    ],
)
def test_bad_channels_are_refused_naming_channels_and_nothing_changes(kit, channels, reason):
    franchise = kit["franchise"]
    with pytest.raises(ValidationFailed) as error:
        partners.update_partner(franchise, {"channels": channels})
    assert list(error.value.errors) == ["channels"]
    assert error.value.errors["channels"].startswith(reason)
    franchise.refresh_from_db()
    assert franchise.channels == ["paid_social", "print"]


BEFORE = [("content", "0009_partner_key_active_share_link_partner")]


@pytest.mark.migrations  # migrates the database itself
@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_a_partners_one_channel_into_its_list(workspace):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldPartner = old.get_model("content", "Partner")
    OldPartner.objects.create(workspace_id=workspace.pk, name="A", territory="DE", channel="print")
    OldPartner.objects.create(workspace_id=workspace.pk, name="B", territory="US", channel="tv")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    found = partners.partners(workspace).values_list("name", "channels")
    assert list(found) == [("A", ["print"]), ("B", ["tv"])]


def test_the_partners_page_names_a_channel_no_shared_asset_may_be_used_on(kit, admin):
    """ADR 0011's open question: a partner may be given a channel no shared asset is
    licensed for; its page says so, under what the portal shows."""
    assets.update_asset(kit["hero"], {"channels": ["print", "paid_social"]})
    franchise = partners.update_partner(kit["franchise"], {"channels": ["print", "tv", "radio"]})
    manager = Client()
    manager.force_login(admin)

    page = manager.get(f"/assets/partners/{franchise.pk}/").content.decode()

    assert (
        '<p class="muted" id="partner-unused-channels">No shared asset may be used on TV, Radio '
        "today: share one licensed for it, or take the channel off the partner.</p>"
    ) in page
    partners.update_partner(franchise, {"channels": ["print"]})
    page = manager.get(f"/assets/partners/{franchise.pk}/").content.decode()
    assert "partner-unused-channels" not in page and "Spring poster" in page
