"""Editing a partner and deactivating it, on the pages: a refused form changes nothing
and names the fields; a new territory changes the portal at once; a deactivated partner's
logins are signed out, its portal shows nothing and the share links made for it refuse
every request at once (404, nothing logged, nothing counted), and work again when it is
reactivated; each change is in the audit trail."""

import pytest
from django.test import Client

from pacer.content import assets, partners
from pacer.content.models import (
    Collection,
    Partner,
    PartnerDownload,
    ShareDownload,
    ShareLink,
)
from pacer.core import actions as core
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from tests.content.test_partner_portal import PASSWORD, _login, at, library  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def _link(collection_name: str, partner=None) -> str:
    _, token = assets.share_collection(
        Collection.objects.get(name=collection_name),
        label="Berlin",
        days=7,
        can_download=True,
        renditions=["original"],
        partner=partner,
    )
    return token


def test_a_partner_is_edited_from_its_page_and_a_refused_form_changes_nothing(
    library,  # noqa: F811  (the fixture imported above)
    manager,
):
    franchise = library["franchise"]
    url = f"/assets/partners/{franchise.pk}/edit/"
    form = manager.get(url)
    assert form.status_code == 200
    assert form.context["form"] == {
        "name": "Franchise Berlin",
        "territory": "DE",
        "channels": ["print"],
        "contacts": "Sam Lee <sam@franchise.test>\nOffice <office@franchise.test>",
    }
    entries = AuditEntry.objects.count()
    refused = manager.post(
        url,
        {"name": "Agency", "territory": "Germany", "channels": ["fax"], "contacts": "sam@x.test"},
    )
    assert refused.status_code == 422
    assert refused.context["errors"] == {
        "name": "'Agency' is already a partner",
        "territory": "a two-letter country code (ISO 3166), e.g. DE",
        "channels": f"'fax' is not a channel: choose from {', '.join(CHANNELS)}",
        "contacts": "'sam@x.test': write one per line as Name <email>",
    }
    assert refused.context["form"]["territory"] == "Germany"  # what was typed stays
    franchise.refresh_from_db()
    assert (franchise.name, franchise.territory, franchise.channels) == (
        "Franchise Berlin",
        "DE",
        ["print"],
    )
    assert AuditEntry.objects.count() == entries
    saved = manager.post(
        url,
        {
            "name": "Franchise Boston",
            "territory": "us",
            "channels": ["local_partner", "print"],
            "contacts": "Kim <kim@franchise.test>",
        },
    )
    assert saved.status_code == 302 and saved["Location"] == f"/assets/partners/{franchise.pk}/"
    franchise.refresh_from_db()
    assert (franchise.name, franchise.territory, franchise.channels, franchise.contacts) == (
        "Franchise Boston",
        "US",
        ["print", "local_partner"],
        [{"name": "Kim", "email": "kim@franchise.test"}],
    )
    # the portal follows at once: the German print poster goes, the US-only asset comes
    assert [e.asset.name for e in partners.portal(franchise)] == ["Beach hero", "US only"]
    entry = AuditEntry.objects.get(action="partner.update")
    assert entry.before == {
        "name": "Franchise Berlin",
        "territory": "DE",
        "channels": ["print"],
        "contacts": [
            {"name": "Sam Lee", "email": "sam@franchise.test"},
            {"name": "Office", "email": "office@franchise.test"},
        ],
    }
    assert entry.after == {
        "name": "Franchise Boston",
        "territory": "US",
        "channels": ["print", "local_partner"],
        "contacts": [{"name": "Kim", "email": "kim@franchise.test"}],
    }
    # saving the same values again changes nothing and records nothing
    manager.post(url, {**manager.get(url).context["form"]})
    assert AuditEntry.objects.filter(action="partner.update").count() == 1


