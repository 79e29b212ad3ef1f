"""Partner distribution: expiring share links to a collection with per-link permissions,
download tracking, and refusal once a link expires or an asset's rights end. A refused
link answers a page that says why (expired: 410; withdrawn with its partner: 404) and
nothing of what it pointed to; a token no link has is a plain not-found."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.content import assets, partners, tasks
from pacer.content.models import ShareDownload, ShareRefusal
from pacer.core import clock
from pacer.core.errors import ValidationFailed
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def shared(workspace, team, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    collection = assets.create_collection(workspace, "Summer kit")
    kept = assets.upload_asset(
        workspace, name="Beach", filename="b.png", data=png(), rights={"rights_end": "2026-06-30"}
    )
    ending = assets.upload_asset(
        workspace, name="Pool", filename="p.png", data=png(), rights={"rights_end": "2026-06-05"}
    )
    for asset in (kept, ending):
        tasks.render(asset.versions.get().pk)
        assets.collect(collection, asset)
    link, token = assets.share_collection(
        collection, label="Springfield", days=30, can_download=True, renditions=["medium"]
    )
    return {"link": link, "token": token, "kept": kept, "ending": ending}


def test_a_partner_downloads_what_the_link_allows_and_each_download_is_counted(shared):
    token, kept = shared["token"], shared["kept"]
    page = Client().get(f"/share/{token}/").content.decode()
    assert "Beach" in page and "Pool" in page
    answer = Client().get(f"/share/{token}/{kept.pk}/medium/")
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert Client().get(f"/share/{token}/{kept.pk}/original/").status_code == 404
    assert list(ShareDownload.objects.values_list("asset__name", "kind")) == [("Beach", "medium")]


def test_links_are_refused_after_they_expire(shared, monkeypatch):
    token, kept = shared["token"], shared["kept"]
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=30, seconds=1))
    assert Client().get(f"/share/{token}/").status_code == 410
    assert Client().get(f"/share/{token}/{kept.pk}/medium/").status_code == 410
    assert ShareDownload.objects.count() == 0


def test_an_asset_whose_rights_ended_is_not_shown_and_a_download_is_refused_and_logged(
    shared, monkeypatch
):
    token, ending = shared["token"], shared["ending"]
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=5))  # 6 June
    page = Client().get(f"/share/{token}/").content.decode()
    assert "Beach" in page and "Pool" not in page
    assert Client().get(f"/share/{token}/{ending.pk}/medium/").status_code == 422
    assert ShareDownload.objects.count() == 0
    assert list(ShareRefusal.objects.values_list("asset__name", "reason")) == [
        ("Pool", "the rights for 'Pool' do not cover 2026-06-06")
    ]


def test_a_link_needs_a_label_a_term_and_renditions_to_download(workspace, shared):
    collection = shared["link"].collection
    with pytest.raises(ValidationFailed) as refused:
        assets.share_collection(
            collection, label="", days=999, can_download=True, renditions=["poster"]
        )
    assert refused.value.errors == {
        "label": "name who it is for in 1-200 characters",
        "days": "a whole number of days from 1 to 365",
        "renditions": "choose from original, medium, thumbnail",
    }
    assert collection.links.count() == 1


def test_a_head_or_post_through_a_link_sends_nothing_and_counts_nothing(shared):
    token, kept = shared["token"], shared["kept"]
    assert Client().head(f"/share/{token}/{kept.pk}/medium/").status_code == 405
    assert Client().post(f"/share/{token}/{kept.pk}/medium/").status_code == 405
    assert ShareDownload.objects.count() == 0


def test_a_link_is_refused_from_the_moment_it_expires(shared, monkeypatch):
    kept = shared["kept"]
    link, token = assets.share_collection(
        shared["link"].collection, label="Week", days=7, can_download=True, renditions=["medium"]
    )
    monkeypatch.setattr(clock, "now", lambda: link.expires_at - timedelta(microseconds=1))
    assert Client().get(f"/share/{token}/{kept.pk}/medium/").status_code == 200
    monkeypatch.setattr(clock, "now", lambda: link.expires_at)
    assert Client().get(f"/share/{token}/").status_code == 410
    assert Client().get(f"/share/{token}/{kept.pk}/medium/").status_code == 410
    assert ShareDownload.objects.count() == 1


LEAKS = ("Summer kit", "Springfield", "Beach", "Pool", "Acme Franchise", "Berlin")


def _refusal(answer) -> str:
    """The refusal page's text, checked to name nothing the link pointed to."""
    page = answer.content.decode()
    assert [leak for leak in LEAKS if leak in page] == []
    return page


def test_an_expired_link_says_it_expired_naming_nothing_it_pointed_to(shared, monkeypatch):
    token, kept = shared["token"], shared["kept"]
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=31))
    for url in (f"/share/{token}/", f"/share/{token}/{kept.pk}/medium/"):
        answer = Client().get(url)
        assert answer.status_code == 410
        page = _refusal(answer)
        assert "This link has expired" in page
        assert "until 1 Jul 2026, 12:00 UTC" in page
        assert "withdrawn" not in page
    assert ShareDownload.objects.count() == 0


def test_a_withdrawn_link_says_so_while_its_partner_is_deactivated(workspace, shared):
    kept = shared["kept"]
    berlin = partners.create_partner(workspace, name="Berlin", territory="DE", channels=["print"])
    _, token = assets.share_collection(
        shared["link"].collection,
        label="For Berlin",
        days=30,
        can_download=True,
        renditions=["medium"],
        partner=berlin,
    )
    partners.set_active(berlin, False)
    for url in (f"/share/{token}/", f"/share/{token}/{kept.pk}/medium/"):
        answer = Client().get(url)
        assert answer.status_code == 404
        page = _refusal(answer)
        assert "This link was withdrawn" in page and "expired" not in page
    assert ShareDownload.objects.count() == 0
    partners.set_active(berlin, True)
    assert Client().get(f"/share/{token}/{kept.pk}/medium/").status_code == 200


def test_an_unknown_token_is_a_plain_not_found(shared, monkeypatch):
    kept = shared["kept"]
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=31))  # the real one expired
    unknown = "x" * len(shared["token"])
    for url in (f"/share/{unknown}/", f"/share/{unknown}/{kept.pk}/medium/"):
        answer = Client().get(url)
        assert answer.status_code == 404
        page = _refusal(answer)
        assert "Not found" in page
        assert "expired" not in page and "withdrawn" not in page
