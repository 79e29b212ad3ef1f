"""A deactivated partner's people do not get in, through any entry point, and the one
permission gate refuses them (``DomainConfig.suspensions``, not a check in one view):
sign-in is refused naming why (not counted as a failed guess), an open session is signed
out at its next request, every API token of its logins is revoked and a token that was
not answers 401 naming why on every REST operation, ``--as`` is refused, an iCal feed
of theirs is gone. Reactivation lets its logins sign in again; the revoked tokens stay
revoked. A login who is also a member of another workspace keeps that one."""

import argparse

import pytest
from django.test import Client

from pacer.content import actions as content
from pacer.content import partners
from pacer.core import actions as core
from pacer.core.commands import CommandError, authorise
from pacer.core.models import ApiKey, AuditEntry, LoginFailure
from pacer.core.roles import Role
from tests.content.test_partner_portal import PASSWORD, _login, at, library  # noqa: F401
from tests.core.test_gate import _operations, _page_url, _pages

pytestmark = pytest.mark.django_db

WHY = "Franchise Berlin is deactivated in Acme Franchise, so its logins and API tokens are refused."


def _sign_in(username: str = "fran"):
    client = Client()
    return client, client.post("/login/", {"username": username, "password": PASSWORD})


def _api(token: str, path: str = "/api/content/partners"):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def franchise(library, workspace):  # noqa: F811  (the fixture imported above)
    return library["franchise"]


def test_sign_in_is_refused_naming_why_and_works_again_after_reactivation(franchise):
    partners.set_active(franchise, False)

    client, refused = _sign_in()
    assert refused.status_code == 200
    assert refused.context["form"].refused.startswith(WHY)
    page = refused.content.decode()
    assert 'id="login-refused"' in page and "Franchise Berlin is deactivated" in page
    assert "did not match" not in page
    assert "_auth_user_id" not in client.session
    assert client.get("/portal/").status_code == 302
    assert not LoginFailure.objects.exists()  # the right password: not a guess
    wrong = Client().post("/login/", {"username": "fran", "password": "nope-123"})
    assert "did not match" in wrong.content.decode()  # a wrong one still says only that
    # the agency's login, another partner, signs in as before
    assert _sign_in("agent")[1].status_code == 302

    partners.set_active(franchise, True)
    client, signed_in = _sign_in()
    assert signed_in.status_code == 302
    assert client.get("/portal/").status_code == 200


def test_an_open_session_is_signed_out_at_its_next_request(franchise):
    fran, other = _login("fran"), _login("fran")
    assert fran.get("/portal/").status_code == 200

    partners.set_active(franchise, False)

    answer = fran.get("/portal/")
    assert answer.status_code == 302 and answer["Location"] == "/login/?next=/portal/"
    assert "_auth_user_id" not in fran.session
    told = [str(m) for m in fran.get("/login/").context["messages"]]
    assert told == [f"You were signed out: {WHY} Ask your contact there to reactivate it."]
    # a POST is refused too, and changes nothing
    downloads = franchise.downloads.count()
    assert other.post("/portal/", {}).status_code == 302
    assert franchise.downloads.count() == downloads

    partners.set_active(franchise, True)
    # the sessions ended stay ended: the person signs in again
    assert fran.get("/portal/").status_code == 302
    assert other.get("/portal/").status_code == 302


def test_its_logins_tokens_are_revoked_and_reactivation_does_not_bring_them_back(
    franchise, workspace, admin
):
    fran = franchise.members.get().user
    key, token = core.issue_api_key(workspace, "personal", "laptop", user=fran)
    staff_key, staff_token = core.issue_api_key(workspace, "personal", "ada's", user=admin)
    # a partner's role holds no REST operation: 403 (authenticated, not allowed)
    assert _api(token).status_code == 403

    partners.set_active(franchise, False, actor=admin)

    key.refresh_from_db()
    assert key.revoked_at is not None
    assert ApiKey.objects.get(pk=staff_key.pk).revoked_at is None  # only its logins' tokens
    assert _api(staff_token).status_code == 200
    revoked = _api(token)
    assert revoked.status_code == 401
    assert revoked.json()["errors"] == {
        "authorization": "is not an active personal token of a member of a workspace"
    }
    assert list(
        AuditEntry.objects.filter(action="api_key.revoke").values_list("object_id", "actor")
    ) == [(str(key.pk), admin.pk)]

    partners.set_active(franchise, True, actor=admin)
    assert _api(token).status_code == 401  # revoked stays revoked
    _, new_token = core.issue_api_key(workspace, "personal", "new laptop", user=fran)
    assert _api(new_token).status_code == 403  # a new one authenticates again


