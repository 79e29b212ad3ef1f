"""The asset page's forms, refused (issue 11's rule): the page comes back (422) with the
form as typed and the reason at the field it concerns (a dialog's form comes back shown
in place at the top of the page),
and nothing is written — not a redirect with a toast."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pacer.content import releases
from pacer.content.models import Asset, AssetVersion, Collection, TalentRelease
from pacer.core import clock
from pacer.core.models import AuditEntry
from tests.content.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def page(team, used, monkeypatch):
    """The editor's client, the asset, and what must stay as it is."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    client = Client()
    assert client.login(username=team["editor"].username, password=PASSWORD)
    asset = used["asset"]
    return {"client": client, "asset": asset, "url": f"/assets/{asset.pk}/"}


def _unchanged(asset: Asset, audited: int) -> None:
    fresh = Asset.objects.get(pk=asset.pk)
    assert (fresh.name, fresh.status, fresh.territories, fresh.rights_end) == (
        "Beach hero",
        "active",
        [],
        None,
    )
    assert AuditEntry.objects.count() == audited


def _error(html: str, field_id: str) -> str:
    """The reason shown under the field ``field_id``."""
    start = html.index(f'id="{field_id}-error">') + len(f'id="{field_id}-error">')
    return html[start : html.index("</div>", start)].replace("<p>", "").replace("</p>", "")


def test_a_refused_rights_edit_shows_the_form_again_as_typed(page):
    asset, audited = page["asset"], AuditEntry.objects.count()
    typed = {
        "name": "Beach <i>hero</i> 2",
        "description": "",
        "tags": "summer",
        "licence": "Getty",
        "territories": "DE, Germany",
        "channels": "print",
        "rights_start": "2026-07-01",
        "rights_end": "2026-06-01",
    }
    answer = page["client"].post(f"/assets/{asset.pk}/edit/", typed)
    assert answer.status_code == 422
    html = answer.content.decode()
    assert _error(html, "field-territories") == (
        "two-letter country codes (ISO 3166), or none for worldwide"
    )
    assert _error(html, "field-rights_end") == "must not be before the start"
    assert 'value="Beach &lt;i&gt;hero&lt;/i&gt; 2"' in html
    assert 'value="DE, Germany"' in html and 'value="2026-06-01"' in html
    _unchanged(asset, audited)


def test_a_refused_new_version_says_why_at_the_file_field(page):
    asset, audited = page["asset"], AuditEntry.objects.count()
    upload = SimpleUploadedFile("notes.txt", b"just text", content_type="image/png")
    answer = page["client"].post(f"/assets/{asset.pk}/version/", {"file": upload})
    assert answer.status_code == 422
    reason = "is not a PNG, JPEG, GIF, WebP or PDF file (judged by its content)"
    assert _error(answer.content.decode(), "field-file") == reason
    assert AssetVersion.objects.filter(asset=asset).count() == 1
    _unchanged(asset, audited)


def test_a_refused_release_comes_back_as_typed_with_the_reasons(page):
    asset, audited = page["asset"], AuditEntry.objects.count()
    typed = {
        "person": "Ana <b>Silva</b>",
        "territories": "DE",
        "channels": "fax",
        "starts_on": "2026-06-10",
        "ends_on": "2026-06-01",
        "document": "",
    }
    answer = page["client"].post(f"/assets/{asset.pk}/releases/", typed)
    assert answer.status_code == 422
    html = answer.content.decode()
    assert _error(html, "field-release-channels") == (
        "channel keys (e.g. email, paid_social), or none for any"
    )
    assert _error(html, "field-release-ends_on") == "must not be before the start"
    assert 'value="Ana &lt;b&gt;Silva&lt;/b&gt;"' in html and 'value="fax"' in html
    assert not TalentRelease.objects.exists()
    _unchanged(asset, audited)


def test_a_refused_release_edit_comes_back_in_its_dialog_open(page):
    asset = page["asset"]
    release = releases.add_release(asset, person="Ana", territories="DE")
    audited = AuditEntry.objects.count()
    typed = {"person": "", "territories": "Deutschland", "channels": "", "document": "x"}
    answer = page["client"].post(f"/assets/{asset.pk}/releases/{release.pk}/", typed)
    assert answer.status_code == 422
    html = answer.content.decode()
    # the dialog's form, shown in place at the top of the page (not a closed dialog)
    assert f'<section class="panel refused-dialog" id="release-{release.pk}"' in html
    assert f'<dialog id="release-{release.pk}"' not in html
    prefix = f"field-release-{release.pk}"
    assert _error(html, f"{prefix}-person") == "must not be empty"
    assert _error(html, f"{prefix}-document") == "no such asset in this workspace"
    assert 'value="Deutschland"' in html
    release.refresh_from_db()
    assert (release.person, release.territories) == ("Ana", ["DE"])
    assert AuditEntry.objects.count() == audited


def test_a_refused_withdrawal_comes_back_in_its_dialog_open(page):
    asset, audited = page["asset"], AuditEntry.objects.count()
    reason = "<b>licence</b> " + "x" * 500
    answer = page["client"].post(f"/assets/{asset.pk}/withdraw/", {"reason": reason})
    assert answer.status_code == 422
    html = answer.content.decode()
    assert '<section class="panel refused-dialog" id="withdraw-dialog"' in html
    assert '<dialog id="withdraw-dialog"' not in html
    assert _error(html, "field-withdraw-reason") == "must be at most 500 characters"
    assert "&lt;b&gt;licence&lt;/b&gt; xxx" in html
    _unchanged(asset, audited)


def test_a_refused_collection_comes_back_with_the_reason(page):
    asset, audited = page["asset"], AuditEntry.objects.count()
    answer = page["client"].post(
        f"/assets/{asset.pk}/collect/", {"collection": "", "new_collection": "x" * 201}
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert _error(html, "field-new_collection") == "must be at most 200 characters"
    assert f'value="{"x" * 201}"' in html
    assert not Collection.objects.exists()
    _unchanged(asset, audited)
