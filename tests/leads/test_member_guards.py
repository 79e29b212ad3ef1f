"""Only a member whose role works leads (``leads.work``) is given leads: a partner's login
is a member of the workspace too, but it sees only the partner portal. Made an agent, a
fallback owner, an escalation step's person or a lead task's assignee, it would be handed
leads it cannot open and emailed their contacts' details (an outside organisation); the
lead page's assignee choices leave it out. Each is refused at the
field that names the login, on the actions and over the REST API, with nothing written."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry, Role
from pacer.leads import escalation, fallback, staff, todo
from pacer.leads.models import Agent, EscalationStep, FallbackOwner, FollowUpTask
from tests.api_client import ApiClient
from tests.leads.test_pages import new_lead
from tests.partner_login import partner_login

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REFUSED = "'agency-pat' may not work leads (role: Partner)"


@pytest.fixture
def outsider(workspace):
    return partner_login(workspace).username


@pytest.fixture
def api(workspace):
    boss = core_actions.create_user(workspace, "max", "correct-horse-1", Role.ADMIN)
    return ApiClient(workspace, boss)


def test_a_partners_login_is_made_no_agent(workspace, north, outsider, api):
    audited = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        staff.save_agent(workspace, {"user": outsider, "location": "north"})
    assert refused.value.errors == {"user": REFUSED}
    response = api.post("leads/settings/agents", {"user": outsider, "location": "north"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"user": REFUSED}
    assert not Agent.objects.filter(workspace=workspace).exists()
    assert AuditEntry.objects.count() == audited


def test_a_partners_login_is_made_no_fallback_owner(workspace, north, outsider, api):
    with pytest.raises(ValidationFailed) as refused:
        fallback.set_owner(workspace, "north", outsider)
    assert refused.value.errors == {"user": REFUSED}
    response = api.put("leads/settings/fallback-owners", {"location": "", "user": outsider})
    assert response.status_code == 422
    assert response.json()["errors"] == {"user": REFUSED}
    assert not FallbackOwner.objects.filter(workspace=workspace).exists()


def test_a_partners_login_is_no_escalation_steps_person(workspace, north, outsider, api):
    step = {"delay_minutes": 10, "to": "user", "user": outsider}
    with pytest.raises(ValidationFailed) as refused:
        escalation.save_chain(workspace, {"location": "", "steps": [step]})
    assert refused.value.errors == {"steps[0].user": REFUSED}
    response = api.put("leads/settings/escalation", {"location": "", "steps": [step]})
    assert response.status_code == 422
    assert response.json()["errors"] == {"steps[0].user": REFUSED}
    assert not EscalationStep.objects.filter(workspace=workspace).exists()


def test_a_staff_member_still_is_each(workspace, north, outsider):
    core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    staff.save_agent(workspace, {"user": "sam", "location": "north"})
    fallback.set_owner(workspace, "north", "sam")
    escalation.save_chain(
        workspace, {"location": "", "steps": [{"delay_minutes": 5, "to": "user", "user": "sam"}]}
    )
    assert Agent.objects.filter(workspace=workspace, user__username="sam").count() == 1
    assert FallbackOwner.objects.get(workspace=workspace).user.username == "sam"
    assert EscalationStep.objects.get(workspace=workspace).user.username == "sam"


def test_a_partners_login_is_given_no_lead_task(workspace, north, outsider, clock_at):
    clock_at(NOW)
    lead = new_lead(workspace, 1, NOW)
    login = User.objects.get(username=outsider)
    with pytest.raises(ValidationFailed) as refused:
        todo.add_task(
            workspace,
            lead.pk,
            title="Call back",
            due_at=NOW + timedelta(hours=1),
            assignee_id=login.pk,
            at=NOW,
        )
    assert refused.value.errors == {"assignee": REFUSED}
    assert not FollowUpTask.objects.filter(assignee=login).exists()
    core_actions.create_user(workspace, "max", "correct-horse-1", Role.ADMIN)
    page = Client()
    page.login(username="max", password="correct-horse-1")
    choices = dict(page.get(f"/leads/{lead.pk}/").context["members"])
    assert login.pk not in choices and User.objects.get(username="max").pk in choices
