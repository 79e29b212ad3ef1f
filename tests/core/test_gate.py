"""The one permission gate: every page and every REST operation, for every role.

Walks the URL configuration and the REST API as they are registered (no list kept by
hand): a route that is not gated fails the test unless it is one of the few public ones,
and each gated route answers each role as the domains declare (403 exactly when the role
lacks the permission, and nothing was done then).
"""

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from pacer.api import api
from pacer.core import actions
from pacer.core.models import AuditEntry
from pacer.core.permissions import allows, grants
from pacer.core.roles import Role
from pacer.experiments.actions import create_experiment

pytestmark = pytest.mark.django_db

PASSWORD = "long-password-1"
# Routes anyone may reach: signing in and out, an invitation link (its token is the
# authority; tests/core/test_invitations.py), health checks and the metrics endpoint (its
# own token or localhost; tests/ops), the API's own description, the tracking API
# (authorised by a write key).
# A hosted lead form is public by design (tests/leads/test_forms.py: honeypot, rate limit).
# A message's unsubscribe, preference, open and click links are authorised by their signed
# token (tests/messaging/test_tracking.py).
PUBLIC_PAGES = {
    "login",
    "logout",
    "invitation",
    "healthz",
    "readyz",
    "metrics",
    "lead-form",
    "lead-form-embed",  # the script that embeds the public form (tests/leads/test_embed.py)
    "unsubscribe",
    "survey-answer",  # a signed token names the survey and the person (tests/teams)
    "survey-email",  # the same, from the email: survey token + the recipient's signature
    "content-ical",  # its secret token is the authority (tests/content/test_calendar.py)
    "share",  # a partner's share link: its token is the authority (tests/content/test_share.py)
    "share-download",
    "preferences",
    "message-open",
    "message-click",
    "provider-events",  # a provider's bounce webhook: its signed workspace token authorises
    "twilio-status",  # an SMS provider's posts: the token and X-Twilio-Signature authorise
    "twilio-inbound",  # (tests/messaging/test_twilio.py)
}
PUBLIC_PREFIXES = ("api/", "v1/")


def _pages():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    return [
        (route, pattern)
        for route, pattern in walk(get_resolver().url_patterns)
        if not route.startswith(PUBLIC_PREFIXES)
    ]


def _operations():
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    url = f"/api{prefix.rstrip('/')}{path}" if path else f"/api{prefix}"
                    yield method, url, operation.view_func


@pytest.fixture
def people(workspace):
    """One member per role, logged in, with a personal token each."""
    members = {}
    for role in Role.values:
        user = actions.create_user(workspace, f"user-{role}", PASSWORD, role)
        client = Client()
        client.login(username=user.username, password=PASSWORD)
        _, token = actions.issue_api_key(workspace, "personal", "gate test", user=user)
        members[role] = (user, client, token)
    create_experiment(
        workspace,
        key="exp",
        name="Exp",
        variants=[{"key": "a", "weight": 1}, {"key": "b", "weight": 1}],
        metric="conversion",
        goal_event="Signed Up",
    )
    return members


def _page_url(route: str, user_id: int) -> str:
    route = re.sub(r"<int:\w+>", str(user_id), route)
    route = re.sub(r"<(slug:)?\w+>", "exp", route)
    return "/" + route.lstrip("^").rstrip("$")


