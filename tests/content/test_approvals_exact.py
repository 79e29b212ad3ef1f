"""The exact behaviour of content's approval gate and moves (``pacer.content.actions``
``transition``, ``vote``, ``reschedule`` and the publishing hand-off): each refusal's
field and words with the item, its steps and the audit unchanged; the state, times,
comments, flags and audit entry after each move. Written against the survivors of the
first mutation sample of the module (docs/testing.md, stop 37)."""

from datetime import UTC, date, datetime

import pytest

from pacer.content import actions, assets, selectors
from pacer.content.models import (
    ApprovalStep,
    Asset,
    ContentFlag,
    ContentItem,
    Handoff,
    VersionComment,
)
from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.messaging import webhooks
from pacer.messaging.models import Template
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def _entries(action: str) -> list[tuple]:
    return list(
        AuditEntry.objects.filter(action=action)
        .order_by("pk")
        .values_list("actor_label", "object_type", "object_id", "before", "after")
    )


def _refused(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        call(*args, **kwargs)
    return refused.value.errors


def _item(workspace, team, plan, **extra):
    values = {"title": "Spring launch", "kind": "blog_post", "body": "v1"}
    values.update(extra)
    return actions.create_item(workspace, reviewers=plan, owner=team["editor"], **values)


def _in_review(workspace, team, plan, **extra):
    item = _item(workspace, team, plan, **extra)
    actions.transition(item, "draft")
    actions.transition(item, "in_review")
    item.refresh_from_db()
    return item


def _steps(item) -> list[ApprovalStep]:
    return list(ApprovalStep.objects.filter(item=item).order_by("version__number", "position"))


def _approve_all(item, team):
    for who in ("legal", "brand"):
        actions.vote(selectors.open_step_for(item, team[who]), "approved", user=team[who])
    item.refresh_from_db()


def _asset(workspace, item, territory="", **rights):
    """An asset the item uses, its rights then set as given (as if changed later)."""
    asset = assets.upload_asset(workspace, name="Beach", filename="b.png", data=png(8, 6))
    assets.use_asset(item, asset, territory=territory)
    Asset.objects.filter(pk=asset.pk).update(**rights)
    return asset


# --- transition ------------------------------------------------------------------------


def test_a_move_is_audited_with_its_actor_and_both_states(workspace, team, plan):
    item = _item(workspace, team, plan)
    moved = actions.transition(item, "draft", actor=team["editor"])
    assert moved.state == "draft"
    item.refresh_from_db()
    assert (item.state, item.published_at) == ("draft", None)
    assert _entries("content.transition") == [
        ("eve", "ContentItem", str(item.pk), {"state": "idea"}, {"state": "draft"})
    ]


def test_a_state_with_no_moves_out_says_it_may_become_nothing(workspace, team, plan):
    rows = [
        {"key": "idea", "label": "Idea", "moves_to": ["done"]},
        {"key": "done", "label": "Done", "terminal": True},
    ]
    actions.save_workflow(workspace, rows)
    item = _item(workspace, team, plan)
    actions.transition(item, "done")
    assert _refused(actions.transition, item, "idea") == {
        "state": "a done item cannot become idea (it may become nothing)"
    }


def test_review_needs_a_plan_and_opens_its_steps_once(workspace, team, plan):
    bare = _item(workspace, team, [])
    actions.transition(bare, "draft")
    assert _refused(actions.transition, bare, "in_review") == {
        "reviewers": "name at least one reviewer first"
    }
    bare.refresh_from_db()
    assert bare.state == "draft" and ApprovalStep.objects.count() == 0
    item = _in_review(workspace, team, plan)
    actions.transition(item, "draft")
    actions.transition(item, "in_review")  # the same version again: the same two steps
    assert [(s.position, s.name, s.reviewer_id) for s in _steps(item)] == [
        (1, "Legal", team["legal"].pk),
        (2, "Brand", team["brand"].pk),
    ]


def test_scheduling_needs_a_day_even_when_every_step_is_approved(workspace, team, plan):
    item = _in_review(workspace, team, plan)
    _approve_all(item, team)
    assert item.state == "approved"
    assert _refused(actions.transition, item, "scheduled") == {
        "scheduled_for": "set a date before scheduling"
    }
    item.refresh_from_db()
    assert item.state == "approved" and len(_entries("content.transition")) == 2


def test_the_rights_are_checked_on_the_scheduled_day_or_today(workspace, team, plan):
    unscheduled = _in_review(workspace, team, plan)
    _asset(workspace, unscheduled, rights_end=date(2026, 3, 5))
    _approve_all(unscheduled, team)
    assert unscheduled.state == "approved"  # today (2 March) is inside the rights
    later = _in_review(workspace, team, plan, scheduled_for=DAY)
    _asset(workspace, later, rights_end=date(2026, 3, 5))
    _approve_all(later, team)
    assert later.state == "in_review"  # every step approved, but not on 10 March
    assert _refused(actions.transition, later, "approved") == {
        "state": "cannot become approved: 'Beach' may be used until 2026-03-05, not on 2026-03-10"
    }


def test_publishing_stamps_the_time_and_resolves_the_items_open_flags(workspace, team, plan):
    item = _in_review(workspace, team, plan, scheduled_for=DAY)
    asset = _asset(workspace, item)
    flag = ContentFlag.objects.create(
        workspace=workspace,
        item=item,
        asset=asset,
        withdrawn_at=NOW,
        kind="in_progress",
        reason="expired",
        state_before="draft",
        created_at=NOW,
    )
    actions.transition(item, "draft")  # a state that needs no approval: still open
    flag.refresh_from_db()
    assert flag.resolved_at is None
    actions.transition(item, "in_review")
    _approve_all(item, team)
    flag.refresh_from_db()
    assert flag.resolved_at is None  # a vote does not resolve it
    actions.transition(item, "published")
    item.refresh_from_db()
    flag.refresh_from_db()
    assert (item.state, item.published_at, flag.resolved_at) == ("published", NOW, NOW)


def test_archiving_resolves_the_open_flags(workspace, team, plan):
    item = _item(workspace, team, plan)
    asset = _asset(workspace, item)
    values = {"kind": "in_progress", "reason": "r", "state_before": "idea", "created_at": NOW}
    flag = ContentFlag.objects.create(
        workspace=workspace, item=item, asset=asset, withdrawn_at=NOW, **values
    )
    actions.transition(item, "archived")
    flag.refresh_from_db()
    assert flag.resolved_at == NOW


def test_a_version_is_handed_off_once_however_often_it_is_published(workspace, team, plan):
    item = _in_review(workspace, team, plan, kind="email", body="<p>Hi</p>", channel="email")
    _approve_all(item, team)
    actions.transition(item, "published")
    for state in ("archived", "draft", "in_review", "approved", "published"):
        actions.transition(item, state)
    assert Handoff.objects.filter(item=item).count() == 1
    assert Template.objects.filter(workspace=workspace).count() == 1


def test_an_email_template_takes_the_first_150_characters_of_the_title(workspace, team, plan):
    title = "A" * 150 + "B" * 50
    item = _in_review(workspace, team, plan, kind="email", body="<p>Hi</p>", title=title)
    _approve_all(item, team)
    actions.transition(item, "published")
    template = Template.objects.get(workspace=workspace)
    assert (template.name, template.subject) == ("A" * 150 + " (version 1)", title)


def test_an_email_messaging_refuses_for_more_than_its_name_is_not_published(workspace, team, plan):
    item = _in_review(workspace, team, plan, kind="email", body="<p>{% if %}</p>")
    _approve_all(item, team)
    errors = _refused(actions.transition, item, "published")
    assert list(errors) == ["html"]
    item.refresh_from_db()
    assert (item.state, item.published_at) == ("approved", None)
    assert not Handoff.objects.exists() and not Template.objects.exists()


def test_the_webhook_carries_the_published_version(workspace, team, plan):
    webhooks.add_webhook(
        workspace, url="https://hooks.example.com/in", event_types=["content.published"]
    )
    item = _in_review(workspace, team, plan, kind="ad", channel="paid_social", body="Buy")
    _approve_all(item, team)
    actions.transition(item, "published")
    delivery = webhooks.WebhookDelivery.objects.get()
    assert delivery.key == f"content.published:{item.pk}:1"
    assert delivery.payload == {
        "type": "content.published",
        "timestamp": NOW.isoformat(),
        "data": {
            "id": item.pk,
            "title": "Spring launch",
            "kind": "ad",
            "channel": "paid_social",
            "version": 1,
            "body": "Buy",
        },
    }
    handoff = Handoff.objects.get()
    assert (handoff.version.number, handoff.target, handoff.reference) == (
        1,
        "webhook",
        "1 endpoint(s)",
    )


# --- vote ------------------------------------------------------------------------------


def test_a_bad_decision_or_comment_is_refused_before_anything_is_read(workspace, team, plan):
    item = _in_review(workspace, team, plan)
    legal = _steps(item)[0]
    assert _refused(actions.vote, legal, "maybe", user=team["legal"], comment="x" * 5001) == {
        "comment": "must be at most 5000 characters",
        "decision": "must be approved or rejected",
    }
    assert _refused(actions.vote, legal, "pending", user=team["legal"]) == {
        "decision": "must be approved or rejected"
    }
    assert _refused(actions.vote, legal, "rejected", user=team["legal"], comment=" ") == {
        "comment": "say why it is rejected"
    }
    legal.refresh_from_db()
    assert (legal.decision, legal.decided_at) == ("pending", None)
    assert not VersionComment.objects.exists()


def test_who_votes_in_what_order_on_which_version_is_refused_in_words(workspace, team, plan):
    item = _in_review(workspace, team, plan)
    legal, brand = _steps(item)
    assert _refused(actions.vote, brand, "approved", user=team["legal"]) == {
        "step": "only the named reviewer may vote on 'Brand'"
    }
    assert _refused(actions.vote, brand, "approved", user=team["brand"]) == {
        "step": "'Legal' comes first"
    }
    actions.vote(legal, "approved", user=team["legal"])
    assert _refused(actions.vote, legal, "rejected", user=team["legal"], comment="no") == {
        "step": "'Legal' is already approved"
    }
    actions.save_version(item, "v2")
    assert _refused(actions.vote, brand, "approved", user=team["brand"]) == {
        "step": "this step is for an older version"
    }
    brand.refresh_from_db()
    assert brand.decision == "pending"
    assert len(_entries("content.approved")) == 1


def test_each_vote_is_stamped_commented_and_audited(workspace, team, plan):
    item = _in_review(workspace, team, plan)
    legal, brand = _steps(item)
    actions.vote(legal, "approved", user=team["legal"])
    actions.vote(brand, "approved", user=team["brand"], comment=" fine ")
    legal.refresh_from_db()
    brand.refresh_from_db()
    assert [(s.decision, s.comment, s.decided_at) for s in (legal, brand)] == [
        ("approved", "", NOW),
        ("approved", "fine", NOW),
    ]
    assert list(VersionComment.objects.values_list("author", "body")) == [
        (team["brand"].pk, "Brand: approved. fine")
    ]
    assert _entries("content.approved") == [
        ("lee", "ApprovalStep", str(legal.pk), None, {"step": "Legal", "item_state": "in_review"}),
        ("bo", "ApprovalStep", str(brand.pk), None, {"step": "Brand", "item_state": "approved"}),
    ]


def test_a_rejection_is_audited_with_the_state_it_sent_the_item_to(workspace, team, plan):
    item = _in_review(workspace, team, plan)
    legal = _steps(item)[0]
    actions.vote(legal, "rejected", user=team["legal"], comment="needs a source")
    item.refresh_from_db()
    assert item.state == "draft"
    assert _entries("content.rejected") == [
        ("lee", "ApprovalStep", str(legal.pk), None, {"step": "Legal", "item_state": "draft"})
    ]
    assert list(VersionComment.objects.values_list("body", flat=True)) == [
        "Legal: rejected. needs a source"
    ]


def test_a_vote_on_an_item_taken_out_of_review_leaves_its_state(workspace, team, plan):
    item = _in_review(workspace, team, plan)
    actions.transition(item, "draft")
    _approve_all(item, team)  # its steps stay open to their reviewers
    assert item.state == "draft"
    legal = _steps(item)[0]
    assert _entries("content.approved")[0][4] == {"step": "Legal", "item_state": "draft"}
    assert legal.decision == "approved"


def test_a_rejection_in_a_review_with_no_way_back_leaves_the_item_in_review(workspace, team):
    rows = [
        {"key": "idea", "label": "Idea", "moves_to": ["check"]},
        {"key": "check", "label": "Check", "review": True, "moves_to": ["live"]},
        {"key": "live", "label": "Live", "needs_approval": True, "terminal": True},
    ]
    actions.save_workflow(workspace, rows)
    plan = [{"name": "Legal", "reviewer": team["legal"].pk}]
    item = _item(workspace, team, plan)
    actions.transition(item, "check")
    actions.vote(_steps(item)[0], "rejected", user=team["legal"], comment="no")
    item.refresh_from_db()
    assert item.state == "check"


# --- reschedule ------------------------------------------------------------------------


def test_a_new_day_keeps_the_time_of_day_and_is_audited(workspace, team, plan):
    item = _item(workspace, team, plan, scheduled_for=DAY)
    actions.reschedule(item, "2026-03-14", actor=team["editor"])
    item.refresh_from_db()
    assert item.scheduled_for == datetime(2026, 3, 14, 14, 30, tzinfo=UTC)
    actions.reschedule(item, date(2026, 3, 15))
    item.refresh_from_db()
    assert item.scheduled_for == datetime(2026, 3, 15, 14, 30, tzinfo=UTC)
    assert _entries("content.reschedule") == [
        (
            "eve",
            "ContentItem",
            str(item.pk),
            {"scheduled_for": "2026-03-10 14:30:00+00:00"},
            {"scheduled_for": "2026-03-14 14:30:00+00:00"},
        ),
        (
            "system",
            "ContentItem",
            str(item.pk),
            {"scheduled_for": "2026-03-14 14:30:00+00:00"},
            {"scheduled_for": "2026-03-15 14:30:00+00:00"},
        ),
    ]


def test_an_unscheduled_item_moved_to_a_day_goes_at_nine_or_at_the_time_given(
    workspace, team, plan
):
    item = _item(workspace, team, plan)
    actions.reschedule(item, "2026-03-14")
    item.refresh_from_db()
    assert item.scheduled_for == datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    other = _item(workspace, team, plan)
    actions.reschedule(other, "2026-03-14T16:45")
    other.refresh_from_db()
    assert other.scheduled_for == datetime(2026, 3, 14, 16, 45, tzinfo=UTC)
    actions.reschedule(other, datetime(2026, 3, 20, 8, 15, tzinfo=UTC))
    other.refresh_from_db()
    assert other.scheduled_for == datetime(2026, 3, 20, 8, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        ("2026-02-31", "must be a date (YYYY-MM-DD)"),
        ("", "must not be empty"),
        (None, "must not be empty"),
        ("soon after", "must be a date (YYYY-MM-DD)"),  # ten characters: read as a day
        ("in two weeks", "must be a date (YYYY-MM-DD) or a date and time"),
        ("1899-12-31", "must be between 1900-01-01 and 2199-12-31"),
    ],
)
def test_a_bad_day_is_refused_and_the_item_stays(workspace, team, plan, when, reason):
    item = _item(workspace, team, plan, scheduled_for=DAY)
    assert _refused(actions.reschedule, item, when) == {"day": reason}
    item.refresh_from_db()
    assert item.scheduled_for == DAY and _entries("content.reschedule") == []


