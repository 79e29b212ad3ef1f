"""The forms of a lead's page (log, reply, stage, task, a task's done button), the new
lead form, the SLA page's remove buttons and a routing rule's, refused: the page again
(422) with each reason under its field (or above the form when it concerns none) and
what was typed kept, nothing written. They used to redirect with a toast, the typed
values lost."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core.models import AuditEntry
from pacer.leads import todo
from pacer.leads.models import (
    Activity,
    FollowUpTask,
    Lead,
    LeadForm,
    Notice,
    SlaPolicy,
    StageChange,
)
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
ARRIVED = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
HOSTILE = "<b>Tuesday</b> 🙂"
KEPT = "&lt;b&gt;Tuesday&lt;/b&gt; 🙂"  # typed, escaped


@pytest.fixture
def desk(workspace, north, admin, clock_at):
    """A lead of North that ann owns; the admin's browser."""
    agent(workspace, member(workspace, "ann"), north)
    lead = lead_at(workspace, ARRIVED, clock_at, 1)
    clock_at(ARRIVED + timedelta(minutes=5))
    client = Client()
    client.force_login(admin)
    return lead, client


def _written(lead) -> tuple:
    lead = Lead.objects.get(pk=lead.pk)
    return (
        (lead.stage, lead.first_response_at, lead.reason),
        Activity.objects.count(),
        StageChange.objects.count(),
        sorted(FollowUpTask.objects.values_list("pk", "title", "done_at")),
        sorted(Notice.objects.values_list("key", flat=True)),
        AuditEntry.objects.count(),
    )


def _field_error(html: str, field_id: str) -> list[str]:
    """The reasons shown under the field ``field_id``."""
    found = re.search(rf'<div class="field-error" id="{field_id}-error">(.*?)</div>', html, re.S)
    return re.findall(r"<p>(.*?)</p>", found.group(1)) if found else []


def _refused(client, path: str, data: dict) -> str:
    answer = client.post(path, data)
    assert answer.status_code == 422
    return answer.content.decode()


def test_a_refused_log_keeps_what_was_typed(desk):
    lead, client = desk
    before = _written(lead)
    html = _refused(
        client,
        f"/leads/{lead.pk}/",
        {"action": "log", "kind": "fax", "outcome": HOSTILE, "next_step": "x" * 501},
    )
    assert _field_error(html, "field-kind") == ["must be one of call, email, sms, meeting, note"]
    assert _field_error(html, "field-next_step") == ["must be at most 500 characters"]
    assert f'value="{KEPT}"' in html and f'value="{"x" * 501}"' in html
    assert _written(lead) == before


def test_a_refused_reply_keeps_its_subject_body_and_token(desk):
    lead, client = desk
    before = _written(lead)
    html = _refused(
        client,
        f"/leads/{lead.pk}/",
        {"action": "reply", "subject": "", "body": HOSTILE, "token": "typed-token-123"},
    )
    assert _field_error(html, "field-subject") == ["must be 1-200 characters"]
    assert f">\n{KEPT}</textarea>" in html
    assert 'name="token" value="typed-token-123"' in html  # the same send, not a new one
    assert _written(lead) == before


def test_a_refused_stage_move_keeps_the_stage_chosen(desk):
    lead, client = desk
    before = _written(lead)
    html = _refused(
        client, f"/leads/{lead.pk}/", {"action": "stage", "stage": "disqualified", "reason": ""}
    )
    assert _field_error(html, "field-reason") == [
        "is required to move a lead to &#x27;disqualified&#x27;"
    ]
    assert '<option value="disqualified" selected>' in html
    assert _written(lead) == before


def test_a_refused_task_keeps_its_title_and_due_time(desk):
    lead, client = desk
    before = _written(lead)
    html = _refused(
        client,
        f"/leads/{lead.pk}/",
        {"action": "task", "title": HOSTILE, "due_at": "next tuesday", "assignee": ""},
    )
    assert _field_error(html, "field-due_at") == ["must be a date and time (2026-03-31T09:30)"]
    assert f'value="{KEPT}"' in html and 'value="next tuesday"' in html
    assert _written(lead) == before


def test_a_refused_done_button_says_why_above_the_tasks(desk):
    lead, client = desk
    task = FollowUpTask.objects.get(lead=lead, key=todo.FIRST_RESPONSE)
    before = _written(lead)
    html = _refused(client, f"/leads/{lead.pk}/", {"action": "undone", "task": str(task.pk)})
    summary = html[html.index('id="tasks-h"') : html.index('id="task-form"')]
    assert "The task was not changed" in summary and "Done: the task is already open" in summary
    assert _written(lead) == before


def test_a_refused_new_lead_form_keeps_every_value(workspace, admin):
    client = Client()
    client.force_login(admin)
    audited = AuditEntry.objects.count()
    html = _refused(
        client,
        "/leads/forms/",
        {
            "key": "Spring Offer!",
            "title": HOSTILE,
            "field_email": "",
            "field_phone": "optional",
            "consent": "x" * 2001,
            "ask_location": "on",
            "thanks": "Thanks",
        },
    )
    assert _field_error(html, "field-key") == [
        "must be 1-100 lower-case letters, digits or hyphens"
    ]
    assert _field_error(html, "field-consent") == ["must be 1-2000 characters"]
    assert 'value="Spring Offer!"' in html and f'value="{KEPT}"' in html
    assert '<option value="optional" selected>' in html and 'name="ask_location" checked' in html
    assert not LeadForm.objects.exists() and AuditEntry.objects.count() == audited


def test_a_refused_policy_removal_says_why_above_the_remove_buttons(workspace, admin):
    policy = SlaPolicy.objects.create(workspace=workspace, respond_minutes=15)
    client = Client()
    client.force_login(admin)
    audited = AuditEntry.objects.count()
    html = _refused(client, f"/leads/sla/{policy.pk + 1}/delete/", {})  # a stale page's
    summary = html[html.index('id="sla-h"') : html.index('id="sla-form"')]
    assert "The policy was not removed" in summary
    assert "Policy id: no such SLA policy in this workspace" in summary
    assert list(SlaPolicy.objects.values_list("pk", flat=True)) == [policy.pk]
    assert AuditEntry.objects.count() == audited


def test_a_refused_chain_removal_says_why_above_the_remove_buttons(workspace, north, admin):
    client = Client()
    client.force_login(admin)
    audited = AuditEntry.objects.count()
    html = _refused(client, "/leads/sla/escalation/delete/", {"location": "north"})
    summary = html[html.index('id="esc-h"') : html.index('id="esc-form"')]
    assert "The chain was not removed" in summary
    assert "Location: has no escalation chain of its own" in summary
    assert AuditEntry.objects.count() == audited


def test_a_refused_rule_removal_says_why_above_the_rules(workspace, admin):
    client = Client()
    client.force_login(admin)
    audited = AuditEntry.objects.count()
    html = _refused(client, "/leads/routing/rules/3/delete/", {})  # a stale page's rule
    summary = html[html.index('id="rules-h"') : html.index('id="agents-h"')]
    assert "The rule was not removed" in summary
    assert "Position: no such rule in this workspace" in summary
    assert AuditEntry.objects.count() == audited
