"""Escalation per form (its own chain, none, or the default) through the action, the
form's settings page and the REST API; and escalation stops, with nothing pending and an
audit entry, when the lead is answered, won, lost or reaches any closed stage."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.leads import actions, escalation, forms
from pacer.leads.followup import log_activity
from pacer.leads.models import EscalationStep, FollowUpTask, LeadForm, Notice, Timer
from pacer.leads.timers import fire_due_timers
from tests.leads.test_escalation import RESPOND_BY
from tests.leads.test_followup import FRIDAY_LATE, agent, lead_at, member, sla

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)
LATER = datetime(2026, 4, 9, tzinfo=UTC)  # every timer of a lead of FRIDAY_LATE is due
OWNER = {"delay_minutes": 0, "to": "owner", "user": None, "address": ""}


@pytest.fixture
def team(workspace, north):
    """ann takes North's leads, max manages it, zoe is a member; forms vip, quiet, plain."""
    people = {name: member(workspace, name) for name in ("ann", "max", "zoe")}
    agent(workspace, people["ann"], north)
    agent(workspace, people["max"], north, max_open=0, is_manager=True)
    for key in ("vip", "quiet", "plain"):
        forms.save_form(
            workspace,
            {"key": key, "title": key.title(), "fields": {"email": "required"}},
            now=FRIDAY_LATE,
        )
    sla(workspace, north)
    return people


def _breaches(lead) -> list[tuple]:
    return list(
        Timer.objects.filter(lead=lead, kind="breach")
        .order_by("step")
        .values_list("step", "due_at", "target")
    )


def _escalated(lead) -> set[tuple]:
    return set(
        Notice.objects.filter(lead=lead, key__startswith="breach").values_list(
            "key", "to_user__username", "to_email"
        )
    )


def _state():
    return (
        sorted(
            EscalationStep.objects.values_list("form__key", "position", "to", "address"),
            key=str,
        ),
        sorted(LeadForm.objects.values_list("key", "escalation")),
        AuditEntry.objects.count(),
    )


def test_a_forms_own_chain_or_none_replaces_the_default_for_its_leads(
    workspace, team, north, clock_at
):
    escalation.save_chain(workspace, {"location": "north", "steps": [OWNER]})
    vip_steps = [
        {"delay_minutes": 5, "to": "user", "user": "zoe"},
        {"delay_minutes": 10, "to": "email", "address": "vip@north.test"},
    ]
    escalation.save_form_chain(workspace, "vip", {"mode": "own", "steps": vip_steps})
    escalation.save_form_chain(workspace, "quiet", {"mode": "none"})
    vip, quiet, plain, no_form = (
        lead_at(workspace, FRIDAY_LATE, clock_at, n, **({"form": form} if form else {}))
        for n, form in enumerate(("vip", "quiet", "plain", ""))
    )
    assert (vip.form, quiet.form, plain.form, no_form.form) == ("vip", "quiet", "plain", "")
    zoe = team["zoe"].pk
    assert _breaches(vip) == [
        (
            0,
            RESPOND_BY + 5 * MINUTE,
            {"delay_minutes": 5, "to": "user", "user": zoe, "address": ""},
        ),
        (
            1,
            RESPOND_BY + 10 * MINUTE,
            {"delay_minutes": 10, "to": "email", "user": None, "address": "vip@north.test"},
        ),
    ]
    assert _breaches(quiet) == []
    assert _breaches(plain) == _breaches(no_form) == [(0, RESPOND_BY, OWNER)]
    # without escalation the reminder and the re-assignment still run
    assert sorted(Timer.objects.filter(lead=quiet).values_list("kind", flat=True)) == [
        "reassign",
        "remind",
    ]
    fire_due_timers(RESPOND_BY + 20 * MINUTE)  # every step, not the re-assignment
    assert _escalated(vip) == {
        ("breach:1:0:" + str(zoe), "zoe", ""),
        ("breach:1:1:inbox", None, "vip@north.test"),
    }
    assert _escalated(quiet) == set()
    assert _escalated(plain) == {(f"breach:1:0:{team['ann'].pk}", "ann", "")}
    # back to the default: the next lead of vip follows North's chain again
    escalation.save_form_chain(workspace, "vip", {"mode": "default"})
    assert not EscalationStep.objects.filter(form__isnull=False).exists()
    again = lead_at(workspace, FRIDAY_LATE, clock_at, 9, form="vip")
    assert _breaches(again) == [(0, RESPOND_BY, OWNER)]
    assert _breaches(vip)[0][2]["user"] == zoe  # the earlier lead keeps its copy


