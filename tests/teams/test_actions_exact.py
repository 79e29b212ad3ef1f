"""The teams' writes to the letter: each refusal's exact reasons (what the page and the API
show), the audit entry of each write with its actor, the day bounds, and an action item
completed only through its own team. Written against the survivors of a mutation sample
of ``pacer/teams/actions.py`` (docs/testing.md, stop 36)."""

from datetime import date

import pytest

from pacer.core import actions as core
from pacer.core.errors import FIRST_DAY, LAST_DAY, ValidationFailed
from pacer.core.models import AuditEntry, Membership, Role
from pacer.teams import actions
from pacer.teams.models import ReviewItem, Team, WeeklyReview

pytestmark = pytest.mark.django_db

WEEK = "2026-03-02"


@pytest.fixture
def cx(workspace) -> Team:
    return Team.objects.get(workspace=workspace, key="cx")


@pytest.fixture
def ann(workspace):
    user = core.create_user(workspace, "ann", "long-password-1", Role.MARKETER)
    return user, Membership.objects.get(workspace=workspace, user=user)


def _written():
    return (
        list(ReviewItem.objects.values_list("kind", "text", "done_at")),
        list(WeeklyReview.objects.values_list("week", "notes")),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize(
    "fields, errors",
    [
        ({"week": "2026-02-30"}, {"week": "must be a day as YYYY-MM-DD"}),
        ({"week": "1899-12-31"}, {"week": f"must be from {FIRST_DAY} to {LAST_DAY}"}),
        ({"kind": "vote"}, {"kind": "must be one of decision, action"}),
        ({"text": None}, {"text": "must not be empty"}),
        ({"notes": "x" * 20_001}, {"notes": "must be at most 20000 characters"}),
        ({"due_on": "2026-13-01"}, {"due_on": "must be a day as YYYY-MM-DD"}),
        (
            {"kind": "action", "due_on": "2026-03-09"},
            {"owner_id": "a follow-up action needs an owner"},
        ),
        (
            {"kind": "action", "owner_id": "me", "due_on": "2026-03-09"},
            {"owner_id": "must be a member's id"},
        ),
        ({"kind": "action", "owner": True}, {"due_on": "a follow-up action needs a due day"}),
        (
            {"kind": "action", "owner": True, "due_on": "2026-03-32"},
            {"due_on": "must be a day as YYYY-MM-DD"},
        ),
        (
            {"kind": "action", "owner": True, "due_on": "2026-03-01"},
            {"due_on": "must not be before the week of the review"},
        ),
    ],
)
def test_each_refused_review_item_gets_exactly_its_reasons_and_writes_nothing(
    cx, ann, fields, errors
):
    fields = {"week": WEEK, "kind": "decision", "text": "Call back", **fields}
    if fields.pop("owner", False):
        fields["owner_id"] = ann[1].pk
    before = _written()
    with pytest.raises(ValidationFailed) as refused:
        actions.add_review_item(cx, **fields)
    assert refused.value.errors == errors
    assert _written() == before


def test_an_action_due_on_the_first_day_allowed_is_kept(cx, ann):
    item = actions.add_review_item(
        cx, week=FIRST_DAY, kind="action", text="Start", owner_id=ann[1].pk, due_on="1900-01-01"
    )
    assert (item.due_on, item.review.week) == (FIRST_DAY, FIRST_DAY)  # 1900-01-01: a Monday


def test_completing_an_action_is_audited_with_its_actor(cx, ann):
    user, member = ann
    item = actions.add_review_item(
        cx, week=WEEK, kind="action", text="Staff Saturday", owner_id=member.pk, due_on="2026-03-13"
    )
    actions.complete_action(cx, item.pk, actor=user)
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.actor, entry.object_type, entry.object_id) == (
        "team.action_done",
        user,
        "ReviewItem",
        str(item.pk),
    )


def test_another_teams_open_action_is_not_completed_through_this_team(workspace, cx, ann):
    item = actions.add_review_item(
        cx, week=WEEK, kind="action", text="Staff Saturday", owner_id=ann[1].pk, due_on="2026-03-13"
    )
    brand = Team.objects.get(workspace=workspace, key="brand")
    before = _written()
    with pytest.raises(ValidationFailed) as refused:
        actions.complete_action(brand, item.pk)
    assert refused.value.errors == {"item_id": "no such follow-up action in this team"}
    assert _written() == before  # still open, nothing audited


