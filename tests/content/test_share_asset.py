"""Sharing a single asset from its page: the link's address is shown once, the asset's
page lists its links with their state and download counts, a refused share form comes
back (422) with the reasons at its fields and nothing made, and Revoke stops a link at
once (another workspace's link: 404; a staff member: 403; nothing changed)."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.content import assets, partners, tasks, withdrawal
from pacer.content.models import ShareDownload, ShareLink
from pacer.core import actions as core
from pacer.core import clock
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from tests.content.test_assets import png
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def beach(workspace, media_dir, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    asset = assets.upload_asset(
        workspace, name="Beach", filename="b.png", data=png(40, 30), rights={}
    )
    tasks.render(asset.versions.get().pk)
    return asset


@pytest.fixture
def manager(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def _error(html: str, field: str) -> str:
    """The reason shown at the field (or fieldset) ``field``."""
    return re.search(rf'id="{field}-error">(?:<p>)?([^<]*)', html).group(1)


def _written():
    return ShareLink.objects.count(), AuditEntry.objects.count()


def test_an_asset_is_shared_from_its_page_and_its_links_are_listed_with_counts(
    beach, manager, workspace
):
    franchise = partners.create_partner(
        workspace, name="Franchise Berlin", territory="DE", channels=["print"]
    )
    form = {
        "label": "Berlin",
        "days": "14",
        "partner": str(franchise.pk),
        "can_download": "on",
        "renditions": ["medium"],
    }
    page = manager.post(f"/assets/{beach.pk}/share/", form)
    assert page.status_code == 200
    link = ShareLink.objects.get()
    assert (link.asset_id, link.collection_id, link.partner_id, link.renditions) == (
        beach.pk,
        None,
        franchise.pk,
        ["medium"],
    )
    html = page.content.decode()
    url = html[
        html.index('id="new-share-url">') + 19 : html.index("</code>", html.index("new-share-url"))
    ]
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert url == f"http://testserver/share/{token}/" and link.prefix == token[:6]
    assert Client().get(f"/share/{token}/{beach.pk}/medium/").status_code == 200
    listed = manager.get(f"/assets/{beach.pk}/")
    assert token not in listed.content.decode()  # shown once
    (row,) = listed.context["links"]
    assert (row.pk, row.state, row.download_count, row.refusal_count) == (link.pk, "open", 1, 0)
    assert ShareDownload.objects.get().channel == "print"
    # the partner's page names the asset it was made for
    partner_page = manager.get(f"/assets/partners/{franchise.pk}/").content.decode()
    assert f'href="/assets/{beach.pk}/">Beach</a> (one asset)' in partner_page


@pytest.mark.parametrize(
    ("typed", "field", "reason"),
    [
        ({"days": "0"}, "field-share-days", "a whole number of days from 1 to 365"),
        ({"label": " "}, "field-share-label", "name who it is for in 1-200 characters"),
        ({"channels": ["fax"]}, "field-share-channels", "&#x27;fax&#x27; is not a channel"),
    ],
)
def test_a_refused_share_form_comes_back_with_the_reason_at_its_field(
    beach, manager, typed, field, reason
):
    before = _written()
    form = {"label": "Berlin", "days": "14", **typed}
    answer = manager.post(f"/assets/{beach.pk}/share/", form)
    assert answer.status_code == 422
    html = answer.content.decode()
    assert _error(html, field) == reason
    assert error_links(html) == [field] and broken_error_links(html) == []
    assert _written() == before


def test_a_withdrawn_asset_is_not_shared_and_the_reason_links_to_the_button(beach, manager):
    withdrawal.withdraw_asset(beach, reason="gone")
    before = _written()
    # its page offers no share form; a post made anyway is refused at the form
    assert 'id="share-form"' not in manager.get(f"/assets/{beach.pk}/").content.decode()
    answer = manager.post(f"/assets/{beach.pk}/share/", {"label": "Berlin", "days": "14"})
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "Asset: may not be shared: &#x27;Beach&#x27; is withdrawn" in html
    assert error_links(html) == ["share-submit"] and broken_error_links(html) == []
    assert _written() == before


def test_revoke_stops_the_link_and_is_refused_outside_the_workspace_or_the_role(
    beach, manager, workspace
):
    link, token = assets.share_asset(
        beach, label="Berlin", days=7, can_download=True, renditions=["medium"]
    )
    other = core.create_workspace("Other", slug="other")
    theirs = assets.upload_asset(other, name="Theirs", filename="t.png", data=png(4, 4))
    their_link, their_token = assets.share_asset(
        theirs, label="T", days=7, can_download=False, renditions=[]
    )
    staff = Client()
    staff.force_login(core.create_user(workspace, "stan", "correct-horse-1", Role.STAFF))
    before = _written()
    assert staff.post(f"/assets/share-links/{link.pk}/revoke/").status_code == 403
    assert manager.post(f"/assets/share-links/{their_link.pk}/revoke/").status_code == 404
    assert manager.get(f"/assets/share-links/{link.pk}/revoke/").status_code == 405
    assert _written() == before
    assert ShareLink.objects.filter(revoked_at__isnull=False).count() == 0
    assert Client().get(f"/share/{their_token}/").status_code == 200

    answer = manager.post(f"/assets/share-links/{link.pk}/revoke/")
    assert answer.status_code == 302 and answer["Location"] == f"/assets/{beach.pk}/#links-h"
    link.refresh_from_db()
    assert link.revoked_at == NOW and link.revoked_by.username == "ada"
    assert Client().get(f"/share/{token}/").status_code == 410
    assert Client().get(f"/share/{token}/{beach.pk}/medium/").status_code == 410
    assert ShareDownload.objects.count() == 0
    entry = AuditEntry.objects.get(action="asset.share_revoke")
    assert (entry.object_id, entry.actor_label) == (str(link.pk), "ada")
    page = manager.get(f"/assets/{beach.pk}/")
    (row,) = page.context["links"]
    assert (row.state, row.state_reason) == ("revoked", "revoked by ada on 2026-06-01 12:00 UTC")
    assert f'action="/assets/share-links/{link.pk}/revoke/"' not in page.content.decode()
