"""Top-down allocation for a real user (``plan_actions.set_envelopes``): the node page's
"Allocate top-down" form and ``POST /api/plans/nodes/{id}/envelopes`` set a plan's
envelope and its children's at once, all or nothing, refuse a total above the envelope
naming the field, and are for managers of budgets only."""

from decimal import Decimal

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.planning.models import PlanNode
from pacer.planning.plan_actions import create_node, set_envelopes
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


@pytest.fixture
def nodes(workspace):
    root = create_node(workspace, {"kind": "plan", "name": "FY", "fiscal_year": 2026})
    brand = create_node(
        workspace, {"kind": "program", "name": "Brand", "fiscal_year": 2026}, parent_id=root.pk
    )
    perf = create_node(
        workspace, {"kind": "program", "name": "Perf", "fiscal_year": 2026}, parent_id=root.pk
    )
    return root, brand, perf


def envelopes(*nodes) -> list:
    return [PlanNode.objects.get(pk=n.pk).allocation for n in nodes]


def login(workspace, role: str) -> Client:
    core_actions.create_user(workspace, f"user-{role}", PASSWORD, role)
    client = Client()
    client.login(username=f"user-{role}", password=PASSWORD)
    return client


def test_a_plan_and_its_children_are_given_envelopes_at_once(nodes):
    root, brand, perf = nodes
    set_envelopes(root, {brand.pk: "600", perf.pk: "300.50"}, envelope="1000")
    assert envelopes(root, brand, perf) == [Decimal("1000"), Decimal("600"), Decimal("300.50")]
    # lowered together: the children first, then the plan's own
    set_envelopes(root, {brand.pk: "200"}, envelope="500.50")
    assert envelopes(root, brand, perf) == [Decimal("500.50"), Decimal("200"), Decimal("300.50")]
    assert AuditEntry.objects.filter(action="plan_node.allocate").count() == 5


def test_a_total_above_the_envelope_is_refused_and_nothing_changes(nodes):
    root, brand, perf = nodes
    set_envelopes(root, {brand.pk: "600", perf.pk: "300"}, envelope="1000")
    before = AuditEntry.objects.count()
    for children, envelope, errors in (
        ({brand.pk: "800"}, None, {"allocations": "total 1100.00 exceeds the node's own "
                                   "envelope 1000.00"}),
        ({}, "899.99", {"envelope": "must be at least 900.00, allocated to its children "
                        "already"}),
        ({brand.pk: "1"}, "abc", {"envelope": "'abc' is not a number"}),
        ({root.pk: "1"}, None, {f"allocations.{root.pk}": f"node {root.pk} is not a child "
                                f"of node {root.pk}"}),
    ):  # fmt: skip
        with pytest.raises(ValidationFailed) as refused:
            set_envelopes(root, children, envelope=envelope)
        assert refused.value.errors == errors
    with pytest.raises(ValidationFailed) as refused:
        set_envelopes(brand, {}, envelope="5")
    assert refused.value.errors == {"envelope": "a child node's envelope is set by its parent"}
    assert envelopes(root, brand, perf) == [Decimal("1000"), Decimal("600"), Decimal("300")]
    assert AuditEntry.objects.count() == before


def test_the_node_page_allocates_top_down(workspace, nodes):
    root, brand, perf = nodes
    marketer = login(workspace, "marketer")
    page = marketer.get(f"/plans/{root.pk}/").content.decode()
    assert 'id="envelope-form"' in page and f'name="child-{brand.pk}"' in page
    url = f"/plans/{root.pk}/envelopes/"
    response = marketer.post(
        url, {"envelope": "1000", f"child-{brand.pk}": "600", f"child-{perf.pk}": ""}, follow=True
    )
    assert "Envelopes saved." in response.content.decode()
    assert envelopes(root, brand, perf) == [Decimal("1000"), Decimal("600"), None]
    refused = marketer.post(url, {f"child-{perf.pk}": "500"}, follow=True).content.decode()
    assert "total 1100.00 exceeds the node&#x27;s own envelope 1000.00" in refused
    assert envelopes(root, brand, perf) == [Decimal("1000"), Decimal("600"), None]
    bad = marketer.post(url, {f"child-{perf.pk}": "lots"}, follow=True).content.decode()
    assert "Perf" in bad and "&#x27;lots&#x27; is not a number" in bad
    # a program's page allocates to its children only (it has none here: no form)
    assert 'id="envelope-form"' not in marketer.get(f"/plans/{brand.pk}/").content.decode()
    analyst = login(workspace, "analyst")
    assert 'id="envelope-form"' not in analyst.get(f"/plans/{root.pk}/").content.decode()
    assert analyst.post(url, {"envelope": "1"}).status_code == 403
    assert envelopes(root) == [Decimal("1000")]


def test_the_api_allocates_and_refuses_by_the_bodys_field(workspace, admin, nodes):
    root, brand, perf = nodes
    api = ApiClient(workspace, admin)
    path = f"plans/nodes/{root.pk}/envelopes"
    response = api.post(path, {"envelope": "1000", "children": {str(brand.pk): "600.25"}})
    assert response.status_code == 200, response.content
    assert [(n["name"], n["allocation"]) for n in response.json()] == [
        ("FY", "1000.00"),
        ("Brand", "600.25"),
        ("Perf", None),
    ]
    refused = api.post(path, {"children": {str(perf.pk): "400"}})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "children": "total 1000.25 exceeds the node's own envelope 1000.00"
    }
    other = api.post(path, {"children": {str(root.pk): "1"}})
    assert other.json()["errors"] == {
        f"children.{root.pk}": f"node {root.pk} is not a child of node {root.pk}"
    }
    assert api.post("plans/nodes/999999/envelopes", {}).status_code == 404
    assert envelopes(root, brand, perf) == [Decimal("1000"), Decimal("600.25"), None]
