"""Personal tokens answer for their owner's membership as it is now: refused once the
owner has left the workspace, with the new role's answers as soon as the role changes."""

import pytest
from django.test import Client, RequestFactory

from pacer.core import actions
from pacer.core.api_auth import PersonalToken
from pacer.core.models import ApiKey, Membership, Role
from pacer.experiments.models import Experiment

pytestmark = pytest.mark.django_db

EXPERIMENT = {"name": "Hero", "variants": [{"key": "a"}, {"key": "b"}]}


def call(token: str, method: str = "get", path: str = "/api/experiments/", body=None):
    client = Client()
    if method == "get":
        return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.post(
        path, body or {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@pytest.fixture
def analyst(workspace, admin):
    return actions.create_user(workspace, "ann", "correct-horse-3", Role.ANALYST)


def test_token_of_a_member_removed_from_the_workspace_is_refused(workspace, analyst):
    key, token = actions.issue_api_key(workspace, "personal", "laptop", user=analyst)
    assert call(token).status_code == 200

    actions.remove_member(workspace, analyst)

    assert call(token).status_code == 401
    assert call(token, "post", body={"key": "k1", **EXPERIMENT}).status_code == 401
    assert not Experiment.objects.exists()
    key.refresh_from_db()
    assert key.revoked_at is not None
    actions.set_role(workspace, analyst, Role.ANALYST)  # back again: the old token stays dead
    assert call(token).status_code == 401


def test_token_is_refused_once_its_owner_has_no_membership_even_if_not_revoked(workspace, analyst):
    """The membership check on its own, for memberships ended without revoking the
    owner's keys (a row deleted by hand or by a cascade, a future bulk removal)."""
    other = actions.create_workspace("Other", slug="other")
    actions.set_role(other, analyst, Role.ADMIN)  # still a user, and a member elsewhere
    key, token = actions.issue_api_key(workspace, "personal", "laptop", user=analyst)
    assert call(token).status_code == 200

    Membership.objects.filter(workspace=workspace, user=analyst).delete()

    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    assert call(token).status_code == 401
    assert call(token, "post", body={"key": "k2", **EXPERIMENT}).status_code == 401
    assert not Experiment.objects.exists()


def test_token_gets_the_new_roles_answers_at_once(workspace, analyst):
    _, token = actions.issue_api_key(workspace, "personal", "laptop", user=analyst)
    assert call(token, "post", body={"key": "k1", **EXPERIMENT}).status_code == 201

    actions.set_role(workspace, analyst, Role.STAFF)
    refused = call(token, "post", body={"key": "k2", **EXPERIMENT})
    assert refused.status_code == 403
    assert "experiments.manage" in refused.json()["detail"]
    assert call(token).status_code == 200  # staff may still look
    assert list(Experiment.objects.values_list("key", flat=True)) == ["k1"]

    actions.set_role(workspace, analyst, Role.MARKETER)
    assert call(token, "post", body={"key": "k3", **EXPERIMENT}).status_code == 201
    assert sorted(Experiment.objects.values_list("key", flat=True)) == ["k1", "k3"]


def test_write_key_is_not_a_personal_token(workspace, write_key):
    assert call(write_key).status_code == 401


def test_a_token_and_its_owners_role_are_read_in_one_query(
    workspace, analyst, django_assert_num_queries
):
    """The token is checked at every call: its key, workspace, owner and the owner's role
    now come in one query (the gate's answer itself needs none)."""
    _, token = actions.issue_api_key(workspace, "personal", "laptop", user=analyst)
    request = RequestFactory().get("/api/experiments/")
    with django_assert_num_queries(1):
        key = PersonalToken("experiments.view").authenticate(request, token)
    assert (key.user, request.workspace, request.role) == (analyst, workspace, Role.ANALYST)
    Membership.objects.filter(user=analyst).delete()
    request = RequestFactory().get("/api/experiments/")
    with django_assert_num_queries(1):
        assert PersonalToken("experiments.view").authenticate(request, token) is None
    assert not hasattr(request, "role")


@pytest.mark.both_databases  # the statement is written per database (quoting, converters)
def test_the_looked_up_key_workspace_and_owner_are_those_the_orm_reads(workspace, analyst):
    """``core.key_lookup`` builds the objects from one hand-written statement: every
    field, with its type (a datetime aware, a boolean a bool), as the ORM would give."""
    from pacer.core.selectors import active_key, active_personal_key

    _, token = actions.issue_api_key(workspace, "personal", "laptop", user=analyst)
    _, write = actions.issue_api_key(workspace, "write", "shop")
    key = active_personal_key(token)
    orm = ApiKey.objects.select_related("workspace", "user").get(pk=key.pk)
    for ours, theirs in ((key, orm), (key.workspace, orm.workspace), (key.user, orm.user)):
        for field in type(ours)._meta.concrete_fields:
            mine, django = getattr(ours, field.attname), getattr(theirs, field.attname)
            assert (mine, type(mine)) == (django, type(django)), field.name
        assert not ours._state.adding and ours._state.db == "default"
    assert key.member_role == Role.ANALYST
    shop = active_key(write, "write")
    assert (shop.name, shop.user, shop.member_role, shop.workspace) == (
        "shop",
        None,
        None,
        workspace,
    )
    assert active_key(write, "personal") is None and active_key("", "write") is None
    ApiKey.objects.filter(pk=shop.pk).update(revoked_at=orm.created_at)
    assert active_key(write, "write") is None
