"""Segments over the REST API: define, preview, page members, static lists, refusals."""

import pytest

from pacer.core import actions as core_actions
from pacer.core.models import Role
from pacer.people.models import Contact
from pacer.segments.models import Membership, Segment
from tests.api_client import ApiClient, strict_json

pytestmark = pytest.mark.django_db
LEADS = {
    "type": "group",
    "children": [{"type": "field", "field": "lifecycle_stage", "op": "eq", "value": "lead"}],
}


@pytest.fixture
def api(workspace, admin):
    return ApiClient(workspace, admin)


@pytest.fixture
def contacts(workspace):
    return [
        Contact.objects.create(workspace=workspace, email=f"p{n}@x.io", lifecycle_stage=s)
        for n, s in enumerate(["lead", "customer", "lead"])
    ]


def test_create_preview_and_page_through_members(api, contacts):
    preview = api.post("segments/preview", {"definition": LEADS})
    assert preview.status_code == 200
    body = strict_json(preview)
    assert body["count"] == 2
    assert [c["id"] for c in body["sample"]] == [contacts[2].pk, contacts[0].pk]
    assert not Segment.objects.exists()  # a preview saves nothing

    created = api.post("segments/", {"name": "Leads", "definition": LEADS})
    assert created.status_code == 201, created.content
    segment = strict_json(created)
    assert segment["member_count"] == 2 and segment["kind"] == "dynamic"
    members = strict_json(api.get(f"segments/{segment['id']}/members", limit=1))
    assert len(members) == 1 and members[0]["email"] in ("p0@x.io", "p2@x.io")
    changes = strict_json(api.get(f"segments/{segment['id']}/changes"))
    assert sorted(c["contact_id"] for c in changes) == [contacts[0].pk, contacts[2].pk]

    redefined = LEADS | {"children": [LEADS["children"][0] | {"value": "customer"}]}
    changed = api.client.put(
        f"/api/segments/{segment['id']}",
        {"name": "Customers", "definition": redefined},
        content_type="application/json",
        **api.headers(),
    )
    assert changed.status_code == 200
    assert strict_json(changed)["member_count"] == 1
    assert list(Membership.objects.values_list("contact_id", flat=True)) == [contacts[1].pk]


def test_a_bad_definition_is_answered_422_with_the_node_path(api, contacts):
    bad = {"type": "group", "children": [{"type": "orders", "measure": "profit"}]}
    response = api.post("segments/", {"name": "Bad", "definition": bad})
    assert response.status_code == 422
    assert list(strict_json(response)["errors"]) == ["definition.children[0].measure"]
    assert not Segment.objects.exists()
    preview = api.post("segments/preview", {"definition": {"type": "group", "children": []}})
    assert strict_json(preview)["errors"] == {
        "definition.children": "a group needs at least one condition"
    }


def test_static_lists_over_the_api(api, contacts):
    created = strict_json(api.post("segments/", {"name": "VIP", "kind": "static"}))
    url = f"segments/{created['id']}/members"
    assert strict_json(api.post(url, {"contact_ids": [contacts[0].pk, contacts[1].pk]})) == {
        "count": 2
    }
    assert strict_json(api.post(url + "/remove", {"contact_ids": [contacts[1].pk]})) == {"count": 1}
    refused = api.post(url, {"contact_ids": [10**12]})
    assert refused.status_code == 422
    assert Membership.objects.count() == 1


def test_staff_may_look_but_not_define(workspace, contacts):
    staff = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    api = ApiClient(workspace, staff)
    assert api.post("segments/", {"name": "X", "definition": LEADS}).status_code == 403
    assert api.post("segments/preview", {"definition": LEADS}).status_code == 200
    assert not Segment.objects.exists()


def test_another_workspaces_segment_is_not_found(api, workspace):
    other = core_actions.create_workspace("Other", slug="other")
    theirs = Segment.objects.create(
        workspace=other,
        name="T",
        kind="static",
        created_at="2026-01-01T00:00Z",
        updated_at="2026-01-01T00:00Z",
    )
    assert api.get(f"segments/{theirs.pk}").status_code == 404
    assert api.get(f"segments/{theirs.pk}/members").status_code == 404
