"""Refused forms of the members and API keys pages (issue 11's rule): the page again
(422) with the reason in the row it concerns and above the table, the chosen role kept,
nothing written. A member's role, removal, an invitation's revoke and a key's rotate or
revoke used to redirect with a toast."""

import pytest
from django.contrib.auth import get_user_model

from pacer.core import actions
from pacer.core.models import ApiKey, AuditEntry, Invitation, Membership
from tests.web.test_layout import _check, _context

pytestmark = pytest.mark.django_db


def _written():
    return (
        sorted(Membership.objects.values_list("user_id", "role")),
        sorted(ApiKey.objects.values_list("pk", "revoked_at")),
        sorted(Invitation.objects.values_list("pk", "revoked_at")),
        AuditEntry.objects.count(),
    )


def test_a_refused_role_or_removal_says_why_in_the_members_row(client, workspace, admin):
    sam = actions.create_user(workspace, "sam-n", "long-password", "staff")
    client.force_login(admin)
    before = _written()
    response = client.post(f"/settings/members/{admin.pk}/role/", {"role": "analyst"})
    assert response.status_code == 422
    page = response.content.decode()
    prefix, reason = f"member-{admin.pk}-", "the workspace must keep at least one admin"
    assert f'<a href="#{prefix}role">Role: {reason}</a>' in page
    assert f'<p tabindex="-1" class="field-error" id="{prefix}role">{reason}</p>' in page
    assert f'aria-invalid="true" aria-describedby="{prefix}role">' in page
    assert '<option value="analyst" selected>' in page  # the chosen role, kept
    response = client.post(f"/settings/members/{admin.pk}/remove/")
    assert response.status_code == 422
    assert (
        f'<p tabindex="-1" class="field-error" id="{prefix}role">{reason}</p>'
        in response.content.decode()
    )
    response = client.post(f"/settings/members/{sam.pk}/role/", {"role": "<b>boss</b>"})
    assert response.status_code == 422
    assert f'id="member-{sam.pk}-role">must be one of admin' in response.content.decode()
    response = client.post("/settings/members/999999/remove/")
    assert response.status_code == 422
    assert "User: not a member of this workspace" in response.content.decode()
    response = client.post("/settings/invitations/999999/revoke/")
    assert response.status_code == 422
    assert "Invitation: no such invitation in this workspace" in response.content.decode()
    assert _written() == before


def test_a_refused_rotate_says_why_in_the_keys_row(client, workspace, admin):
    sam = actions.create_user(workspace, "sam", "long-password", "marketer")
    theirs, _ = actions.issue_api_key(workspace, "personal", "laptop", user=sam)
    client.force_login(admin)
    before = _written()
    response = client.post(f"/settings/keys/{theirs.pk}/rotate/")
    assert response.status_code == 422
    page = response.content.decode()
    reason = "a personal token is rotated by its owner; revoke it instead"
    assert f'<a href="#key-{theirs.pk}-key">Key: {reason}</a>' in page
    assert f'<p tabindex="-1" class="field-error" id="key-{theirs.pk}-key">{reason}</p>' in page
    assert 'class="secret"' not in page and 'id="field-name-error"' not in page
    response = client.post("/settings/keys/999999/revoke/")
    assert response.status_code == 422
    assert "Key: no such key in this workspace" in response.content.decode()
    assert _written() == before


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_refused_member_and_key_forms_in_the_browser_say_why_in_the_row(
    browser, live_server, workspace, admin
):
    """At 390 and 1440 px (no sideways scroll, axe, screenshots): the last admin made an
    analyst, and a key rotated from a page opened before someone revoked it, each come
    back with the reason in the row and above the table, the chosen role kept."""
    url, found = live_server.url, []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/settings/members/")
        page.select_option("select[aria-label='Role of ada']", "analyst")
        page.click("button:has-text('Change the role of ada')")
        page.wait_for_selector(f"#member-{admin.pk}-role")
        assert page.inner_text(f"#member-{admin.pk}-role") == (
            "the workspace must keep at least one admin"
        )
        assert page.input_value("select[aria-label='Role of ada']") == "analyst"
        found += _check(page, "refused-member-role", width, problems)
        key, _ = actions.issue_api_key(workspace, "write", f"website {width}")
        page.goto(f"{url}/settings/keys/")
        actions.revoke_api_key(key)  # by someone else, after the page was opened
        before = _written()
        page.click(f"form[action='/settings/keys/{key.pk}/rotate/'] button")
        page.click("#confirm-ok")
        page.wait_for_selector(f"#key-{key.pk}-key")
        assert page.inner_text(f"#key-{key.pk}-key") == "is revoked; issue a new key instead"
        found += _check(page, "refused-key-rotate", width, problems)
        assert _written() == before
        context.close()
    assert found == [], "\n".join(found)
    assert Membership.objects.get(user=admin).role == "admin"


def test_the_members_list_names_people_and_says_when_there_is_no_email(client, workspace, admin):
    ada = actions.create_user(workspace, "ada-l", "long-password", "staff", email="ada@x.test")
    get_user_model().objects.filter(pk=ada.pk).update(first_name="Ada", last_name="Lovelace")
    actions.create_user(workspace, "sam-n", "long-password", "staff")
    client.force_login(admin)
    rows = client.get("/settings/members/").content.decode().split("<tr>")
    (ada_row,) = [row for row in rows if ">ada-l<" in row]
    assert ada_row.startswith('<td>Ada Lovelace<br><span class="muted">ada-l</span>')
    assert '<td data-label="Email">ada@x.test</td>' in ada_row
    (sam_row,) = [row for row in rows if row.startswith("<td>sam")]
    assert (
        sam_row.startswith("<td>sam")
        and '<td data-label="Email"><span class="muted">none</span></td>' in sam_row
    )
