"""The node forms keep the team filter (``scope.scoped_address``): a user looking at a
team's scope who creates, edits, moves or deletes a node lands back in that scope; each
form posts to the scoped address, and a refused form's page keeps the team in its form
and links, nothing written. Without a chosen team the addresses carry none."""

import re

import pytest

from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning.models import PlanNode
from pacer.planning.plan_actions import create_node
from tests.planning.scope_fixture import build_team_plan, login

pytestmark = pytest.mark.django_db
ADDRESS = re.compile(r'<meta name="pacer-page-address" content="([^"]*)">')
ACTIONS = re.compile(r'<form method="post" action="(/plans/[^"]*)"')
BUTTONS = re.compile(r'<a class="button(?: primary)?" href="(/plans/[^"]*)"')


def _page(response) -> str:
    return response.content.decode().replace("&amp;", "&")


@pytest.fixture
def plan(workspace):
    found = build_team_plan(workspace)
    found["spare"] = create_node(
        workspace,
        {"kind": "campaign", "name": "Spare", "fiscal_year": 2026},
        parent_id=found["program"].pk,
    )
    return found


@pytest.fixture
def admin(workspace, plan):
    return login(workspace, "ari", Role.ADMIN, ["performance"])


def test_the_node_page_links_its_forms_at_the_team(admin, plan):
    spare = plan["spare"].pk
    page = _page(admin.get(f"/plans/{spare}/?team=performance"))
    assert BUTTONS.findall(page) == [
        f"/plans/{spare}/edit/?team=performance",
        f"/plans/{spare}/move/?team=performance",
        f"/plans/new/?parent={spare}&team=performance",
    ]
    assert f'<form method="post" action="/plans/{spare}/delete/?team=performance"' in page
    tree = _page(admin.get("/plans/?team=performance"))
    assert 'href="/plans/new/?team=performance">New plan' in tree
    unscoped = _page(admin.get(f"/plans/{spare}/"))
    assert BUTTONS.findall(unscoped) == [
        f"/plans/{spare}/edit/",
        f"/plans/{spare}/move/",
        f"/plans/new/?parent={spare}",
    ]


def test_the_plan_pages_link_each_other_at_the_team(admin):
    tree = _page(admin.get("/plans/?team=brand"))
    assert BUTTONS.findall(tree) == ["/plans/timeline/?team=brand", "/plans/new/?team=brand"]
    timeline = _page(admin.get("/plans/timeline/?team=brand"))
    assert BUTTONS.findall(timeline) == ["/plans/?team=brand"]
    results = _page(admin.get("/plans/results/?team=brand"))
    assert 'href="/plans/?team=brand">Plan tree' in results
    assert 'href="/vendors/scorecards/?team=brand">Agency scorecards' in results
    assert BUTTONS.findall(_page(admin.get("/plans/"))) == ["/plans/timeline/", "/plans/new/"]


def test_creating_a_node_comes_back_at_the_team_and_a_refused_one_keeps_it(admin, plan):
    program = plan["program"].pk
    shown = _page(admin.get(f"/plans/new/?parent={program}&team=performance"))
    assert ACTIONS.findall(shown) == ["/plans/new/?team=performance"]
    count = PlanNode.objects.count()
    refused = admin.post(
        "/plans/new/?team=performance",
        {"parent": program, "kind": "campaign", "name": "Fall", "fiscal_year": "soon"},
    )
    assert refused.status_code == 422
    assert refused.context["errors"]["fiscal_year"] == "must be a year"
    page = _page(refused)
    assert ACTIONS.findall(page) == ["/plans/new/?team=performance"]
    assert f'href="/plans/{program}/?team=performance">Back to Performance' in page
    assert 'name="name" type="text" value="Fall"' in page
    assert PlanNode.objects.count() == count
    created = admin.post(
        "/plans/new/?team=performance",
        {"parent": program, "kind": "campaign", "name": "Fall", "fiscal_year": "2026"},
    )
    node = PlanNode.objects.get(name="Fall")
    assert (node.parent_id, node.kind, node.fiscal_year) == (program, "campaign", 2026)
    assert (created.status_code, created["Location"]) == (
        302,
        f"/plans/{node.pk}/?team=performance",
    )
    top = admin.post("/plans/new/", {"kind": "plan", "name": "FY2027", "fiscal_year": "2027"})
    assert top["Location"] == f"/plans/{PlanNode.objects.get(name='FY2027').pk}/"


