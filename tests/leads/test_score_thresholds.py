"""Score thresholds on the scoring page and over the API (``/api/leads/settings/
score-thresholds``): one per stage a lead moves from, to a later stage that is not
lost; refusals named by their field with nothing written; every write audited; a
threshold set there moves a lead at its next rescore."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core import feed
from pacer.core.models import AuditEntry, Role
from pacer.ingest.processing import process_pending
from pacer.leads import actions, scoring
from pacer.leads.models import Lead, ScoreRule, ScoreThreshold, StageChange
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db
URL = "/api/leads/settings/score-thresholds"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALL_STAGES = (  # the labels the user sees, not the keys
    "Subscriber, Lead, Marketing qualified lead, Sales qualified lead, Opportunity, Customer, "
    "Disqualified"
)


def _auth(workspace, user) -> dict:
    _, token = core_actions.issue_api_key(workspace, "personal", "test", user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}


def _stored() -> list[tuple]:
    found = ScoreThreshold.objects.order_by("from_stage")
    return list(found.values_list("from_stage", "to_stage", "score"))


def test_the_api_sets_replaces_lists_and_removes_thresholds_audited(workspace, admin):
    auth, client = _auth(workspace, admin), Client()
    made = client.put(f"{URL}/lead", {"to_stage": "mql", "score": 30}, **auth)
    assert made.status_code == 200
    assert made.json() == {"from_stage": "lead", "to_stage": "mql", "score": 30.0}
    assert client.put(f"{URL}/mql", {"to_stage": "sql", "score": 80}, **auth).status_code == 200
    replaced = client.put(f"{URL}/lead", {"to_stage": "sql", "score": 25.5}, **auth)
    assert replaced.json() == {"from_stage": "lead", "to_stage": "sql", "score": 25.5}
    assert client.get(URL, **auth).json() == [
        {"from_stage": "lead", "to_stage": "sql", "score": 25.5},
        {"from_stage": "mql", "to_stage": "sql", "score": 80.0},
    ]
    entries = list(
        AuditEntry.objects.filter(action="leads.score_threshold")
        .order_by("id")
        .values_list("actor__username", "before", "after")
    )
    assert entries == [
        ("ada", None, {"from_stage": "lead", "to_stage": "mql", "score": 30.0}),
        ("ada", None, {"from_stage": "mql", "to_stage": "sql", "score": 80.0}),
        (
            "ada",
            {"from_stage": "lead", "to_stage": "mql", "score": 30.0},
            {"from_stage": "lead", "to_stage": "sql", "score": 25.5},
        ),
    ]
    assert client.delete(f"{URL}/mql", **auth).status_code == 204
    assert _stored() == [("lead", "sql", 25.5)]
    last = AuditEntry.objects.filter(action="leads.score_threshold").latest("id")
    assert (last.before, last.after) == (
        {"from_stage": "mql", "to_stage": "sql", "score": 80.0},
        None,
    )
    unknown = client.put(f"{URL}/vip", {"to_stage": "sql", "score": 5}, **auth)
    assert unknown.status_code == 404 and unknown.json()["errors"] == {
        "from_stage": "no such stage in this workspace"
    }
    gone = client.delete(f"{URL}/mql", **auth)
    assert gone.status_code == 404 and gone.json()["errors"] == {
        "from_stage": "this stage has no score threshold"
    }


@pytest.mark.parametrize(
    ("from_stage", "body", "errors"),
    [
        (
            "lead",
            {"to_stage": "lead", "score": 5},
            {"to_stage": "must come after Lead in the stage list"},
        ),
        (
            "mql",
            {"to_stage": "subscriber", "score": 5},
            {"to_stage": "must come after Marketing qualified lead in the stage list"},
        ),
        (
            "lead",
            {"to_stage": "disqualified", "score": 5},
            {
                "to_stage": "must not be Disqualified, a lost stage (it needs a reason a score "
                "cannot give)"
            },
        ),
        (
            "lead",
            {"to_stage": "vip", "score": 5},
            {"to_stage": "must be a stage: " + ALL_STAGES},
        ),
        (
            "customer",
            {"to_stage": "customer", "score": 5},
            {
                "from_stage": "must be an open stage: Subscriber, Lead, Marketing qualified "
                "lead, Sales qualified lead, Opportunity"
            },
        ),
    ],
)
def test_a_refused_threshold_names_its_field_and_changes_nothing(
    workspace, admin, from_stage, body, errors
):
    auth, client = _auth(workspace, admin), Client()
    client.put(f"{URL}/lead", {"to_stage": "mql", "score": 30}, **auth)
    client.put(f"{URL}/mql", {"to_stage": "sql", "score": 80}, **auth)
    audits = AuditEntry.objects.count()
    refused = client.put(f"{URL}/{from_stage}", body, **auth)
    assert refused.status_code == 422 and refused.json()["errors"] == errors
    assert _stored() == [("lead", "mql", 30.0), ("mql", "sql", 80.0)]
    assert AuditEntry.objects.count() == audits


def test_a_score_out_of_range_or_not_a_number_is_refused(workspace, admin):
    auth, client = _auth(workspace, admin), Client()
    for score in (2_000_001, "many", None):
        refused = client.put(f"{URL}/lead", {"to_stage": "mql", "score": score}, **auth)
        assert refused.status_code == 422
    assert not ScoreThreshold.objects.exists()
    assert not AuditEntry.objects.filter(action="leads.score_threshold").exists()


def test_staff_may_not_set_thresholds(workspace, admin):
    staff = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    auth, client = _auth(workspace, staff), Client()
    assert client.put(f"{URL}/lead", {"to_stage": "mql", "score": 3}, **auth).status_code == 403
    assert client.get(URL, **auth).status_code == 403
    client.force_login(staff)
    body = {"form": "threshold", "from_stage": "lead", "to_stage": "mql", "score": "3"}
    assert client.post("/leads/scoring/", body).status_code == 403
    assert client.post("/leads/scoring/thresholds/lead/delete/").status_code == 403
    assert not ScoreThreshold.objects.exists()


def test_the_page_sets_refuses_and_removes_a_threshold_that_then_moves_a_lead(workspace, admin):
    client = Client()
    client.force_login(admin)
    refused = client.post(
        "/leads/scoring/",
        {"form": "threshold", "from_stage": "lead", "to_stage": "lead", "score": "ten"},
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert refused.context["errors"] == {
        "to_stage": "must come after Lead in the stage list",
        "score": "must be a number",
    }
    assert error_links(html) == ["field-to_stage", "field-score"]
    assert broken_error_links(html) == []  # each lands on its field
    assert 'value="ten"' in html  # what was typed, shown again
    assert not ScoreThreshold.objects.exists()
    saved = client.post(
        "/leads/scoring/",
        {"form": "threshold", "from_stage": "lead", "to_stage": "mql", "score": "12"},
    )
    assert saved.status_code == 302 and _stored() == [("lead", "mql", 12.0)]
    shown = client.get("/leads/scoring/").content.decode()
    table = shown.split('id="score-thresholds"')[1].split("</table>")[0]
    cells = [c.split("</td>")[0] for c in table.split("<td")[1:]]
    assert [c.split(">", 1)[1] for c in cells] == ["Lead", "12.00", "Marketing qualified lead"]

    ScoreRule.objects.create(
        workspace=workspace, name="named", kind="fit", field="first_name", points=12
    )
    actions.capture(
        workspace,
        {"email": "a@x.test", "first_name": "Ann", "submission_id": "s1"},
        source="api",
        received_at=NOW,
    )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    lead = Lead.objects.get()
    scoring.score_leads(workspace, [lead], NOW)
    lead.refresh_from_db()
    assert (lead.score, lead.stage) == (12.0, "mql")
    assert StageChange.objects.filter(lead=lead, to_stage="mql").get().by == "rule:score>=12"

    assert client.post("/leads/scoring/thresholds/lead/delete/").status_code == 302
    assert not ScoreThreshold.objects.exists()
    assert client.post("/leads/scoring/thresholds/lead/delete/").status_code == 404
