"""Stage moves, the stage list and the leads made from events, checked exactly
(``pacer.leads.actions``' ``move_stage``, ``set_stages`` and ``record_leads``): each
refusal's field and words with the lead, its history and the list unchanged, the state
and history after a move, the rows and audit entry of a new list."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import actions as core_actions
from pacer.core import feed
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.ingest.actions import ingest
from pacer.ingest.models import Event
from pacer.ingest.processing import process_pending
from pacer.ingest.selectors import events_named
from pacer.leads import actions
from pacer.leads.locating import configure
from pacer.leads.models import Lead, LeadStage, StageChange
from pacer.people.actions import upsert_locations
from tests.leads.test_followup import agent, lead_at, member, sla

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)
FORM = {"source": "form", "received_at": NOW}
DEFAULTS = ["subscriber", "lead", "mql", "sql", "opportunity", "customer", "disqualified"]


def _lead(workspace, sid="s1", **data) -> Lead:
    given = {"email": f"{sid}@b.test", "submission_id": sid} | data
    actions.capture(workspace, given, source="form", received_at=NOW)
    process_pending(workspace)
    while feed.deliver_all():
        pass
    event = Event.objects.get(workspace=workspace, message_id=f"lead:{sid}:lead")
    return Lead.objects.get(workspace=workspace, event_id=event.pk)


def _state(lead) -> tuple:
    fresh = Lead.objects.get(pk=lead.pk)
    history = [
        (h.from_stage, h.to_stage, h.at, h.by, h.reason, h.actor_id)
        for h in StageChange.objects.filter(lead=lead).order_by("id")
    ]
    return fresh.stage, fresh.stage_changed_at, fresh.reason, history


@pytest.mark.parametrize(
    ("to_stage", "reason", "errors"),
    [
        ("won-ish", "", {"stage": f"must be one of {', '.join(DEFAULTS)}"}),
        ("lead", "", {"stage": "the lead is already in 'lead'"}),
        ("disqualified", "", {"reason": "is required to move a lead to 'disqualified'"}),
        ("disqualified", "   ", {"reason": "is required to move a lead to 'disqualified'"}),
        ("disqualified", None, {"reason": "is required to move a lead to 'disqualified'"}),
        ("disqualified", "r" * 501, {"reason": "must be at most 500 characters"}),
        ("mql", "r" * 501, {"reason": "must be at most 500 characters"}),
    ],
)
def test_a_refused_move_names_its_field_and_changes_nothing(workspace, to_stage, reason, errors):
    lead = _lead(workspace)
    before = _state(lead)
    with pytest.raises(ValidationFailed) as refused:
        actions.move_stage(workspace, lead.pk, to_stage, at=LATER, reason=reason)
    assert refused.value.errors == errors
    assert _state(lead) == before == ("lead", NOW, "", [("", "lead", NOW, "capture", "", None)])


def test_a_lead_of_another_workspace_is_not_found(workspace):
    lead = _lead(workspace)
    other = core_actions.create_workspace("Other", slug="other")
    with pytest.raises(ValidationFailed) as refused:
        actions.move_stage(other, lead.pk, "mql", at=LATER)
    assert refused.value.errors == {"lead_id": "no such lead in this workspace"}
    assert _state(lead)[0] == "lead" and StageChange.objects.count() == 1


def test_moves_record_who_when_and_why_and_only_a_lost_stage_keeps_the_reason(workspace, admin):
    lead = _lead(workspace)
    hour = timedelta(hours=1)
    moved = actions.move_stage(workspace, lead.pk, "mql", at=NOW + hour, actor=admin, reason=" a ")
    assert (moved.stage, moved.stage_changed_at, moved.reason) == ("mql", NOW + hour, "")
    actions.move_stage(
        workspace,
        lead.pk,
        "disqualified",
        at=NOW + 2 * hour,
        by="rule:spam",
        reason=" " + "r" * 500,
    )
    assert _state(lead)[:3] == ("disqualified", NOW + 2 * hour, "r" * 500)
    actions.move_stage(workspace, lead.pk, "customer", at=NOW + 3 * hour, reason="paid")
    assert _state(lead) == (
        "customer",
        NOW + 3 * hour,
        "",
        [
            ("", "lead", NOW, "capture", "", None),
            ("lead", "mql", NOW + hour, "user", "a", admin.pk),
            ("mql", "disqualified", NOW + 2 * hour, "rule:spam", "r" * 500, None),
            ("disqualified", "customer", NOW + 3 * hour, "user", "paid", None),
        ],
    )
    assert StageChange.objects.filter(workspace=workspace).count() == 4


STAGES = [
    {"key": "new", "label": " New "},
    {"key": "talking", "label": "Talking", "kind": "open"},
    {"key": "won", "label": "Won", "kind": "won"},
    {"key": "gone", "label": "L" * 100, "kind": "lost"},
]


def _listed(workspace) -> list[tuple]:
    return list(
        LeadStage.objects.filter(workspace=workspace)
        .order_by("position")
        .values_list("key", "label", "position", "kind")
    )


def test_a_new_stage_list_is_stored_in_order_and_audited(workspace, admin):
    other = core_actions.create_workspace("Other", slug="other")
    actions.set_stages(other, [{"key": "x", "label": "X"}])
    actions.set_stages(workspace, STAGES, actor=admin)
    assert _listed(workspace) == [
        ("new", "New", 0, "open"),
        ("talking", "Talking", 1, "open"),
        ("won", "Won", 2, "won"),
        ("gone", "L" * 100, 3, "lost"),
    ]
    entry = AuditEntry.objects.filter(workspace=workspace, action="leads.stages").get()
    assert (entry.actor, entry.object_id, entry.before, entry.after) == (
        admin,
        str(workspace.pk),
        {"stages": DEFAULTS},
        {"stages": ["new", "talking", "won", "gone"]},
    )
    actions.set_stages(workspace, [{"key": "k" * 40, "label": "Only"}])
    assert _listed(workspace) == [("k" * 40, "Only", 0, "open")]
    last = AuditEntry.objects.filter(workspace=workspace, action="leads.stages").latest("id")
    assert (last.actor, last.before, last.after) == (
        None,
        {"stages": ["new", "talking", "won", "gone"]},
        {"stages": ["k" * 40]},
    )
    assert _listed(other) == [("x", "X", 0, "open")]  # the other workspace's list is its own


@pytest.mark.parametrize(
    ("rows", "errors"),
    [
        (
            [{"key": "Bad Key", "label": "x"}, {"key": "", "label": "y"}],
            {
                "stages[0].key": "must be 1-40 lower-case letters, digits, - or _",
                "stages[1].key": "must be 1-40 lower-case letters, digits, - or _",
                "stages": "leads are in lead, mql: move them first",
            },
        ),
        (
            [{"key": "lead", "label": "x"}, {"key": "k" * 41, "label": " "}],
            {
                "stages[1].key": "must be 1-40 lower-case letters, digits, - or _",
                "stages[1].label": "must be 1-100 characters",
                "stages": "leads are in mql: move them first",
            },
        ),
        (
            [{"key": "lead", "label": "x"}, {"key": "lead", "label": "l" * 101, "kind": "maybe"}],
            {
                "stages[1].key": "'lead' is listed twice",
                "stages[1].label": "must be 1-100 characters",
                "stages[1].kind": "must be one of open, won, lost",
                "stages": "leads are in mql: move them first",
            },
        ),
        (
            [
                {"key": "lead", "label": "x", "kind": "won"},
                {"key": "b", "label": "y", "kind": "lost"},
            ],
            {"stages": "needs at least one open stage"},
        ),
        ([], {"stages": "needs at least one open stage"}),
        ([{"key": "new", "label": "New"}], {"stages": "leads are in lead, mql: move them first"}),
    ],
)
def test_a_refused_stage_list_names_each_row_and_writes_nothing(workspace, admin, rows, errors):
    first, second = _lead(workspace), _lead(workspace, "s2")
    actions.move_stage(workspace, second.pk, "mql", at=LATER)
    other = core_actions.create_workspace("Other", slug="other")
    _lead(other, "s3")  # a lead of another workspace does not hold a stage of this one
    with pytest.raises(ValidationFailed) as refused:
        actions.set_stages(workspace, rows, actor=admin)
    assert refused.value.errors == errors
    assert _listed(workspace) == [] and not AuditEntry.objects.filter(action="leads.stages")
    assert first.stage == "lead"


def test_an_open_stage_list_without_lead_starts_new_leads_in_its_first_open_stage(workspace):
    actions.set_stages(
        workspace,
        [{"key": "won", "label": "W", "kind": "won"}, {"key": "fresh", "label": "F"}],
    )
    lead = _lead(workspace, form="f" * 100, product="p" * 100, location="")
    assert (lead.stage, lead.stage_changed_at, lead.created_at) == ("fresh", NOW, NOW)
    assert (lead.form, lead.product, lead.source) == ("f" * 100, "p" * 100, "form")
    assert [(h.from_stage, h.to_stage, h.at, h.by) for h in lead.history.all()] == [
        ("", "fresh", NOW, "capture")
    ]


def test_record_leads_makes_each_events_lead_once_and_says_how_many(workspace):
    utm = {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "spring"}
    actions.capture(workspace, {"email": "a@b.test", "submission_id": "r1"} | utm, **FORM)
    actions.capture(workspace, {"email": "c@d.test", "submission_id": "r2"}, **FORM)
    process_pending(workspace)  # resolved, not yet delivered to the leads subscriber
    ids = Event.objects.filter(event=actions.LEAD_EVENT).values_list("id", flat=True)
    events = events_named(workspace.pk, actions.LEAD_EVENT, min(ids), max(ids))
    assert actions.record_leads(workspace.pk, []) == 0
    assert actions.record_leads(workspace.pk, [events[0] | {"contact_id": None}, events[1]]) == 1
    assert actions.record_leads(workspace.pk, events) == 1  # the one without a contact
    assert actions.record_leads(workspace.pk, events) == 0
    rows = Lead.objects.values_list("event_id", "contact_id", "stage", "channel", "campaign")
    assert sorted(rows) == sorted(
        (e["id"], e["contact_id"], "lead", e["channel"], e["utm_campaign"]) for e in events
    )
    assert sorted(e["channel"] for e in events) == ["", "paid_search"]
    assert StageChange.objects.filter(by="capture", to_stage="lead", at=NOW).count() == 2


def test_an_sdk_lead_keeps_its_texts_cut_to_their_columns(workspace):
    long = {"form": "f" * 150, "product": "p" * 150, "source": "s" * 50}
    ingest(workspace, [_sdk("m1", long), _sdk("m2", {})], received_at=NOW)
    while feed.deliver_all():
        pass
    leads = Lead.objects.order_by("id")
    assert [(x.form, x.product, x.source) for x in leads] == [
        ("f" * 100, "p" * 100, "s" * 40),
        ("", "", "segment"),
    ]
    assert [(x.created_at, x.stage_changed_at, x.stage) for x in leads] == [(NOW, NOW, "lead")] * 2


def _sdk(message_id: str, properties: dict) -> dict:
    return {
        "type": "track",
        "event": "Lead Created",
        "messageId": message_id,
        "userId": f"u-{message_id}",
        "timestamp": NOW.isoformat(),
        "properties": properties,
    }


def test_a_lead_without_a_postal_code_is_placed_by_its_contacts_codes_centroid(workspace):
    made = upsert_locations(workspace, [{"code": "ldn", "name": "L"}, {"code": "edi", "name": "E"}])
    configure(
        workspace,
        steps=["nearest"],
        areas=[
            {"code": "ldn", "latitude": 51.5072, "longitude": -0.1276},
            {"code": "edi", "latitude": 55.9533, "longitude": -3.1883},
        ],
        centroids=[{"postal_code": "eh1 1yz", "latitude": 55.95, "longitude": -3.19}],
    )
    first = _lead(workspace, "p1", postal_code="EH1 1YZ")
    later = _lead(workspace, "p2", email="p1@b.test")  # the same person, no postal code
    assert later.contact_id == first.contact_id
    edinburgh = next(loc.pk for loc in made if loc.code == "edi")
    assert [(x.location_id, x.located_by) for x in (first, later)] == [(edinburgh, "nearest")] * 2


def test_closing_a_lead_stops_its_timers_in_the_name_of_who_closed_it(
    workspace, north, admin, clock_at
):
    arrived = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
    sla(workspace, north)
    agent(workspace, member(workspace, "ann"), north)
    lead = lead_at(workspace, arrived, clock_at)
    closed = arrived + timedelta(minutes=3)
    actions.move_stage(workspace, lead.pk, "disqualified", at=closed, reason="spam", actor=admin)
    stop = AuditEntry.objects.get(action="leads.timers.stop")
    assert (stop.actor, stop.object_id, stop.after["why"]) == (
        admin,
        str(lead.pk),
        "closed: disqualified",
    )
