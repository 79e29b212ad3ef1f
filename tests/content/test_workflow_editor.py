"""The workflow editor, by its page and by REST: admins change a workspace's states, their
order, which are review states, which need approval and which are terminal; a change
that would strand items in a removed state is refused naming the state and its count
(nothing changed); bad rows are refused naming the row's field; other roles read only."""

import json

import pytest
from django.test import Client

from pacer.content import actions, selectors
from pacer.content.models import ContentItem, Workflow
from pacer.core.models import AuditEntry
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
DEFAULT_KEYS = ["idea", "draft", "in_review", "approved", "scheduled", "published", "archived"]


def _items(workspace, team, **states):
    for state, count in states.items():
        for n in range(count):
            item = actions.create_item(
                workspace, title=f"{state} {n}", kind="ad", owner=team["editor"]
            )
            ContentItem.objects.filter(pk=item.pk).update(state=state)


def _form(rows: list[dict], blank: int = 0) -> dict:
    """The editor's POST for these rows (``remove``/flags as on the page)."""
    data = {"key": [], "label": [], "moves_to": [], "position": []}
    for flag in ("review", "needs_approval", "terminal", "remove"):
        data[flag] = [str(i) for i, row in enumerate(rows) if row.get(flag)]
    for i, row in enumerate(rows + [{}] * blank):
        data["key"].append(row.get("key", ""))
        data["label"].append(row.get("label", ""))
        data["moves_to"].append(", ".join(row.get("moves_to", [])))
        data["position"].append(str(row.get("position", i + 1 if row else "")))
    return data


SIMPLE = [
    {"key": "draft", "label": "Draft", "moves_to": ["legal"]},
    {"key": "legal", "label": "Legal check", "review": True, "moves_to": ["live", "draft"]},
    {"key": "live", "label": "Live", "needs_approval": True, "moves_to": ["gone"]},
    {"key": "gone", "label": "Gone", "terminal": True},
]


@pytest.fixture
def admin_client(admin):
    client = Client()
    client.force_login(admin)
    return client


def test_an_admin_replaces_the_workflow_by_the_page_in_the_order_given(
    workspace, admin_client, team
):
    page = admin_client.get("/content/workflow/")
    assert page.status_code == 200
    assert [row["key"] for row in page.context["rows"] if row["key"]] == DEFAULT_KEYS
    rows = [dict(row) for row in SIMPLE]
    for position, row in zip((2, 3, 4, 1), rows, strict=True):
        row["position"] = position  # "gone" asked first: positions order the states
    response = admin_client.post("/content/workflow/", _form(rows, blank=2))
    assert response.status_code == 302
    flow = selectors.workflow(workspace)
    assert flow.states == [
        {"key": "gone", "label": "Gone", "needs_approval": False, "review": False},
        {"key": "draft", "label": "Draft", "needs_approval": False, "review": False},
        {"key": "legal", "label": "Legal check", "needs_approval": False, "review": True},
        {"key": "live", "label": "Live", "needs_approval": True, "review": False},
    ]
    assert flow.transitions == {
        "gone": [],
        "draft": ["legal"],
        "legal": ["live", "draft"],
        "live": ["gone"],
    }
    assert AuditEntry.objects.filter(action="content.workflow").count() == 1
    shown = admin_client.get("/content/workflow/").context["rows"]
    assert [(r["key"], r.get("terminal")) for r in shown if r["key"]] == [
        ("gone", True),
        ("draft", False),
        ("legal", False),
        ("live", False),
    ]


def test_removing_a_state_items_are_in_is_refused_naming_it_and_the_count(
    workspace, admin_client, team
):
    _items(workspace, team, draft=2, archived=1, idea=1)
    rows = selectors.workflow_rows(workspace)
    for row in rows:
        row["remove"] = row["key"] in ("draft", "archived")
    response = admin_client.post("/content/workflow/", _form(rows))
    assert response.status_code == 422
    assert response.context["errors"] == {
        "states": "1 item in 'archived'; 2 items in 'draft': move them to a kept state first"
    }
    assert "2 items in &#x27;draft&#x27;" in response.content.decode()
    assert not Workflow.objects.exists()  # nothing changed: still the default
    assert not AuditEntry.objects.filter(action="content.workflow").exists()


def test_bad_rows_are_refused_in_their_row(workspace, admin_client):
    rows = [dict(row) for row in SIMPLE]
    rows[0]["moves_to"] = ["legal", "nowhere"]
    rows[3]["moves_to"] = ["draft"]  # and still marked terminal
    response = admin_client.post("/content/workflow/", _form(rows))
    assert response.status_code == 422
    shown = {row["key"]: row["errors"] for row in response.context["rows"]}
    assert shown["draft"] == ["moves to: 'nowhere' is not a state of this workflow"]
    assert shown["gone"] == ["moves to: a terminal state has no moves out"]
    rows = [dict(row) for row in SIMPLE]
    rows[3]["terminal"] = False  # neither terminal nor any move out
    response = admin_client.post("/content/workflow/", _form(rows))
    shown = {row["key"]: row["errors"] for row in response.context["rows"]}
    assert shown["gone"] == ["moves to: name the states it may move to, or mark it terminal"]
    assert not Workflow.objects.exists()


def test_other_roles_read_the_workflow_but_cannot_change_it(workspace, team):
    client = Client()
    client.force_login(team["editor"])  # a marketer
    page = client.get("/content/workflow/")
    assert page.status_code == 200 and b'id="workflow-form"' not in page.content
    assert b'id="workflow-states"' in page.content
    assert client.post("/content/workflow/", _form(SIMPLE)).status_code == 403
    api = ApiClient(workspace, team["editor"])
    put = api.client.put(
        "/api/content/workflow",
        json.dumps({"states": SIMPLE}),
        content_type="application/json",
        **api.headers(),
    )
    assert put.status_code == 403
    assert not Workflow.objects.exists()


def _put(api, states):
    return api.client.put(
        "/api/content/workflow",
        json.dumps({"states": states}),
        content_type="application/json",
        **api.headers(),
    )


def test_the_workflow_by_rest(workspace, admin, team):
    api = ApiClient(workspace, admin)
    _items(workspace, team, draft=3)
    got = api.get("content/workflow")
    assert got.status_code == 200
    assert [(r["key"], r["items"], r["terminal"]) for r in got.json()][:3] == [
        ("idea", 0, False),
        ("draft", 3, False),
        ("in_review", 0, False),
    ]
    answer = _put(api, SIMPLE)
    assert answer.status_code == 200
    assert [
        (r["key"], r["review"], r["terminal"], r["moves_to"], r["items"]) for r in answer.json()
    ] == [
        ("draft", False, False, ["legal"], 3),
        ("legal", True, False, ["live", "draft"], 0),
        ("live", False, False, ["gone"], 0),
        ("gone", False, True, [], 0),
    ]
    stranding = _put(api, SIMPLE[1:])  # drops "draft", where 3 items are
    assert stranding.status_code == 422
    assert stranding.json()["errors"] == {
        "states": "3 items in 'draft': move them to a kept state first"
    }
    unknown = _put(api, [SIMPLE[0], {"key": "legal", "label": "Legal", "moves_to": ["x"]}])
    assert unknown.status_code == 422
    assert list(unknown.json()["errors"]) == ["states[1].moves_to"]
    assert [s["key"] for s in selectors.workflow(workspace).states] == [
        "draft",
        "legal",
        "live",
        "gone",
    ]
