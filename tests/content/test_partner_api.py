"""Partners over the REST API: list, create by key (the same key again answers the first
partner, 200, and writes nothing), read, change, deactivate and reactivate; bad input is
refused with 422 naming the field and nothing written; another workspace's partner is
not found; the permission gate (assets.view reads, assets.manage writes)."""

import pytest

from pacer.content import partners
from pacer.content.models import Partner, PartnerMember
from pacer.core import actions as core
from pacer.core.channels import CHANNELS
from pacer.core.models import ApiKey, AuditEntry, Membership
from pacer.core.roles import Role

pytestmark = pytest.mark.django_db
BODY = {
    "key": "franchise-berlin",
    "name": "Franchise Berlin",
    "territory": "de",
    "channels": ["print"],
    "contacts": [{"name": "Sam Lee", "email": "sam@franchise.test"}],
}
EVERY_CHANNEL = ", ".join(CHANNELS)


@pytest.fixture
def call(workspace, admin, client):
    def as_user(user):
        _, token = core.issue_api_key(workspace, "personal", user.username, user=user)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

        def send(method, path, body=None):
            if body is None:
                return getattr(client, method)(f"/api/content{path}", **headers)
            return getattr(client, method)(
                f"/api/content{path}", body, content_type="application/json", **headers
            )

        return send

    send = as_user(admin)
    send.as_user = as_user
    return send


def _written():
    return Partner.objects.count(), AuditEntry.objects.count()


def test_create_by_key_read_change_and_deactivate(call):
    made = call("post", "/partners", BODY)
    assert made.status_code == 201
    partner_id = made.json()["id"]
    assert made.json() == {
        "id": partner_id,
        "key": "franchise-berlin",
        "name": "Franchise Berlin",
        "territory": "DE",
        "channels": ["print"],
        "channel": "print",
        "contacts": [{"name": "Sam Lee", "email": "sam@franchise.test"}],
        "active": True,
        "collections": [],
        "created_at": made.json()["created_at"],
    }
    before = _written()
    again = call("post", "/partners", {**BODY, "name": "Another name"})
    assert again.status_code == 200 and again.json() == made.json()
    assert _written() == before
    assert call("get", "/partners").json() == [made.json()]
    assert call("get", f"/partners/{partner_id}").json() == made.json()

    changed = call("patch", f"/partners/{partner_id}", {"territory": "AT", "contacts": []})
    assert changed.status_code == 200
    assert (changed.json()["territory"], changed.json()["contacts"]) == ("AT", [])
    assert changed.json()["name"] == "Franchise Berlin"  # left out: kept
    entry = AuditEntry.objects.filter(action="partner.update").get()
    assert entry.after == {"territory": "AT", "contacts": []}

    off = call("post", f"/partners/{partner_id}/deactivate")
    assert off.status_code == 200 and off.json()["active"] is False
    assert call("post", f"/partners/{partner_id}/deactivate").json()["active"] is False
    assert AuditEntry.objects.filter(action="partner.deactivate").count() == 1
    on = call("post", f"/partners/{partner_id}/reactivate")
    assert on.json()["active"] is True


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"territory": "Germany"}, "territory", None),
        ({"territory": "1x"}, "territory", "a two-letter country code (ISO 3166), e.g. DE"),
        ({"channels": ["fax"]}, "channels", f"'fax' is not a channel: choose from {EVERY_CHANNEL}"),
        ({"channels": []}, "channels", "choose at least one channel"),
        ({"channels": ["print", "print"]}, "channels", "name each channel once"),
        ({"channels": list(CHANNELS)[:11]}, "channels", None),
        ({"channels": None}, "channels", "choose at least one channel"),
        ({"channel": "tv"}, "channel", "is not one of channels: send channels alone"),
        ({"contacts": [{"email": "nobody"}]}, "contacts", "'nobody' is not an email address"),
        ({"name": "  "}, "name", "must not be empty"),
        ({"key": "Not A Key"}, "key", None),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(call, change, field, reason):
    before = _written()
    refused = call("post", "/partners", {**BODY, **change})
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [name.split(".")[0] for name in errors] == [field], errors
    if reason:
        assert errors == {field: reason}
    assert _written() == before


def test_channels_are_stored_in_catalogue_order_and_the_old_channel_field_still_creates(
    call, workspace
):
    """ADR 0011: ``channels`` in ``CHANNELS`` order; ``channel`` alone creates a partner
    with that one channel (for one release) and is read-only on PATCH (422, unchanged)."""
    made = call("post", "/partners", {**BODY, "channels": ["local_partner", "print"]})
    assert (made.json()["channels"], made.json()["channel"]) == (
        ["print", "local_partner"],
        "print",
    )
    old_style = {k: v for k, v in BODY.items() if k != "channels"}
    legacy = call("post", "/partners", {**old_style, "key": "legacy", "name": "L", "channel": "tv"})
    assert legacy.status_code == 201
    assert (legacy.json()["channels"], legacy.json()["channel"]) == (["tv"], "tv")
    before = _written()
    patched = call("patch", f"/partners/{legacy.json()['id']}", {"channel": "print"})
    assert patched.status_code == 422
    assert patched.json()["errors"] == {"channel": "is read-only: change channels (a list)"}
    assert _written() == before
    narrowed = call("patch", f"/partners/{made.json()['id']}", {"channels": ["local_partner"]})
    assert narrowed.json()["channels"] == ["local_partner"]
    entry = AuditEntry.objects.filter(action="partner.update").get()
    assert (entry.before, entry.after) == (
        {"channels": ["print", "local_partner"]},
        {"channels": ["local_partner"]},
    )


