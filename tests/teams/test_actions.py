"""Teams, members and lead, KPI targets and weekly reviews: what each action writes, and
that each refusal names the field and writes nothing."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry, Membership, Role, Workspace
from pacer.teams import actions
from pacer.teams.models import KpiTarget, ReviewItem, Team, TeamMember, WeeklyReview

pytestmark = pytest.mark.django_db


def _member(workspace, name, role=Role.MARKETER) -> Membership:
    user = core.create_user(workspace, name, "long-password-1", role)
    return Membership.objects.get(workspace=workspace, user=user)


def _state():
    return (
        sorted(Team.objects.values_list("key", "name", "purpose", "lead_id")),
        sorted(TeamMember.objects.values_list("team__key", "membership_id")),
        sorted(KpiTarget.objects.values_list("team__key", "metric", "month", "target")),
        sorted(ReviewItem.objects.values_list("kind", "text")),
        WeeklyReview.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_new_workspace_starts_with_the_five_default_teams_once(workspace):
    keys = list(Team.objects.filter(workspace=workspace).order_by("key").values_list("key"))
    assert keys == [("brand",), ("content",), ("cx",), ("performance",), ("product",)]
    assert actions.create_default_teams(workspace) == 0
    other = Workspace.objects.create(name="Other", slug="other")
    assert Team.objects.filter(workspace=other).count() == 5
    assert Team.objects.count() == 10


def test_create_and_update_a_team_with_members_and_a_lead(workspace):
    ann, bo = _member(workspace, "ann"), _member(workspace, "bo", Role.STAFF)
    team = actions.create_team(workspace, key="partners", name=" Partners ", purpose="Co-ops")
    assert (team.key, team.name, team.purpose) == ("partners", "Partners", "Co-ops")
    actions.update_team(team, name="Partnerships", member_ids=[ann.pk, bo.pk], lead_id=ann.pk)
    team.refresh_from_db()
    assert (team.name, team.lead_id) == ("Partnerships", ann.pk)
    assert sorted(team.members.values_list("membership_id", flat=True)) == [ann.pk, bo.pk]
    # dropping a member removes them; the lead stays a member
    actions.update_team(team, name="Partnerships", member_ids=[ann.pk], lead_id=ann.pk)
    assert list(team.members.values_list("membership_id", flat=True)) == [ann.pk]
    entry = AuditEntry.objects.filter(action="team.update").first()
    assert entry.before["members"] == [ann.pk, bo.pk] and entry.after["members"] == [ann.pk]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"key": "Bad Key", "name": "x"}, "key"),
        ({"key": "brand", "name": "x"}, "key"),  # a default team's key
        ({"key": "ok", "name": "  "}, "name"),
        ({"key": "ok", "name": "x" * 101}, "name"),
        ({"key": "ok", "name": "x", "purpose": "p" * 301}, "purpose"),
    ],
)
def test_a_refused_team_names_the_field_and_writes_nothing(workspace, fields, field):
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        actions.create_team(workspace, **fields)
    assert field in refused.value.errors
    assert _state() == before


def test_a_lead_must_be_a_member_and_members_of_this_workspace(workspace):
    ann, bo = _member(workspace, "ann"), _member(workspace, "bo")
    other = Workspace.objects.create(name="Other", slug="other")
    stranger = _member(other, "zed")
    team = Team.objects.get(workspace=workspace, key="cx")
    actions.update_team(team, name="CX", member_ids=[ann.pk], lead_id=ann.pk)
    before = _state()
    for kwargs, field in (
        ({"member_ids": [ann.pk], "lead_id": bo.pk}, "lead_id"),
        ({"member_ids": [ann.pk, stranger.pk]}, "member_ids[1]"),
        ({"member_ids": ["x"]}, "member_ids[0]"),
        ({"member_ids": "1,2"}, "member_ids"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            actions.update_team(team, name="Renamed", **kwargs)
        assert field in refused.value.errors, kwargs
        assert _state() == before


def test_a_target_is_set_per_team_metric_and_month_and_changed_in_place(workspace):
    ann = _member(workspace, "ann")
    team = Team.objects.get(workspace=workspace, key="performance")
    first = actions.set_target(team, metric="cac", month="2026-02", target="150", owner_id=ann.pk)
    again = actions.set_target(team, metric="cac", month="2026-02-17", target=140.5)
    assert first.pk == again.pk and KpiTarget.objects.count() == 1
    again.refresh_from_db()
    assert (again.month, again.target, again.owner_id) == (date(2026, 2, 1), Decimal("140.5"), None)
    entry = AuditEntry.objects.filter(action="team.target").first()
    assert entry.before == {"target": "150.0000", "owner": ann.pk}


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"metric": "happiness", "month": "2026-02", "target": 1}, "metric"),
        ({"metric": "cac", "month": "2026-13", "target": 1}, "month"),
        ({"metric": "cac", "month": "1899-12", "target": 1}, "month"),
        ({"metric": "cac", "month": "2026-02", "target": "NaN"}, "target"),
        ({"metric": "cac", "month": "2026-02", "target": "1e13"}, "target"),
        ({"metric": "cac", "month": "2026-02", "target": "lots"}, "target"),
        ({"metric": "cac", "month": "2026-02", "target": 1, "owner_id": 10**9}, "owner_id"),
    ],
)
def test_a_refused_target_names_the_field_and_writes_nothing(workspace, fields, field):
    team = Team.objects.get(workspace=workspace, key="performance")
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        actions.set_target(team, **fields)
    assert field in refused.value.errors
    assert _state() == before


def test_a_review_records_decisions_and_actions_in_the_week_and_actions_get_done(workspace):
    ann = _member(workspace, "ann")
    team = Team.objects.get(workspace=workspace, key="cx")
    actions.add_review_item(
        team, week="2026-03-04", kind="decision", text="Call back within 5 min", notes="Slow"
    )
    item = actions.add_review_item(
        team,
        week=date(2026, 3, 6),
        kind="action",
        text="Staff Saturday",
        owner_id=ann.pk,
        due_on="2026-03-13",
    )
    review = WeeklyReview.objects.get()
    assert (review.week, review.notes) == (date(2026, 3, 2), "Slow")  # the Monday
    assert [(i.kind, i.text) for i in review.items.all()] == [
        ("decision", "Call back within 5 min"),
        ("action", "Staff Saturday"),
    ]
    assert (item.owner_id, item.due_on, item.done_at) == (ann.pk, date(2026, 3, 13), None)
    actions.complete_action(team, item.pk)
    item.refresh_from_db()
    assert item.done_at is not None
    with pytest.raises(ValidationFailed) as refused:
        actions.complete_action(team, item.pk)
    assert refused.value.errors == {"item_id": "already done"}
    other_team = Team.objects.get(workspace=workspace, key="brand")
    with pytest.raises(ValidationFailed):
        actions.complete_action(other_team, item.pk)  # not its action


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"week": "2026-02-30", "kind": "decision", "text": "x"}, "week"),
        ({"week": "2026-03-02", "kind": "vote", "text": "x"}, "kind"),
        ({"week": "2026-03-02", "kind": "decision", "text": " "}, "text"),
        ({"week": "2026-03-02", "kind": "decision", "text": "x" * 501}, "text"),
        ({"week": "2026-03-02", "kind": "action", "text": "x", "due_on": "2026-03-09"}, "owner_id"),
        ({"week": "2026-03-02", "kind": "action", "text": "x", "owner_id": "me"}, "owner_id"),
        ({"week": "2026-03-02", "kind": "action", "text": "x"}, "due_on"),
        ({"week": "2026-03-02", "kind": "action", "text": "x", "due_on": "2026-03-01"}, "due_on"),
    ],
)
def test_a_refused_review_item_names_the_field_and_writes_nothing(workspace, fields, field):
    team = Team.objects.get(workspace=workspace, key="cx")
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        actions.add_review_item(team, **fields)
    assert field in refused.value.errors
    assert _state() == before