def test_a_refused_team_key_gets_its_exact_reason_and_a_new_team_its_audit_entry(workspace, ann):
    with pytest.raises(ValidationFailed) as refused:
        actions.create_team(workspace, key="Growth Team", name="Growth")
    assert refused.value.errors == {
        "key": "use 1-40 lowercase letters, digits or '-', starting with one"
    }
    user = ann[0]
    team = actions.create_team(workspace, key="growth", name="Growth", actor=user)
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.actor, entry.object_id, entry.after["key"]) == (
        "team.create",
        user,
        str(team.pk),
        "growth",
    )


def test_a_review_item_is_audited_with_its_actor_and_what_it_records(cx, ann):
    user, member = ann
    item = actions.add_review_item(
        cx,
        week="2026-03-04",
        kind="action",
        text=" Staff Saturday ",
        owner_id=member.pk,
        due_on="2026-03-13",
        actor=user,
    )
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.actor, entry.object_id) == (
        "team.review_action",
        user,
        str(item.pk),
    )
    assert entry.after == {
        "team": "cx",
        "week": "2026-03-02",
        "text": "Staff Saturday",
        "owner": member.pk,
        "due_on": "2026-03-13",
    }


def test_a_team_updated_without_a_purpose_has_none(cx):
    team = actions.update_team(cx, name="Customer experience", member_ids=[])
    team.refresh_from_db()
    assert (team.name, team.purpose) == ("Customer experience", "")


def test_a_team_update_is_audited_with_exactly_what_changed(cx, ann):
    user, member = ann
    actions.update_team(cx, name="CX", purpose="Speed", member_ids=[member.pk], lead_id=member.pk)
    actions.update_team(cx, name="Customer experience", member_ids=[], actor=user)
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.actor) == ("team.update", user)
    assert entry.before == {
        "name": "CX",
        "purpose": "Speed",
        "lead": member.pk,
        "members": [member.pk],
    }
    assert entry.after == {
        "name": "Customer experience",
        "purpose": "",
        "lead": None,
        "members": [],
    }


def test_too_many_members_get_the_exact_reason(cx):
    with pytest.raises(ValidationFailed) as refused:
        actions.update_team(cx, name="CX", member_ids=list(range(1, 1002)))
    assert refused.value.errors == {"member_ids": "must be a list of at most 1000 member ids"}


@pytest.mark.parametrize(
    "name, purpose, errors",
    [
        (" ", "", {"name": "must not be empty"}),
        ("x" * 101, "", {"name": "must be at most 100 characters"}),
        ("CX", "x" * 301, {"purpose": "must be at most 300 characters"}),
    ],
)
def test_a_refused_name_or_purpose_gets_its_exact_reason(cx, name, purpose, errors):
    with pytest.raises(ValidationFailed) as refused:
        actions.update_team(cx, name=name, purpose=purpose, member_ids=[])
    assert refused.value.errors == errors


def test_a_purpose_of_exactly_300_characters_is_kept(cx):
    team = actions.update_team(cx, name="CX", purpose="x" * 300, member_ids=[])
    assert len(team.purpose) == 300


def test_a_target_month_is_bounded_to_the_days_allowed_and_its_reason_is_exact(cx):
    assert actions.set_target(cx, metric="leads", month=LAST_DAY, target=5).month == date(
        2199, 12, 1
    )
    with pytest.raises(ValidationFailed) as refused:
        actions.set_target(cx, metric="leads", month="1899-12", target=5)
    assert refused.value.errors == {"month": "must be from 1900-01 to 2199-12"}


def test_a_target_change_is_audited_against_that_targets_earlier_value(cx, ann):
    user, member = ann
    actions.set_target(cx, metric="leads", month="2026-03", target=40)
    actions.set_target(cx, metric="new_customers", month="2026-04", target=7)
    actions.set_target(
        cx, metric="leads", month="2026-04", target=50, owner_id=member.pk, actor=user
    )
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.actor, entry.before) == ("team.target", user, None)  # a new one
    assert entry.after == {
        "team": "cx",
        "metric": "leads",
        "month": "2026-04-01",
        "target": "50.0000",
        "owner": member.pk,
    }
    actions.set_target(cx, metric="leads", month="2026-03", target=45)
    assert AuditEntry.objects.latest("pk").before == {"target": "40.0000", "owner": None}