def test_form_chains_are_audited_and_leave_the_location_chains_alone(workspace, team, admin):
    escalation.save_chain(workspace, {"location": "", "steps": [OWNER]})
    saved = escalation.save_form_chain(
        workspace, "vip", {"mode": "own", "steps": [{"delay_minutes": 0, "to": "managers"}]}
    )
    assert saved == {
        "form": "vip",
        "mode": "own",
        "steps": [{"delay_minutes": 0, "to": "managers", "user": "", "address": ""}],
    }
    escalation.save_form_chain(workspace, "vip", {"mode": "none"}, actor=admin)
    entries = list(AuditEntry.objects.filter(action="leads.escalation.form").order_by("id"))
    assert [(e.before["mode"], e.after["mode"]) for e in entries] == [
        ("default", "own"),
        ("own", "none"),
    ]
    assert entries[1].actor == admin and entries[1].after["steps"] == []
    assert escalation.chain_rows(workspace) == [
        {
            "location": "",
            "steps": [{"delay_minutes": 0, "to": "owner", "user": "", "address": ""}],
        }
    ]
    escalation.remove_chain(workspace, "")  # the form's steps are not the workspace's
    assert escalation.form_chain(workspace, "vip")["mode"] == "none"


@pytest.mark.parametrize(
    ("key", "data", "errors"),
    [
        ("vip", {"mode": "loud"}, {"mode": "must be one of default, none, own"}),
        ("vip", {"mode": "own", "steps": []}, {"steps": "must list at least one step"}),
        (
            "vip",
            {"mode": "none", "steps": [{"delay_minutes": 0, "to": "owner"}]},
            {"steps": "must be empty unless mode is own"},
        ),
        (
            "vip",
            {"mode": "own", "steps": [{"delay_minutes": 0, "to": "user", "user": "nobody"}]},
            {"steps[0].user": "no member 'nobody' in this workspace"},
        ),
        ("gone", {"mode": "none"}, {"form": "no form 'gone' in this workspace"}),
    ],
)
def test_a_refused_form_chain_names_the_field_and_writes_nothing(
    workspace, team, key, data, errors
):
    escalation.save_form_chain(workspace, "vip", {"mode": "own", "steps": [OWNER]})
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        escalation.save_form_chain(workspace, key, data)
    assert refused.value.errors == errors
    assert _state() == before


CLOSES = {
    "won": ("customer", ""),
    "lost": ("disqualified", "wrong number"),
    "closed stage of the workspace's own": ("gone", "moved away"),
}


