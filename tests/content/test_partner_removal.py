"""Removing a partner, from its page or the API: its open share links are revoked (410 at
once), its logins taken off it (a partner login leaves the workspace, its API tokens
revoked), each in the audit log and said on the page; it is then in no list, page or API
answer, its name and key free, its download log kept. Refused (its name not typed,
another workspace's, a staff member), nothing changes."""

from datetime import timedelta

import pytest
from django.test import Client

from pacer.content import assets, partners
from pacer.content.models import Collection, Partner, PartnerDownload, PartnerMember, ShareLink
from pacer.core import actions as core
from pacer.core.models import ApiKey, AuditEntry, Membership
from pacer.core.roles import Role
from tests.content.test_partner_api import call  # noqa: F401  (the fixture)
from tests.content.test_partner_portal import NOW, PASSWORD, _login, at, library  # noqa: F401
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin(library, workspace, admin):  # noqa: F811
    """The franchise with an open link, an expired one and a download in its log; its
    login ``fran`` holds an API token; ``stella`` is its login who was made staff before
    a partner's login kept its role."""
    franchise = library["franchise"]
    spring = Collection.objects.get(name="Spring kit")
    share = {"can_download": True, "renditions": ["original"], "partner": franchise}
    open_link, token = assets.share_collection(spring, label="Berlin", days=7, **share)
    expired, _ = assets.share_collection(spring, label="Old", days=1, **share)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=NOW - timedelta(days=1))
    fran = PartnerMember.objects.get(partner=franchise).user
    core.issue_api_key(workspace, "personal", "fran's laptop", user=fran)
    stella = partners.add_login(franchise, username="stella", email="", password=PASSWORD).user
    Membership.objects.filter(user=stella).update(role=Role.STAFF)
    PartnerDownload.objects.create(
        workspace=workspace,
        partner=franchise,
        user=fran,
        asset=library["hero"],
        version=library["hero"].versions.get(),
        kind="original",
        channel="print",
        downloaded_at=NOW,
    )
    return {
        "partner": franchise,
        "open": open_link,
        "token": token,
        "expired": expired,
        "fran": fran,
        "stella": stella,
    }