def test_a_token_not_revoked_is_refused_by_the_gate_on_every_operation_naming_why(
    franchise, workspace
):
    """The gate's own check, for a token the revocation missed (a row written by hand, a
    future way of issuing tokens): every REST operation answers 401 naming why, and
    nothing is written."""
    fran = franchise.members.get().user
    key, token = core.issue_api_key(workspace, "personal", "laptop", user=fran)
    partners.set_active(franchise, False)
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=None)
    entries = AuditEntry.objects.count()
    operations = list(_operations())
    assert len(operations) >= 100
    client = Client()
    for method, path, _ in operations:
        url = path.replace("{", "").replace("}", "")  # any value: refused before it is read
        answer = getattr(client, method.lower())(
            url, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert answer.status_code == 401, (method, url, answer.status_code)
        assert answer.json()["errors"]["authorization"].startswith(WHY), (method, url)
    assert AuditEntry.objects.count() == entries


def test_every_page_signs_a_suspended_login_out(franchise, workspace):
    fran = franchise.members.get().user
    partners.set_active(franchise, False)
    entries = AuditEntry.objects.count()
    pages = [route for route, p in _pages() if hasattr(p.callback, "permission")]
    assert len(pages) >= 100
    for route in pages:
        client = Client()
        client.force_login(fran)  # a session made before the deactivation
        url = _page_url(route, fran.pk)
        answer = client.get(url)
        if answer.status_code == 405:  # a POST-only page: signed out all the same
            client.force_login(fran)
            answer = client.post(url)
        assert answer.status_code == 302, (url, answer.status_code)
        assert answer["Location"].startswith("/login/"), url
        assert "_auth_user_id" not in client.session, url
    assert AuditEntry.objects.count() == entries


def test_a_login_who_is_a_member_elsewhere_keeps_that_workspace(franchise, workspace):
    fran = franchise.members.get().user
    elsewhere = core.create_workspace("Elsewhere", slug="elsewhere")
    core.set_role(elsewhere, fran, Role.MARKETER)
    client = _login("fran")
    partners.set_active(franchise, False)

    assert _sign_in()[1].status_code == 302  # one open membership: signs in
    assert client.get("/portal/").status_code == 403  # marketers have no portal
    answer = client.get("/content/items/")
    assert answer.status_code == 200
    assert answer.wsgi_request.workspace == elsewhere
    assert answer.wsgi_request.workspaces == [elsewhere]
    # asking for the suspended workspace does not bring it back
    session = client.session
    session["pacer_workspace_id"] = workspace.pk
    session.save()
    assert client.get("/content/items/").wsgi_request.workspace == elsewhere


def test_acting_as_a_suspended_login_on_the_command_line_is_refused(franchise, workspace):
    args = argparse.Namespace(permission="content.portal", acting_user="fran", workspace="acme")
    authorise(args)
    assert args.actor.username == "fran"

    partners.set_active(franchise, False)

    with pytest.raises(CommandError) as refused:
        authorise(args)
    assert str(refused.value).startswith(f"--as: {WHY}")


def test_a_suspended_logins_calendar_feed_is_gone(franchise, workspace):
    fran = franchise.members.get().user
    _, token = content.rotate_feed(workspace, user=fran, scope="user")
    assert Client().get(f"/content/feeds/{token}.ics").status_code == 200

    partners.set_active(franchise, False)
    assert Client().get(f"/content/feeds/{token}.ics").status_code == 404
    partners.set_active(franchise, True)
    assert Client().get(f"/content/feeds/{token}.ics").status_code == 200