@pytest.mark.parametrize("state", ["published", "archived"])
def test_a_published_or_archived_item_is_not_moved(workspace, team, plan, state):
    item = _item(workspace, team, plan, scheduled_for=DAY)
    ContentItem.objects.filter(pk=item.pk).update(state=state)
    assert _refused(actions.reschedule, item, "2026-03-14") == {
        "day": f"a {state} item cannot be rescheduled"
    }
    item.refresh_from_db()
    assert item.scheduled_for == DAY


def test_a_scheduled_item_is_moved_only_to_a_day_its_assets_rights_cover(workspace, team, plan):
    item = _in_review(workspace, team, plan, scheduled_for=DAY)
    _asset(workspace, item, rights_end=date(2026, 3, 12))
    _approve_all(item, team)
    actions.transition(item, "scheduled")
    assert _refused(actions.reschedule, item, "2026-03-14") == {
        "day": "'Beach' may be used until 2026-03-12, not on 2026-03-14"
    }
    item.refresh_from_db()
    assert item.scheduled_for == DAY
    actions.reschedule(item, "2026-03-12")
    item.refresh_from_db()
    assert item.scheduled_for == datetime(2026, 3, 12, 14, 30, tzinfo=UTC)


def test_a_draft_may_move_past_its_assets_rights(workspace, team, plan):
    item = _item(workspace, team, plan, scheduled_for=DAY)
    _asset(workspace, item, rights_end=date(2026, 3, 12))
    actions.transition(item, "draft")
    actions.reschedule(item, "2026-03-14")
    item.refresh_from_db()
    assert item.scheduled_for == datetime(2026, 3, 14, 14, 30, tzinfo=UTC)


def test_an_asset_licensed_for_the_items_channel_and_territory_lets_it_through(
    workspace, team, plan
):
    item = _in_review(workspace, team, plan, kind="ad", channel="paid_social", scheduled_for=DAY)
    rights = {"territories": ["US"], "channels": ["paid_social"], "rights_end": date(2026, 3, 31)}
    _asset(workspace, item, territory="US", **rights)
    _approve_all(item, team)
    assert item.state == "approved"  # its use in the US on paid social is licensed
    actions.transition(item, "scheduled")
    actions.reschedule(item, "2026-03-20")
    item.refresh_from_db()
    assert (item.state, item.scheduled_for) == (
        "scheduled",
        datetime(2026, 3, 20, 14, 30, tzinfo=UTC),
    )