@pytest.mark.parametrize("how", [*CLOSES, "answered"])
def test_escalation_stops_when_the_lead_is_answered_won_or_lost(
    workspace, team, north, clock_at, admin, how
):
    steps = [{"delay_minutes": 0, "to": "managers"}, {**OWNER, "delay_minutes": 10}]
    escalation.save_chain(workspace, {"location": "north", "steps": steps})
    if how.startswith("closed"):
        actions.set_stages(
            workspace,
            [{"key": "lead", "label": "Lead"}, {"key": "gone", "label": "Gone", "kind": "lost"}],
        )
    lead = lead_at(workspace, FRIDAY_LATE, clock_at)
    fire_due_timers(RESPOND_BY)  # the reminder, then the managers' step at the deadline
    at = RESPOND_BY + 5 * MINUTE
    if how == "answered":
        log_activity(workspace, lead.pk, "call", at=at, actor=admin, outcome="booked")
    else:
        stage, reason = CLOSES[how]
        actions.move_stage(workspace, lead.pk, stage, at=at, actor=admin, reason=reason)
    assert fire_due_timers(LATER) == 0
    assert _escalated(lead) == {(f"breach:1:0:{team['max'].pk}", "max", "")}
    assert sorted(Notice.objects.filter(lead=lead).values_list("key", flat=True)) == [
        "auto-reply",
        f"breach:1:0:{team['max'].pk}",
        "remind:1",
    ]
    assert not Timer.objects.filter(lead=lead, fired_at=None, cancelled_at=None).exists()
    assert set(Timer.objects.filter(lead=lead, cancelled_at=at).values_list("kind", "step")) == {
        ("breach", 1),
        ("reassign", 0),
    }
    lead.refresh_from_db()
    assert (lead.owner, lead.assignment_round) == (team["ann"], 1)  # not re-assigned
    (entry,) = AuditEntry.objects.filter(action="leads.timers.stop")
    why = "answered: call" if how == "answered" else f"closed: {CLOSES[how][0]}"
    assert (entry.object_id, entry.actor, entry.after) == (
        str(lead.pk),
        admin,
        {"why": why, "round": 1, "cancelled": ["breach:1", "reassign:0"]},
    )
    task = FollowUpTask.objects.get(lead=lead, key="first-response")
    assert (task.done_at, task.done_by) == (at, admin)


def test_a_move_between_open_stages_stops_nothing(workspace, team, north, clock_at):
    lead = lead_at(workspace, FRIDAY_LATE, clock_at)
    actions.move_stage(workspace, lead.pk, "mql", at=RESPOND_BY - MINUTE)
    assert Timer.objects.filter(lead=lead, cancelled_at=None).count() == 3
    assert not AuditEntry.objects.filter(action="leads.timers.stop").exists()
    fire_due_timers(RESPOND_BY)
    assert _escalated(lead) == {(f"breach:1:0:{team['max'].pk}", "max", "")}


def test_a_lead_whose_stage_became_closed_is_not_escalated(workspace, team, north, clock_at):
    """A stage made "won" after the lead reached it: its timers were never cancelled, and
    the loop still escalates nothing."""
    lead = lead_at(workspace, FRIDAY_LATE, clock_at)
    actions.set_stages(
        workspace,
        [{"key": "new", "label": "New"}, {"key": "lead", "label": "Signed", "kind": "won"}],
    )
    assert fire_due_timers(LATER) == 3  # claimed, and nothing done
    assert list(Notice.objects.filter(lead=lead).values_list("key", flat=True)) == ["auto-reply"]
    lead.refresh_from_db()
    assert (lead.owner, lead.assignment_round) == (team["ann"], 1)


@pytest.fixture
def api(workspace, admin):
    _, token = core_actions.issue_api_key(workspace, "personal", "t", user=admin)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


URL = "/api/leads/settings/escalation/forms"


def test_the_rest_api_reads_and_sets_a_forms_escalation(workspace, team, api):
    assert api.get(URL).json() == [
        {"form": key, "mode": "default", "steps": []} for key in ("plain", "quiet", "vip")
    ]
    body = {"mode": "own", "steps": [{"delay_minutes": 15, "to": "user", "user": "zoe"}]}
    put = api.put(f"{URL}/vip", body, content_type="application/json")
    assert put.status_code == 200, put.content
    assert put.json() == {
        "form": "vip",
        "mode": "own",
        "steps": [{"delay_minutes": 15, "to": "user", "user": "zoe", "address": ""}],
    }
    assert api.get(f"{URL}/vip").json() == put.json()
    assert api.put(f"{URL}/quiet", {"mode": "none"}, content_type="application/json").json() == {
        "form": "quiet",
        "mode": "none",
        "steps": [],
    }
    assert [row["mode"] for row in api.get(URL).json()] == ["default", "none", "own"]