def test_a_change_is_all_or_nothing_and_null_is_refused(call, workspace):
    partner = partners.create_partner(
        workspace, name="Agency", territory="US", channels=["paid_social"], key="agency"
    )
    partners.create_partner(workspace, name="Other", territory="US", channels=["print"])
    before = _written()
    refused = call("patch", f"/partners/{partner.pk}", {"territory": "FR", "name": "Other"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"name": "'Other' is already a partner"}
    nulled = call("patch", f"/partners/{partner.pk}", {"name": None, "contacts": None})
    assert nulled.status_code == 422
    assert nulled.json()["errors"] == {
        "name": "must not be empty",
        "contacts": "a list of contacts, each a name and an email address",
    }
    partner.refresh_from_db()
    assert (partner.name, partner.territory) == ("Agency", "US")
    assert _written() == before


def test_another_workspaces_partner_is_not_found(call):
    other = core.create_workspace("Other", slug="other")
    theirs = partners.create_partner(other, name="Theirs", territory="DE", channels=["print"])
    for method, path in [
        ("get", ""),
        ("patch", ""),
        ("post", "/deactivate"),
        ("post", "/reactivate"),
    ]:
        body = {"name": "Mine"} if method == "patch" else None
        answer = call(method, f"/partners/{theirs.pk}{path}", body)
        assert answer.status_code == 404, (method, path)
        assert answer.json()["errors"] == {"partner_id": "no such partner in this workspace"}
    assert call("get", "/partners").json() == []
    theirs.refresh_from_db()
    assert (theirs.name, theirs.active) == ("Theirs", True)
    # a key is the workspace's own: the other workspace's does not answer here
    assert call("post", "/partners", {**BODY, "key": theirs.key}).status_code == 201


def test_the_permission_gate(call, workspace):
    found = partners.create_partner(workspace, name="P", territory="DE", channels=["print"])
    staff = call.as_user(core.create_user(workspace, "stan", "correct-horse-1", Role.STAFF))
    assert staff("get", "/partners").status_code == 200  # assets.view
    assert staff("get", f"/partners/{found.pk}").status_code == 200
    before = _written()
    assert staff("post", "/partners", BODY).status_code == 403  # assets.manage
    assert staff("patch", f"/partners/{found.pk}", {"name": "X"}).status_code == 403
    assert staff("post", f"/partners/{found.pk}/deactivate").status_code == 403
    assert _written() == before


def test_a_login_is_listed_and_taken_off_as_the_pages_remove_login_does(call, workspace, admin):
    found = partners.create_partner(workspace, name="Franchise", territory="DE", channels=["print"])
    fran = partners.add_login(found, username="fran", email="f@x.test", password="pw-long-1").user
    core.issue_api_key(workspace, "personal", "fran's laptop", user=fran)

    listed = call("get", f"/partners/{found.pk}/logins")
    assert listed.status_code == 200
    assert listed.json() == [
        {"user_id": fran.pk, "username": "fran", "email": "f@x.test", "role": "partner"}
    ]

    answer = call("delete", f"/partners/{found.pk}/logins/{fran.pk}")

    assert answer.status_code == 200
    assert answer.json() == {"user_id": fran.pk, "username": "fran", "left_workspace": True}
    assert not PartnerMember.objects.filter(user=fran).exists()
    assert not Membership.objects.filter(workspace=workspace, user=fran).exists()
    assert ApiKey.objects.get(user=fran).revoked_at is not None
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"partner.login_remove", "membership.remove", "api_key.revoke"} <= actions
    assert call("get", f"/partners/{found.pk}/logins").json() == []


def test_removing_a_login_refuses_another_workspaces_partner_and_someone_not_its_login(
    call, workspace, admin
):
    found = partners.create_partner(workspace, name="Franchise", territory="DE", channels=["print"])
    agency = partners.create_partner(workspace, name="Agency", territory="US", channels=["print"])
    fran = partners.add_login(found, username="fran", email="", password="pw-long-1").user
    other = core.create_workspace("Other", slug="other")
    theirs = partners.create_partner(other, name="Theirs", territory="DE", channels=["print"])
    olga = partners.add_login(theirs, username="olga", email="", password="pw-long-1").user
    before = (_written(), PartnerMember.objects.count(), Membership.objects.count())

    for path in (f"/partners/{theirs.pk}/logins/{olga.pk}", f"/partners/{theirs.pk}/logins"):
        method = "delete" if path.endswith(str(olga.pk)) else "get"
        answer = call(method, path)
        assert answer.status_code == 404, path
        assert answer.json()["errors"] == {"partner_id": "no such partner in this workspace"}
    for user_id in (fran.pk, admin.pk, olga.pk, 2**62):  # another partner's, staff, unknown
        answer = call("delete", f"/partners/{agency.pk}/logins/{user_id}")
        assert answer.status_code == 422, user_id
        assert answer.json()["errors"] == {"user_id": "is not a login of this partner"}

    assert (_written(), PartnerMember.objects.count(), Membership.objects.count()) == before
    staff = call.as_user(core.create_user(workspace, "stan", "correct-horse-1", Role.STAFF))
    assert staff("get", f"/partners/{found.pk}/logins").status_code == 200  # assets.view
    assert staff("delete", f"/partners/{found.pk}/logins/{fran.pk}").status_code == 403
    assert PartnerMember.objects.filter(user=fran, partner=found).exists()
