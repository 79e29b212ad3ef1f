"""Pages of plans, budgets and vendors: what they show (exact money), the forms (state
after each, refusals that write nothing), the timeline's filters in the URL, and who may
approve a transfer."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning.actions import create_campaign, record_spend
from pacer.planning.budget_actions import plan_lines, request_transfer, set_threshold
from pacer.planning.models import BudgetLine, BudgetTransfer, Invoice, PlanNode, Vendor
from pacer.planning.plan_actions import create_node
from pacer.planning.purchase_actions import issue_order

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


def login(workspace, name: str, role: str) -> Client:
    core_actions.create_user(workspace, name, PASSWORD, role)
    client = Client()
    client.login(username=name, password=PASSWORD)
    return client


@pytest.fixture
def client(admin):
    client = Client()
    client.login(username="ada", password=PASSWORD)
    return client


@pytest.fixture
def plan(workspace):
    root = create_node(
        workspace,
        {
            "kind": "plan",
            "name": "FY2026",
            "fiscal_year": 2026,
            "starts_on": date(2026, 1, 1),
            "ends_on": date(2026, 12, 31),
        },
    )
    create_campaign(workspace, "spring", "email")
    leaf = create_node(
        workspace,
        {
            "kind": "campaign",
            "name": "Spring sale",
            "fiscal_year": 2026,
            "team": "performance",
            "channels": ["email"],
            "starts_on": date(2026, 3, 1),
            "ends_on": date(2026, 4, 30),
            "campaign": "spring",
        },
        parent_id=root.pk,
    )
    plan_lines(
        workspace,
        [
            {"node": leaf.pk, "month": "2026-03", "channel": "email", "amount": "1234.50"},
            {"node": root.pk, "month": "2026-03", "channel": "tv", "amount": "100"},
        ],
    )
    return root, leaf


def test_the_tree_shows_rolled_up_money(client, workspace, plan):
    root, leaf = plan
    record_spend(
        workspace,
        [{"day": date(2026, 3, 2), "channel": "email", "campaign": leaf.campaign, "amount": "99"}],
    )
    page = client.get("/plans/").content.decode()
    assert page.index("FY2026") < page.index("Spring sale")
    assert "$1,334.50" in page  # the plan: 1,234.50 + 100 (to the cent at any size)
    assert "$1,234.50" in page  # the campaign
    assert "$99.00" in page


def test_staff_see_the_tree_without_money(workspace, plan):
    staff = login(workspace, "sam", Role.STAFF)
    page = staff.get("/plans/").content.decode()
    assert "Spring sale" in page and "$1,334.50" not in page
    assert staff.get("/budgets/").status_code == 403


def test_creating_a_node_through_the_form(client, workspace, plan):
    root, _ = plan
    response = client.post(
        f"/plans/new/?parent={root.pk}",
        {
            "kind": "program",
            "name": "Brand",
            "fiscal_year": "2026",
            "team": "brand",
            "channels": "tv, radio",
            "starts_on": "2026-05-01",
            "ends_on": "2026-06-30",
            "target_kpis": "reach=1000000\nfrequency=3.5",
        },
    )
    node = PlanNode.objects.get(name="Brand")
    assert response.status_code == 302 and response["Location"] == f"/plans/{node.pk}/"
    assert (node.parent_id, node.channels, node.target_kpis) == (
        root.pk,
        ["radio", "tv"],
        {"reach": "1000000", "frequency": "3.5"},
    )


def test_a_refused_node_form_names_the_fields_and_writes_nothing(client, workspace, plan):
    count, audited = PlanNode.objects.count(), AuditEntry.objects.count()
    response = client.post(
        "/plans/new/",
        {"kind": "plan", "name": "", "fiscal_year": "x", "starts_on": "soon", "channels": "tv2"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    for reason in (
        "must not be empty",
        "must be a year",
        "must be a date (YYYY-MM-DD), not &#x27;soon&#x27;",
        "&#x27;tv2&#x27; is not a Pacer channel",
    ):
        assert reason in page
    assert PlanNode.objects.count() == count and AuditEntry.objects.count() == audited


def test_moving_a_node_through_its_page(client, workspace, plan):
    root, leaf = plan
    other = create_node(workspace, {"kind": "plan", "name": "FY2027", "fiscal_year": 2027})
    assert client.post(f"/plans/{leaf.pk}/move/", {"parent": other.pk}).status_code == 302
    leaf.refresh_from_db()
    assert leaf.parent_id == other.pk
    response = client.post(f"/plans/{other.pk}/move/", {"parent": leaf.pk})
    assert response.status_code == 422
    assert "must not be the node itself or one of its descendants" in response.content.decode()


def test_the_node_page_plans_lines_and_lists_them(client, workspace, plan):
    _, leaf = plan
    response = client.post(
        f"/plans/{leaf.pk}/lines/",
        {"month": "2026-04", "channel": "email", "amount": "500", "currency": "USD"},
    )
    assert response.status_code == 302
    assert BudgetLine.objects.get(node=leaf, month=date(2026, 4, 1)).amount == Decimal("500.00")
    refused = client.post(
        f"/plans/{leaf.pk}/lines/", {"month": "2026-04", "channel": "x", "amount": "5"}
    )
    assert refused.status_code == 422
    assert "Channel: &#x27;x&#x27; is not a Pacer channel" in refused.content.decode()
    page = client.get(f"/plans/{leaf.pk}/").content.decode()
    assert "$1,234.50" in page and "$500.00" in page
    assert BudgetLine.objects.count() == 3


def test_the_timeline_filters_by_team_channel_and_location_in_the_url(client, workspace, plan):
    page = client.get("/plans/timeline/?year=2026").content.decode()
    assert "Spring sale" in page and "FY2026" in page
    # March 1 is day 59 of 365: the bar starts 16.164% in and covers 61 days (16.712%)
    assert "left: 16.164%; width: 16.712%" in page
    page = client.get("/plans/timeline/?year=2026&team=performance").content.decode()
    assert "Spring sale" in page and ">FY2026<" not in page
    page = client.get("/plans/timeline/?year=2026&channel=tv").content.decode()
    assert "Spring sale" not in page and "No dated nodes match these filters." in page
    page = client.get("/plans/timeline/?year=2026&team=nobody").content.decode()
    assert "&#x27;nobody&#x27; is not one of the choices" in page


def test_only_approvers_decide_a_transfer_and_not_their_own(client, workspace, plan, admin):
    set_threshold(workspace, "10")
    source, target = BudgetLine.objects.order_by("pk")
    marketer = login(workspace, "mia", Role.MARKETER)
    response = marketer.post(
        "/budgets/transfers/",
        {"source": source.pk, "target": target.pk, "amount": "50", "reason": "more tv"},
    )
    assert response.status_code == 302
    transfer = BudgetTransfer.objects.get()
    assert transfer.status == "pending"
    audited = AuditEntry.objects.count()
    assert (
        marketer.post(f"/budgets/transfers/{transfer.pk}/", {"decision": "approve"}).status_code
        == 403
    )
    assert AuditEntry.objects.count() == audited
    assert (
        client.post(f"/budgets/transfers/{transfer.pk}/", {"decision": "approve"}).status_code
        == 302
    )
    transfer.refresh_from_db()
    target.refresh_from_db()
    assert (transfer.status, target.amount_base) == ("applied", Decimal("150.00"))
    own = request_transfer(workspace, source.pk, target.pk, "20", "mine", actor=admin)
    client.post(f"/budgets/transfers/{own.pk}/", {"decision": "approve"})
    own.refresh_from_db()
    assert own.status == "pending"


def test_vendor_order_and_invoice_pages(client, workspace, plan):
    _, leaf = plan
    line = BudgetLine.objects.get(node=leaf)
    response = client.post("/vendors/", {"name": "Acme Agency", "kind": "agency"})
    vendor = Vendor.objects.get()
    assert response["Location"] == f"/vendors/{vendor.pk}/"
    response = client.post(
        f"/vendors/{vendor.pk}/",
        {
            "form": "order",
            "number": "PO-7",
            "line": line.pk,
            "issued_on": "2026-03-01",
            "amount": "2000",
        },
    )
    assert response.status_code == 422
    assert "commits 2000.00 but the line has 1234.50 free" in response.content.decode()
    order = issue_order(
        workspace,
        {
            "number": "PO-7",
            "vendor": vendor.pk,
            "line": line.pk,
            "issued_on": date(2026, 3, 1),
            "amount": "1000",
        },
    )
    response = client.post(
        f"/orders/{order.pk}/", {"number": "I-1", "invoiced_on": "2026-03-31", "amount": "400"}
    )
    assert response.status_code == 302
    response = client.post(
        f"/orders/{order.pk}/", {"number": "I-2", "invoiced_on": "2026-03-31", "amount": "600.01"}
    )
    assert response.status_code == 422
    assert list(Invoice.objects.values_list("number", "amount")) == [("I-1", Decimal("400.00"))]
    page = client.get("/budgets/?as_of=2026-03-31").content.decode()
    # accrued: 1,000 ordered less 400 invoiced by the period's end
    assert (
        '<td class="num">$1,000.00</td><td class="num">$400.00</td><td class="num">$600.00</td>'
        in page
    )


def test_date_fields_show_their_stored_days(client, workspace, plan):
    _, leaf = plan
    page = client.get(f"/plans/{leaf.pk}/edit/").content.decode()
    assert 'name="starts_on" type="date" value="2026-03-01"' in page
    page = client.get("/budgets/?as_of=2026-03-31").content.decode()
    assert 'name="as_of" type="date" value="2026-03-31"' in page