def test_editing_a_node_comes_back_at_the_team_and_a_refused_edit_keeps_it(admin, plan):
    spare = plan["spare"].pk
    shown = _page(admin.get(f"/plans/{spare}/edit/?team=all"))
    assert ACTIONS.findall(shown) == [f"/plans/{spare}/edit/?team=all"]
    form = {"kind": "campaign", "name": "Spare", "fiscal_year": "2026", "ends_on": "x"}
    refused = admin.post(f"/plans/{spare}/edit/?team=all", {**form, "name": "Renamed"})
    assert refused.status_code == 422
    assert set(refused.context["errors"]) == {"ends_on"}
    page = _page(refused)
    assert ACTIONS.findall(page) == [f"/plans/{spare}/edit/?team=all"]
    assert f'href="/plans/{spare}/?team=all">Back to the node' in page
    assert PlanNode.objects.get(pk=spare).name == "Spare"
    saved = admin.post(f"/plans/{spare}/edit/?team=all", {**form, "name": "Renamed", "ends_on": ""})
    assert (saved.status_code, saved["Location"]) == (302, f"/plans/{spare}/?team=all")
    assert PlanNode.objects.get(pk=spare).name == "Renamed"


def test_moving_a_node_comes_back_at_the_team_and_a_refused_move_keeps_it(admin, plan):
    spare, program, brand = plan["spare"].pk, plan["program"].pk, plan["brand"].pk
    shown = _page(admin.get(f"/plans/{spare}/move/?team=performance"))
    assert ACTIONS.findall(shown) == [f"/plans/{spare}/move/?team=performance"]
    audits = AuditEntry.objects.filter(action="plan_node.move").count()
    refused = admin.post(f"/plans/{spare}/move/?team=performance", {"parent": spare})
    assert refused.status_code == 422
    assert refused.context["errors"] == {
        "parent": "must not be the node itself or one of its descendants"
    }
    page = _page(refused)
    assert ACTIONS.findall(page) == [f"/plans/{spare}/move/?team=performance"]
    assert f'href="/plans/{spare}/?team=performance">Back to the node' in page
    assert PlanNode.objects.get(pk=spare).parent_id == program
    assert AuditEntry.objects.filter(action="plan_node.move").count() == audits
    moved = admin.post(f"/plans/{spare}/move/?team=performance", {"parent": brand})
    assert (moved.status_code, moved["Location"]) == (302, f"/plans/{spare}/?team=performance")
    assert PlanNode.objects.get(pk=spare).parent_id == brand


def test_deleting_a_node_comes_back_at_the_team_and_a_refused_delete_keeps_it(
    workspace, admin, plan
):
    leaf, program, spare = plan["leaf"].pk, plan["program"].pk, plan["spare"].pk
    refused = admin.post(f"/plans/{leaf}/delete/?team=performance")  # it has budget lines
    assert refused.status_code == 422
    assert refused.context["errors"] == {
        "node": "has 2 budget lines, 1 purchase order and spend (2 lines of its campaign "
        "'spring-social'): the orders' lines are kept for them, so the node is too"
    }
    assert refused.context["scope"].value == "performance"
    page = _page(refused)
    assert ADDRESS.findall(page) == [f"/plans/{leaf}/?team=performance"]
    assert f'<form method="post" action="/plans/{leaf}/delete/?team=performance"' in page
    assert f"/plans/{leaf}/edit/?team=performance" in BUTTONS.findall(page)
    assert PlanNode.objects.filter(pk=leaf).exists()
    deleted = admin.post(f"/plans/{spare}/delete/?team=performance")
    assert (deleted.status_code, deleted["Location"]) == (
        302,
        f"/plans/{program}/?team=performance",
    )
    assert not PlanNode.objects.filter(pk=spare).exists()
    top = create_node(workspace, {"kind": "plan", "name": "FY2027", "fiscal_year": 2027})
    gone = admin.post(f"/plans/{top.pk}/delete/?team=mine")
    assert (gone.status_code, gone["Location"]) == (302, "/plans/?team=mine")
    asked = admin.get(f"/plans/{leaf}/delete/?team=mine")
    assert (asked.status_code, asked["Location"]) == (302, f"/plans/{leaf}/?team=mine")