@pytest.mark.parametrize(
    ("form", "body", "status", "errors"),
    [
        ("vip", {"mode": "loud"}, 422, "mode"),
        ("vip", {}, 422, "mode"),
        ("vip", {"mode": "own", "steps": [{"delay_minutes": -1, "to": "owner"}]}, 422, None),
        (
            "vip",
            {"mode": "own", "steps": [{"delay_minutes": 5, "to": "email", "address": "x"}]},
            422,
            {"steps[0].address": "must be an email address (the team's inbox)"},
        ),
        (
            "vip",
            {"mode": "default", "steps": [{"delay_minutes": 5, "to": "owner"}]},
            422,
            {"steps": "must be empty unless mode is own"},
        ),
        ("gone", {"mode": "none"}, 404, {"form": "no such form in this workspace"}),
    ],
)
def test_the_rest_api_refuses_bad_input_naming_the_field(
    workspace, team, api, form, body, status, errors
):
    before = _state()
    refused = api.put(f"{URL}/{form}", body, content_type="application/json")
    assert refused.status_code == status, refused.content
    found = refused.json()["errors"]
    if isinstance(errors, dict):
        assert found == errors
    elif errors:
        assert list(found) == [errors] or any(key.startswith(errors) for key in found)
    else:
        assert any(key.startswith("steps") for key in found), found
    assert _state() == before


def test_a_staff_member_cannot_read_or_set_a_forms_escalation(workspace, team):
    _, token = core_actions.issue_api_key(workspace, "personal", "t", user=team["ann"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(f"{URL}/vip").status_code == 403
    put = client.put(f"{URL}/vip", {"mode": "none"}, content_type="application/json")
    assert put.status_code == 403
    assert escalation.form_chain(workspace, "vip")["mode"] == "default"


@pytest.fixture
def logged_in(workspace, admin):
    client = Client()
    client.force_login(admin)
    return client


def test_the_forms_page_sets_its_escalation_and_shows_refusals_under_the_row(
    workspace, team, logged_in
):
    listed = logged_in.get("/leads/forms/")
    assert b'href="/leads/forms/vip/"' in listed.content
    page = logged_in.get("/leads/forms/vip/")
    assert page.status_code == 200
    assert b"at the deadline: the location&#x27;s managers" in page.content
    assert b'value="default" checked' in page.content
    refused = logged_in.post(
        "/leads/forms/vip/",
        {
            "mode": "own",
            "steps[0].delay_minutes": "0",
            "steps[0].to": "managers",
            "steps[2].delay_minutes": "15",
            "steps[2].to": "email",
            "steps[2].address": "not-an-address",
        },
    )
    assert refused.status_code == 422
    assert refused.context["chain_errors"] == {
        "steps[2].address": "must be an email address (the team's inbox)"
    }
    assert b'id="esc-steps-2-address-error"' in refused.content
    assert b'value="not-an-address"' in refused.content
    assert b'value="own" checked' in refused.content
    assert escalation.form_chain(workspace, "vip")["mode"] == "default"
    saved = logged_in.post(
        "/leads/forms/vip/",
        {
            "mode": "own",
            "steps[0].delay_minutes": "0",
            "steps[0].to": "owner",
            "steps[3].delay_minutes": "30",
            "steps[3].to": "user",
            "steps[3].user": "zoe",
        },
    )
    assert saved.status_code == 302
    assert escalation.form_chain(workspace, "vip")["steps"] == [
        {"delay_minutes": 0, "to": "owner", "user": "", "address": ""},
        {"delay_minutes": 30, "to": "user", "user": "zoe", "address": ""},
    ]
    again = logged_in.get("/leads/forms/vip/")
    assert b'value="own" checked' in again.content and b'value="zoe" selected' in again.content
    assert b"The form&#x27;s own chain" in logged_in.get("/leads/forms/").content
    # "no escalation" drops the steps typed below it
    none = logged_in.post(
        "/leads/forms/vip/", {"mode": "none", "steps[0].delay_minutes": "5", "steps[0].to": "owner"}
    )
    assert none.status_code == 302
    assert escalation.form_chain(workspace, "vip") == {"form": "vip", "mode": "none", "steps": []}
    missing = logged_in.post("/leads/forms/vip/", {})
    assert missing.status_code == 422
    assert missing.context["chain_errors"] == {"mode": "must be one of default, none, own"}
    assert logged_in.get("/leads/forms/gone/").status_code == 404