@pytest.mark.slow
def test_every_page_is_gated_and_answers_each_role_as_declared(people, workspace):
    # the member whose id the member pages are called with (an admin may remove them)
    target = actions.create_user(workspace, "target", PASSWORD, Role.STAFF)
    pages = _pages()
    assert len(pages) >= 15
    anonymous = Client()
    for route, pattern in pages:
        view = pattern.callback
        if pattern.name in PUBLIC_PAGES:
            continue
        assert hasattr(view, "permission"), f"/{route} ({pattern.name}) is not behind the gate"
        url = _page_url(route, target.pk)
        response = anonymous.get(url)
        if response.status_code == 405:
            response = anonymous.post(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
        for role, (_, client, _) in people.items():
            audit_before = AuditEntry.objects.count()
            response = client.get(url)
            if response.status_code == 405:
                response = client.post(url)
            permitted = view.permission is None or allows(role, view.permission)
            if permitted:
                assert response.status_code not in (401, 403, 500), (url, role)
            else:
                assert response.status_code == 403, (url, role, response.status_code)
                assert AuditEntry.objects.count() == audit_before, (url, role)


@pytest.mark.slow
def test_every_rest_operation_is_gated_and_answers_each_role_as_declared(people, workspace):
    key, _ = actions.issue_api_key(workspace, "write", "the key the key routes act on")
    operations = list(_operations())
    assert len(operations) >= 20
    declared = grants()
    anonymous = Client()
    for method, path, view in operations:
        permission = getattr(view, "permission", None)
        assert permission in declared, f"{method} {path} is not behind the gate"
        url = path.replace("{contact_id}", "1").replace("{key_id}", str(key.pk))
        url = url.replace("{key}", "exp").replace("{segment_id}", "1").replace("{agent_id}", "1")
        url = url.replace("{slug}", "exp").replace("{card_id}", "1")
        url = url.replace("{item_id}", "1").replace("{asset_id}", "1")
        url = url.replace("{template_id}", "1").replace("{broadcast_id}", "1")
        url = url.replace("{attachment_id}", "1").replace("{column_id}", "1")
        url = url.replace("{swimlane_id}", "1")
        call = getattr(anonymous, method.lower())
        assert call(url).status_code == 401, (method, url)
        for role, (_, client, token) in people.items():
            audit_before = AuditEntry.objects.count()
            call = getattr(client, method.lower())
            response = call(
                url, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            if allows(role, permission):
                assert response.status_code not in (401, 403, 500), (method, url, role)
            else:
                assert response.status_code == 403, (method, url, role, response.status_code)
                assert AuditEntry.objects.count() == audit_before, (method, url, role)


def test_creating_an_experiment_from_its_page_needs_the_manage_permission(people):
    _, staff, _ = people[Role.STAFF]
    response = staff.post("/experiments/", {"key": "new", "name": "New", "variants": "a,b"})
    assert response.status_code == 403
    _, marketer, _ = people[Role.MARKETER]
    response = marketer.post(
        "/experiments/",
        {"key": "new", "name": "New", "variants": "a,b", "metric": "conversion", "goal_event": "X"},
    )
    assert response.status_code == 302


def test_a_token_follows_its_owners_current_role_and_membership(people, workspace, admin):
    user, _, token = people[Role.ANALYST]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    api_client = Client()
    assert (
        api_client.get("/api/planning/spend?start=2026-01-01&end=2026-01-31", **headers).status_code
        == 200
    )
    actions.set_role(workspace, user, Role.STAFF, actor=admin)
    assert (
        api_client.get("/api/planning/spend?start=2026-01-01&end=2026-01-31", **headers).status_code
        == 403
    )
    actions.set_role(workspace, user, Role.ANALYST, actor=admin)
    # still a member: works again; removed: refused as unauthenticated
    assert api_client.get("/api/people/contacts", **headers).status_code == 200
    from pacer.core.models import Membership

    Membership.objects.filter(workspace=workspace, user=user).delete()
    assert api_client.get("/api/people/contacts", **headers).status_code == 401


def test_a_real_contacts_page_and_timeline_answer_each_role_as_declared(people, workspace):
    # the walk above reaches the contact page with an id that is no contact (404 for
    # every permitted role); here a contact exists, so a permitted role sees it
    from django.utils import timezone

    from pacer.ingest.actions import ingest

    visit = {"type": "page", "messageId": "gate-1", "anonymousId": "gate-visitor"}
    ingest(workspace, [visit], received_at=timezone.now())
    contact_id = _contact_id(workspace)
    anonymous = Client()
    for url in (f"/contacts/{contact_id}/", f"/contacts/{contact_id}/timeline/"):
        assert anonymous.get(url).status_code == 302, url
        for role, (_, client, _) in people.items():
            expected = 200 if allows(role, "contacts.view") else 403
            assert client.get(url).status_code == expected, (url, role)


def test_a_real_segments_pages_and_operations_answer_each_role_as_declared(people, workspace):
    # the walks above reach a segment's routes with an id that is no segment (404); here
    # one exists, so a permitted role gets its page and a refused one nothing done
    from pacer.segments.actions import create_segment
    from pacer.segments.models import Segment

    segment = create_segment(workspace, name="Gate", kind="static")
    pages = {
        f"/segments/{segment.pk}/": "segments.view",
        f"/segments/{segment.pk}/edit/": "segments.edit",
        f"/segments/{segment.pk}/export.csv": "segments.export",
        "/segments/new/": "segments.edit",
        "/segments/": "segments.view",
    }
    for url, permission in pages.items():
        for role, (_, client, token) in people.items():
            expected = 200 if allows(role, permission) else 403
            assert client.get(url).status_code == expected, (url, role)
            response = client.get(
                f"/api/segments/{segment.pk}", HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            assert response.status_code == 200 if allows(role, "segments.view") else 403
    for role, (_, client, token) in people.items():
        if allows(role, "segments.edit"):
            continue
        audit_before = AuditEntry.objects.count()
        assert client.post(f"/segments/{segment.pk}/delete/").status_code == 403
        response = client.delete(
            f"/api/segments/{segment.pk}", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 403
        assert Segment.objects.filter(pk=segment.pk).exists()
        assert AuditEntry.objects.count() == audit_before


def test_the_lead_routing_settings_with_real_rows_answer_each_role_as_declared(people, workspace):
    # the walks reach an agent's and a rule's routes with ids that name nothing; here they
    # exist, so a permitted role gets the page and a refused one has nothing done
    from pacer.leads import escalation, rules, sla, staff
    from pacer.leads.models import Agent, EscalationStep, RoutingRule, SlaPolicy

    user = people[Role.STAFF][0]
    agent = staff.save_agent(workspace, {"user": user.username, "team": "gate"})
    rules.set_rules(workspace, [{"name": "Gate", "team": "gate"}])
    other = staff.save_agent(workspace, {"user": people[Role.ADMIN][0].username})
    policy = sla.save_policy(
        workspace,
        {"stage": "lead", "respond_minutes": 15, "remind_minutes": 5, "reassign_minutes": 30},
    )
    escalation.save_chain(workspace, {"steps": [{"delay_minutes": 0, "to": "owner"}]})
    pages = [
        "/leads/routing/",
        "/leads/locating/",
        "/leads/sla/",
        "/leads/routing/rules/new/",
        "/leads/routing/rules/0/",
        "/leads/routing/agents/new/",
        f"/leads/routing/agents/{agent.pk}/",
    ]
    for role, (_, client, token) in people.items():
        allowed = allows(role, "leads.configure")
        for url in pages:
            assert client.get(url).status_code == (200 if allowed else 403), (url, role)
        if allowed:
            continue
        audit_before = AuditEntry.objects.count()
        assert client.post(f"/leads/routing/agents/{other.pk}/delete/").status_code == 403
        assert client.post("/leads/routing/rules/0/delete/").status_code == 403
        assert client.post(f"/leads/sla/{policy.pk}/delete/").status_code == 403
        response = client.delete(
            f"/api/leads/settings/agents/{other.pk}", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 403
        response = client.delete(
            f"/api/leads/settings/sla/{policy.pk}", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 403
        assert client.post("/leads/sla/escalation/delete/", {"location": ""}).status_code == 403
        response = client.delete(
            "/api/leads/settings/escalation?location=", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 403
        assert Agent.objects.count() == 2 and RoutingRule.objects.count() == 1
        assert SlaPolicy.objects.count() == 1 and EscalationStep.objects.count() == 1
        assert AuditEntry.objects.count() == audit_before


def _contact_id(workspace) -> int:
    from pacer.people.selectors import contacts

    return contacts(workspace).get().pk


def test_every_declared_permission_is_held_by_admins():
    for permission, roles in grants().items():
        assert Role.ADMIN in roles, permission


def test_planning_pages_answer_each_role_as_declared_and_refusals_write_nothing(people, workspace):
    """Every campaign and spend page with real rows behind it (the walk above calls them
    with ids that do not exist): GET for each role, and each write posted by each role."""
    from datetime import date

    from pacer.planning.actions import create_campaign, record_spend
    from pacer.planning.models import Campaign, SpendEntry, SpendUpload

    campaign = create_campaign(workspace, "gate", "email", landing_url="https://a.test/")
    record_spend(workspace, [{"day": date(2026, 3, 2), "channel": "email", "amount": "5"}])
    line = SpendEntry.objects.get()
    upload = SpendUpload.objects.create(
        workspace=workspace,
        filename="s.csv",
        content="date,channel,amount\n2026-03-03,tv,7\n",
        sha256="x",
    )
    views = {
        f"/campaigns/{campaign.pk}/": "campaigns.view",
        f"/campaigns/{campaign.pk}/edit/": "campaigns.manage",
        "/campaigns/": "campaigns.view",
        "/campaigns/export.csv": "campaigns.view",
        "/campaigns/new/": "campaigns.manage",
        "/campaigns/links/?landing_url=https://a.test/&campaign=gate": "campaigns.view",
        "/spend/": "spend.view",
        "/spend/export.csv": "spend.view",
        "/spend/new/": "spend.manage",
        f"/spend/{line.pk}/edit/": "spend.manage",
        "/spend/upload/": "spend.manage",
        f"/spend/upload/{upload.pk}/": "spend.manage",
    }
    writes = {
        "/campaigns/new/": {"key": "new", "channel": "email"},
        f"/campaigns/{campaign.pk}/edit/": {"channel": "tv", "name": "renamed"},
        "/spend/new/": {"day": "2026-03-04", "channel": "tv", "amount": "9"},
        f"/spend/{line.pk}/edit/": {"day": "2026-03-02", "channel": "tv", "amount": "8"},
        f"/spend/upload/{upload.pk}/": {},
    }

    def ledger():
        return (
            sorted(Campaign.objects.values_list("key", "name", "channel")),
            sorted(SpendEntry.objects.values_list("day", "channel", "amount")),
            SpendUpload.objects.filter(recorded_at__isnull=False).count(),
        )

    for role, (_, client, _) in people.items():
        for url, permission in views.items():
            status = client.get(url).status_code
            assert status == (200 if allows(role, permission) else 403), (url, role, status)
        for url, body in writes.items():
            if allows(role, views[url]):
                continue
            before, audit_before = ledger(), AuditEntry.objects.count()
            assert client.post(url, body).status_code == 403, (url, role)
            assert ledger() == before and AuditEntry.objects.count() == audit_before
    marketer = people[Role.MARKETER][1]
    for url, body in writes.items():
        assert marketer.post(url, body).status_code == 302, url
    assert ledger() == (
        [("gate", "renamed", "tv"), ("new", "new", "email")],
        [(date(2026, 3, 2), "tv", 8), (date(2026, 3, 3), "tv", 7), (date(2026, 3, 4), "tv", 9)],
        1,
    )


def test_plan_and_budget_pages_answer_each_role_as_declared_and_refusals_write_nothing(
    people, workspace
):
    """Every plan, budget and vendor page with real rows behind it: GET for each role,
    and each write posted by a role without its permission changes nothing."""
    from datetime import date

    from pacer.planning.budget_actions import plan_lines, request_transfer, set_threshold
    from pacer.planning.models import BudgetLine, BudgetTransfer, ClosedMonth, PlanNode, Vendor
    from pacer.planning.plan_actions import create_node
    from pacer.planning.purchase_actions import issue_order, save_vendor

    node = create_node(workspace, {"kind": "plan", "name": "Gate", "fiscal_year": 2026})
    plan_lines(
        workspace,
        [
            {"node": node.pk, "month": "2026-03", "channel": "email", "amount": "100"},
            {"node": node.pk, "month": "2026-03", "channel": "tv", "amount": "100"},
        ],
    )
    source, target = BudgetLine.objects.order_by("pk")
    set_threshold(workspace, "0")
    transfer = request_transfer(workspace, source.pk, target.pk, "1", "gate")
    vendor = save_vendor(workspace, {"name": "Gate Agency", "kind": "agency"})
    order = issue_order(
        workspace,
        {
            "number": "PO-G",
            "vendor": vendor.pk,
            "line": source.pk,
            "issued_on": date(2026, 3, 1),
            "amount": "10",
        },
    )
    views = {
        "/plans/": "plans.view",
        "/plans/new/": "plans.manage",
        "/plans/timeline/?year=2026&team=x": "plans.view",
        "/plans/results/?model=markov": "budgets.view",
        "/plans/report/?rows=vendor&columns=month": "budgets.view",
        "/plans/report/export.csv?rows=team": "budgets.view",
        "/plans/report/export.xlsx?rows=node&columns=quarter": "budgets.view",
        "/vendors/scorecards/": "budgets.view",
        "/budgets/close/?year=2026": "budgets.view",
        f"/plans/{node.pk}/": "plans.view",
        f"/plans/{node.pk}/edit/": "plans.manage",
        f"/plans/{node.pk}/move/": "plans.manage",
        "/budgets/": "budgets.view",
        "/vendors/": "budgets.view",
        f"/vendors/{vendor.pk}/": "budgets.view",
        f"/orders/{order.pk}/": "budgets.view",
    }
    writes = {
        "/plans/new/": ("plans.manage", {"kind": "plan", "name": "New", "fiscal_year": "2026"}),
        f"/plans/{node.pk}/edit/": (
            "plans.manage",
            {"kind": "plan", "name": "Renamed", "fiscal_year": "2026"},
        ),
        f"/plans/{node.pk}/delete/": ("plans.manage", {}),
        f"/plans/{node.pk}/lines/": (
            "budgets.manage",
            {"month": "2026-04", "channel": "email", "amount": "5"},
        ),
        "/budgets/transfers/": (
            "budgets.manage",
            {"source": source.pk, "target": target.pk, "amount": "1", "reason": "x"},
        ),
        f"/budgets/transfers/{transfer.pk}/": ("budgets.approve", {"decision": "approve"}),
        "/budgets/rates/": (
            "budgets.manage",
            {"currency": "EUR", "day": "2026-01-01", "rate": "1"},
        ),
        "/budgets/threshold/": ("budgets.approve", {"approval_threshold": "5"}),
        "/budgets/alerts/": (
            "budgets.approve",
            {"overspend_tolerance": "0.1", "underspend_below": "0.5", "pacing_tolerance": "0.3"},
        ),
        "/vendors/": ("budgets.manage", {"name": "New", "kind": "vendor"}),
        "/budgets/close/month/": ("budgets.manage", {"month": "2031-01"}),
        "/budgets/close/reopen/": ("budgets.approve", {"month": "2031-02", "reason": "x"}),
        f"/orders/{order.pk}/": (
            "budgets.manage",
            {"number": "I", "invoiced_on": "2026-03-02", "amount": "1"},
        ),
    }

    def ledger():
        return (
            sorted(PlanNode.objects.values_list("name", flat=True)),
            sorted(BudgetLine.objects.values_list("channel", "month", "amount_base")),
            sorted(BudgetTransfer.objects.values_list("status", flat=True)),
            sorted(Vendor.objects.values_list("name", flat=True)),
            order.invoices.count(),
            sorted(ClosedMonth.objects.values_list("month", flat=True)),
        )

    for role, (_, client, _) in people.items():
        for url, permission in views.items():
            status = client.get(url).status_code
            assert status == (200 if allows(role, permission) else 403), (url, role, status)
        for url, (permission, body) in writes.items():
            if allows(role, permission):
                continue
            before, audit_before = ledger(), AuditEntry.objects.count()
            assert client.post(url, body).status_code == 403, (url, role)
            assert ledger() == before and AuditEntry.objects.count() == audit_before