def test_a_deactivated_partner_gets_nothing_at_once_until_it_is_reactivated(
    library,  # noqa: F811  (the fixture imported above)
    manager,
):
    franchise, hero = library["franchise"], library["hero"]
    fran = _login("fran")
    theirs, anyones = _link("Spring kit", franchise), _link("Spring kit")
    assert fran.get(f"/portal/{hero.pk}/original/").status_code == 200
    assert Client().get(f"/share/{theirs}/{hero.pk}/original/").status_code == 200
    logged = (PartnerDownload.objects.count(), ShareDownload.objects.count())
    assert logged == (1, 1)

    answer = manager.post(f"/assets/partners/{franchise.pk}/active/", {"active": "0"})
    assert answer.status_code == 302
    assert Partner.objects.get(pk=franchise.pk).active is False
    # its login's session is signed out (tests/content/test_partner_suspension.py)
    assert fran.get(f"/portal/{hero.pk}/original/")["Location"] == (
        f"/login/?next=/portal/{hero.pk}/original/"
    )
    assert fran.get(f"/portal/{hero.pk}/thumbnail.img").status_code == 302
    preview = manager.get(f"/portal/?partner={franchise.pk}").content.decode()
    assert "Deactivated: its portal shows nothing." in preview
    assert "<h2>Beach hero</h2>" not in preview
    assert Client().get(f"/share/{theirs}/").status_code == 404
    assert Client().get(f"/share/{theirs}/{hero.pk}/original/").status_code == 404
    assert (PartnerDownload.objects.count(), ShareDownload.objects.count()) == logged
    # a link made for nobody in particular is not the partner's: it still works
    assert Client().get(f"/share/{anyones}/{hero.pk}/original/").status_code == 200
    page = manager.get(f"/assets/partners/{franchise.pk}/").content.decode()
    assert 'id="partner-inactive"' in page and "withdrawn: Franchise Berlin is deactivated" in page
    assert "<strong>Deactivated</strong>" in manager.get("/assets/partners/").content.decode()
    with pytest.raises(ValidationFailed) as refused:
        _link("Spring kit", Partner.objects.get(pk=franchise.pk))
    assert refused.value.errors == {
        "partner": "Franchise Berlin is deactivated: reactivate it first"
    }

    manager.post(f"/assets/partners/{franchise.pk}/active/", {"active": "1"})
    assert _login("fran").get(f"/portal/{hero.pk}/original/").status_code == 200
    assert Client().get(f"/share/{theirs}/{hero.pk}/original/").status_code == 200
    assert list(
        AuditEntry.objects.filter(action__startswith="partner.")
        .exclude(action__in=["partner.create", "partner.share", "partner.login"])
        .values_list("action", "before", "after")
        .order_by("pk")
    ) == [
        ("partner.deactivate", {"active": True}, {"active": False}),
        ("partner.reactivate", {"active": False}, {"active": True}),
    ]


def test_only_asset_managers_edit_or_deactivate_a_partner(workspace, library):  # noqa: F811
    core.create_user(workspace, "stan", PASSWORD, Role.STAFF)
    franchise = library["franchise"]
    for who in ("stan", "fran"):
        client = _login(who)
        assert client.get(f"/assets/partners/{franchise.pk}/edit/").status_code == 403
        assert client.post(f"/assets/partners/{franchise.pk}/active/", {}).status_code == 403
    assert Partner.objects.get(pk=franchise.pk).active is True
    assert not AuditEntry.objects.filter(action="partner.deactivate").exists()


def test_the_collection_page_makes_a_link_for_a_partner_and_refuses_a_stranger(
    workspace,
    library,  # noqa: F811  (the fixture imported above)
    manager,
):
    spring = Collection.objects.get(name="Spring kit")
    other = core.create_workspace("Other", slug="other")
    stranger = partners.create_partner(other, name="Theirs", territory="DE", channels=["print"])
    url = f"/assets/collections/{spring.pk}/share/"
    form = {"label": "Berlin", "days": "7", "can_download": "on", "renditions": ["original"]}
    for wanted in (str(stranger.pk), "x"):
        refused = manager.post(url, {**form, "partner": wanted})
        assert refused.status_code == 422  # the form again, as typed, the reason at the field
        page = refused.content.decode()
        assert 'id="field-share-partner-error"><p>no such partner</p>' in page
        assert 'value="Berlin"' in page
    assert not ShareLink.objects.exists()
    made = manager.post(url, {**form, "partner": str(library["franchise"].pk)})
    assert made.status_code == 200 and "new-share-url" in made.content.decode()
    assert ShareLink.objects.get().partner == library["franchise"]
    page = manager.get(f"/assets/collections/{spring.pk}/").content.decode()
    assert f'<a href="/assets/partners/{library["franchise"].pk}/">Franchise Berlin</a>' in page