@pytest.fixture
def manager(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def _state(berlin) -> tuple:
    found = Partner.objects.get(pk=berlin["partner"].pk)
    return (
        found.active,
        found.removed_at,
        ShareLink.objects.filter(revoked_at__isnull=False).count(),
        PartnerMember.objects.filter(partner=found).count(),
        Membership.objects.filter(user=berlin["fran"]).exists(),
        ApiKey.objects.filter(user=berlin["fran"], revoked_at__isnull=True).count(),
        AuditEntry.objects.count(),
    )


def test_the_page_says_what_removal_does_and_a_wrong_name_changes_nothing(berlin, manager):
    url = f"/assets/partners/{berlin['partner'].pk}/"
    html = manager.get(url).content.decode()
    effects = html[
        html.index('id="remove-effects"') : html.index("</ul>", html.index("remove-effects"))
    ]
    assert "<strong>Berlin</strong>" in effects and "<strong>Old</strong>" not in effects
    assert "<strong>fran</strong> (leaves the workspace; API tokens revoked)" in effects
    assert "<strong>stella</strong> (keeps their other role here)" in effects
    before = _state(berlin)
    for typed in ("", "franchise berlin", "Agency"):
        answer = manager.post(f"{url}remove/", {"confirm": typed})
        assert answer.status_code == 422
        page = answer.content.decode()
        assert "type the partner&#x27;s name, Franchise Berlin, to remove it" in page
        assert error_links(page) == ["field-remove-confirm"] and broken_error_links(page) == []
        assert f'value="{typed}"' in page or typed == ""
    assert _state(berlin) == before
    assert Client().get(f"/share/{berlin['token']}/").status_code == 200


def test_removing_revokes_its_links_takes_off_its_logins_and_keeps_its_log(
    berlin,
    manager,
    workspace,
    library,  # noqa: F811
):
    franchise = berlin["partner"]
    answer = manager.post(
        f"/assets/partners/{franchise.pk}/remove/", {"confirm": " Franchise Berlin "}, follow=True
    )
    assert answer.redirect_chain == [("/assets/partners/", 302)]
    toast = [str(m) for m in answer.context["messages"]]
    assert toast == [
        "Franchise Berlin is removed. Share links revoked: Berlin. Logins taken off: "
        "fran (left the workspace), stella. Its download log stays."
    ]
    html = answer.content.decode()
    assert f'href="/assets/partners/{franchise.pk}/"' not in html
    assert "Franchise Berlin · removed 2026-" in html  # the Removed partners list
    found = Partner.objects.get(pk=franchise.pk)
    assert (found.active, found.removed_at, found.removed_by.username) == (False, NOW, "ada")
    # its open link revoked (410 for good), the expired one left as it was
    berlin["open"].refresh_from_db()
    berlin["expired"].refresh_from_db()
    assert (berlin["open"].revoked_at, berlin["expired"].revoked_at) == (NOW, None)
    assert Client().get(f"/share/{berlin['token']}/").status_code == 410
    # its logins: fran (a partner) left, her token revoked; stella stays staff
    assert not PartnerMember.objects.filter(partner=found).exists()
    assert not Membership.objects.filter(user=berlin["fran"]).exists()
    assert not ApiKey.objects.filter(user=berlin["fran"], revoked_at__isnull=True).exists()
    assert Membership.objects.get(user=berlin["stella"]).role == Role.STAFF
    # the audit log names it all
    entry = AuditEntry.objects.get(action="partner.remove")
    assert (entry.object_id, entry.actor_label) == (str(franchise.pk), "ada")
    assert entry.before == {"name": "Franchise Berlin", "key": "franchise-berlin"}
    assert entry.after == {
        "links_revoked": [berlin["open"].pk],
        "logins_removed": ["fran", "stella"],
        "left_workspace": ["fran"],
    }
    assert AuditEntry.objects.filter(action="asset.share_revoke").count() == 1
    assert AuditEntry.objects.filter(action="partner.login_remove").count() == 2
    # gone from the pages, the API lists, the share form; its download log kept
    assert manager.get(f"/assets/partners/{franchise.pk}/").status_code == 404
    assert [p.name for p in partners.partners(workspace)] == ["Agency"]
    assert PartnerDownload.objects.filter(partner=found).count() == 1
    collection = manager.get(f"/assets/collections/{library['hero'].collections.get().pk}/")
    assert (str(franchise.pk), "Franchise Berlin") not in collection.context["partners"]
    assert "Franchise Berlin (removed)" in collection.content.decode()
    # its name and key are free again
    again = partners.create_partner(
        workspace, name="Franchise Berlin", territory="DE", channels=["print"]
    )
    assert again.key == "franchise-berlin" and again.pk != franchise.pk


def test_the_api_removes_a_partner_as_the_page_does(call, berlin, workspace):  # noqa: F811
    franchise = berlin["partner"]
    other = core.create_workspace("Other", slug="other")
    theirs = partners.create_partner(other, name="Theirs", territory="DE", channels=["print"])
    staff = call.as_user(core.create_user(workspace, "stan", PASSWORD, Role.STAFF))
    before = _state(berlin)
    assert staff("delete", f"/partners/{franchise.pk}").status_code == 403
    answer = call("delete", f"/partners/{theirs.pk}")
    assert answer.status_code == 404
    assert answer.json()["errors"] == {"partner_id": "no such partner in this workspace"}
    assert _state(berlin)[:-1] == before[:-1]  # (the API key issued to stan is audited)
    assert Partner.objects.get(pk=theirs.pk).removed_at is None

    answer = call("delete", f"/partners/{franchise.pk}")
    assert answer.status_code == 200
    assert answer.json() == {
        "id": franchise.pk,
        "name": "Franchise Berlin",
        "removed_at": "2026-03-04T10:00:00Z",
        "links_revoked": [berlin["open"].pk],
        "logins_removed": [
            {"user_id": berlin["fran"].pk, "username": "fran", "left_workspace": True},
            {"user_id": berlin["stella"].pk, "username": "stella", "left_workspace": False},
        ],
    }
    assert call("get", f"/partners/{franchise.pk}").status_code == 404
    assert call("delete", f"/partners/{franchise.pk}").status_code == 404
    assert [p["name"] for p in call("get", "/partners").json()] == ["Agency"]
    assert Client().get(f"/share/{berlin['token']}/").status_code == 410
