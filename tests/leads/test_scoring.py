"""Rule scores: fit points from the contact, behaviour points decaying with a half-life,
thresholds that move the stage, kept current from the change feed."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import clock, feed
from pacer.ingest.actions import ingest
from pacer.ingest.processing import process_pending
from pacer.leads import actions, scoring
from pacer.leads.forms import save_form
from pacer.leads.models import Lead, ScoreRule, ScoreThreshold
from pacer.leads.scoring import rescore_open_leads

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_scores_decay_and_a_threshold_moves_the_stage(workspace, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    ScoreRule.objects.create(
        workspace=workspace, name="named", kind="fit", field="first_name", points=5
    )
    ScoreRule.objects.create(
        workspace=workspace,
        name="pricing",
        kind="behaviour",
        event="Pricing Viewed",
        points=20,
        half_life_days=7,
    )
    ScoreThreshold.objects.create(workspace=workspace, from_stage="lead", to_stage="mql", score=30)
    actions.capture(
        workspace,
        {"email": "a@x.test", "first_name": "Ann", "anonymous_id": "v1", "submission_id": "s1"},
        source="api",
        received_at=NOW,
    )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    lead = Lead.objects.get()
    assert (lead.score, lead.stage) == (5.0, "lead")

    def viewed(mid, days_ago):
        return {
            "type": "track",
            "event": "Pricing Viewed",
            "messageId": mid,
            "anonymousId": "v1",
            "timestamp": (NOW - timedelta(days=days_ago)).isoformat(),
        }

    ingest(workspace, [viewed("m1", 7)], received_at=NOW)  # 20 halved once: 10
    while feed.deliver_all():
        pass
    lead.refresh_from_db()
    assert (lead.score, lead.stage) == (15.0, "lead")
    ingest(workspace, [viewed("m2", 0)], received_at=NOW)  # + 20 = 35 >= 30
    while feed.deliver_all():
        pass
    lead.refresh_from_db()
    assert (lead.score, lead.stage) == (35.0, "mql")
    (moved,) = lead.history.filter(to_stage="mql")
    assert (moved.by, moved.at) == ("rule:score>=30", NOW)
    # two weeks later, with nothing new: the hourly loop lets the points decay
    later = NOW + timedelta(days=14)
    monkeypatch.setattr(clock, "now", lambda: later)
    rescore_open_leads()
    lead.refresh_from_db()
    assert lead.score == pytest.approx(5 + 20 * 0.5**3 + 20 * 0.5**2)
    assert lead.stage == "mql"  # thresholds move forward only from their own stage


def test_scoring_reads_the_contacts_of_all_leads_at_once(workspace, monkeypatch):
    """One contact query for a batch of leads, not one per lead."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pacer.leads.scoring import score_leads

    monkeypatch.setattr(clock, "now", lambda: NOW)
    ScoreRule.objects.create(
        workspace=workspace, name="named", kind="fit", field="first_name", points=5
    )
    for n in range(6):
        actions.capture(
            workspace,
            {
                "email": f"p{n}@x.test",
                "first_name": f"P{n}" if n % 2 else "",
                "submission_id": f"s{n}",
            },
            source="api",
            received_at=NOW,
        )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    leads = list(Lead.objects.order_by("pk"))
    with CaptureQueriesContext(connection) as queries:
        score_leads(workspace, leads, NOW)
    contact_reads = [
        q["sql"] for q in queries if 'FROM "people_contact"' in q["sql"].replace("`", '"')
    ]
    assert len(contact_reads) == 1
    assert [lead.score for lead in Lead.objects.order_by("pk")] == [0, 5, 0, 5, 0, 5]


def test_a_fit_rule_on_the_leads_form_scores_only_leads_from_that_form(workspace):
    """A fit rule may name a field of the lead itself (its form): the same contact fields,
    different forms, different scores; the score at arrival agrees."""
    ScoreRule.objects.create(
        workspace=workspace, name="visit", kind="fit", field="form", value="book-visit", points=15
    )
    ScoreRule.objects.create(
        workspace=workspace, name="phone", kind="fit", field="phone", points=10
    )
    for key in ("book-visit", "contact-us"):
        save_form(workspace, {"key": key, "title": key, "fields": {"email": "required"}}, now=NOW)
        actions.capture(
            workspace,
            {
                "email": f"{key}@x.test",
                "phone": "+15551234567",
                "form": key,
                "anonymous_id": key,
                "submission_id": key,
            },
            source="form",
            received_at=NOW,
        )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    leads = {lead.form: lead for lead in Lead.objects.all()}
    assert scoring.score_leads(workspace, leads.values(), NOW) == 0
    assert {form: Lead.objects.get(pk=lead.pk).score for form, lead in leads.items()} == {
        "book-visit": 25.0,
        "contact-us": 10.0,
    }
    rows = [
        {"contact_id": lead.contact_id, "created_at": lead.created_at, "form": form}
        for form, lead in sorted(leads.items())
    ]
    assert scoring.scores_at_arrival(workspace, rows) == [25.0, 10.0]


def test_the_hourly_round_scores_each_open_lead_once_and_ends(workspace, monkeypatch):
    """With more open leads than one run takes, the worker runs the loop again at once
    while it says so; the round must end once every lead is scored in it (a lead scored a
    moment ago is not due again), and the next hour's round scores every lead anew."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(scoring, "LEADS_PER_RUN", 2)
    ScoreRule.objects.create(
        workspace=workspace, name="named", kind="fit", field="first_name", points=5
    )
    for n in range(5):
        actions.capture(
            workspace,
            {"email": f"p{n}@x.test", "first_name": f"P{n}", "submission_id": f"s{n}"},
            source="api",
            received_at=NOW,
        )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    start = NOW + timedelta(hours=1)
    runs = []
    for second in range(6):  # the worker's back-to-back runs, a second apart
        monkeypatch.setattr(clock, "now", lambda s=second: start + timedelta(seconds=s))
        runs.append(rescore_open_leads())
    assert runs == [1, 1, 0, 0, 0, 0]
    times = sorted(Lead.objects.values_list("scored_at", flat=True))
    assert times == [start] * 2 + [start + timedelta(seconds=1)] * 2 + [
        start + timedelta(seconds=2)
    ]
    next_hour = start + timedelta(hours=1)
    monkeypatch.setattr(clock, "now", lambda: next_hour)
    assert [rescore_open_leads() for _ in range(3)] == [1, 1, 0]
    assert set(Lead.objects.values_list("scored_at", flat=True)) == {next_hour}
