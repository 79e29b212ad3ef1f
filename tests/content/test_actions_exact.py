"""The exact behaviour of content's writes (``pacer.content.actions``) outside the
approval gate: each refusal's field and words with nothing written, the bounds of plans,
deadlines, scheduled times and themes, the state and rows after each write, and its
audit entry (action, actor, before and after). Written against the survivors of the
first mutation sample of the module (docs/testing.md, stop 37)."""

from datetime import UTC, date, datetime

import pytest

from pacer.content import actions, selectors
from pacer.content.models import (
    ApprovalStep,
    CalendarFeed,
    ContentItem,
    ContentVersion,
    Theme,
    VersionComment,
    Workflow,
)
from pacer.core import clock
from pacer.core.actions import digest_secret
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BOUNDS = "must be between 1900-01-01 and 2199-12-31"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def _entries(action: str) -> list[tuple]:
    return list(
        AuditEntry.objects.filter(action=action)
        .order_by("pk")
        .values_list("actor_label", "object_type", "object_id", "before", "after")
    )


def _item(workspace, team, plan=(), **extra):
    values = {"title": "Spring launch", "kind": "blog_post", "body": "v1"}
    values.update(extra)
    return actions.create_item(workspace, reviewers=list(plan), actor=team["editor"], **values)


def _refused(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        call(*args, **kwargs)
    return refused.value.errors


# --- create_item: the plan, the deadline and the scheduled time --------------------------


def test_a_new_item_is_written_whole_with_its_audit_entry(workspace, team, plan):
    item = _item(workspace, team, plan, owner=team["editor"], scheduled_for="2026-03-10")
    item.refresh_from_db()
    assert (item.state, item.owner, item.approval_plan) == ("idea", team["editor"], plan)
    assert item.scheduled_for == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert list(item.versions.values_list("number", "body", "author__username")) == [
        (1, "v1", "eve")
    ]
    [(label, kind, pk, before, after)] = _entries("content.create")
    assert (label, kind, pk, before) == ("eve", "ContentItem", str(item.pk), None)
    assert (after["title"], after["state"]) == ("Spring launch", "idea")
    assert after["owner"] == team["editor"].pk
    assert after["approval_plan"] == plan


def test_an_owner_or_author_that_is_no_user_is_left_empty(workspace, team):
    item = actions.create_item(
        workspace, title="T", kind="ad", owner="eve", actor=object(), body="b"
    )
    item.refresh_from_db()
    assert item.owner is None
    assert list(item.versions.values_list("author", flat=True)) == [None]
    assert _entries("content.create")[0][0] == "system"


def test_a_new_item_starts_in_the_first_state_of_the_workspaces_workflow(workspace, team):
    rows = [
        {"key": "brief", "label": "Brief", "moves_to": ["writing"]},
        {"key": "writing", "label": "Writing", "moves_to": ["brief"]},
    ]
    actions.save_workflow(workspace, rows)
    assert _item(workspace, team).state == "brief"


def test_the_plan_takes_at_most_ten_steps_each_named_in_1_to_100_characters(workspace, team):
    step = {"name": "x" * 100, "reviewer": team["legal"].pk}
    item = _item(workspace, team, [step] * 10)
    assert item.approval_plan == [{"name": "x" * 100, "reviewer": team["legal"].pk}] * 10
    assert _refused(_item, workspace, team, [step] * 11) == {
        "reviewers": "must be a list of at most 10 steps"
    }
    long = {"name": "x" * 101, "reviewer": team["legal"].pk}
    blank = {"name": "  ", "reviewer": team["legal"].pk}
    nameless = {"reviewer": team["legal"].pk}
    assert _refused(_item, workspace, team, [long, blank, nameless, "Legal"]) == {
        f"reviewers[{i}].name": "name the step in 1-100 characters" for i in range(4)
    }
    assert ContentItem.objects.count() == 1


def test_a_plan_that_is_not_a_list_is_refused(workspace, team):
    errors = _refused(actions.set_reviewers, _item(workspace, team), "Legal")
    assert errors == {"reviewers": "must be a list of at most 10 steps"}


def test_the_plans_names_are_trimmed_and_a_steps_deadline_is_kept_as_its_day(workspace, team):
    plan = [
        {"name": " Legal ", "reviewer": team["legal"].pk, "due_on": date(2026, 3, 4)},
        {"name": "Brand", "reviewer": team["brand"].pk, "due_on": ""},
    ]
    assert _item(workspace, team, plan).approval_plan == [
        {"name": "Legal", "reviewer": team["legal"].pk, "due_on": "2026-03-04"},
        {"name": "Brand", "reviewer": team["brand"].pk},
    ]


@pytest.mark.parametrize(
    ("due_on", "reason"),
    [
        ("1899-12-31", BOUNDS),
        ("2200-01-01", BOUNDS),
        ("03/04/2026", "must be a date (YYYY-MM-DD)"),
        (datetime(2026, 3, 4, 9, 0), "must be a date (YYYY-MM-DD)"),
        (20260304, "must be a date (YYYY-MM-DD)"),
    ],
)
def test_a_bad_deadline_is_refused_by_its_field(workspace, team, due_on, reason):
    plan = [{"name": "Legal", "reviewer": team["legal"].pk, "due_on": due_on}]
    assert _refused(_item, workspace, team, plan) == {"reviewers[0].due_on": reason}
    assert _refused(_item, workspace, team, due_on=due_on) == {"due_on": reason}
    assert ContentItem.objects.count() == 0


def test_a_deadline_may_be_the_first_or_the_last_day_and_is_read_trimmed(workspace, team):
    days = [_item(workspace, team, due_on=d).due_on for d in ("1900-01-01", " 2199-12-31 ")]
    assert days == [date(1900, 1, 1), date(2199, 12, 31)]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2026-03-10", datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),
        (" 2026-03-10 ", datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),
        ("2026-03-10T14:30", datetime(2026, 3, 10, 14, 30, tzinfo=UTC)),
        (date(2026, 3, 10), datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),
        (datetime(2026, 3, 10, 14, 30), datetime(2026, 3, 10, 14, 30, tzinfo=UTC)),
        ("2026-03-10T14:30+02:00", datetime(2026, 3, 10, 12, 30, tzinfo=UTC)),
        ("1900-01-01", datetime(1900, 1, 1, 9, 0, tzinfo=UTC)),
        ("2199-12-31T23:00", datetime(2199, 12, 31, 23, 0, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_a_scheduled_time_is_read_from_a_day_or_a_moment(workspace, team, given, stored):
    item = _item(workspace, team, scheduled_for=given)
    item.refresh_from_db()
    assert item.scheduled_for == stored


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("next tuesday", "must be a date (YYYY-MM-DD) or a date and time"),
        ("2026-02-31", "must be a date (YYYY-MM-DD) or a date and time"),
        (1741597200, "must be a date or a date and time"),
        ("1899-12-31", BOUNDS),
        ("2200-01-01T00:00", BOUNDS),
    ],
)
def test_a_bad_scheduled_time_is_refused_by_its_field(workspace, team, given, reason):
    assert _refused(_item, workspace, team, scheduled_for=given) == {"scheduled_for": reason}
    assert ContentItem.objects.count() == 0


def test_a_body_over_the_limit_is_refused_and_its_links_are_not_read(workspace, team):
    errors = _refused(_item, workspace, team, body="x" * 200_001)
    assert errors == {"body": "must be at most 200000 characters"}
    assert _item(workspace, team, body="x" * 200_000).versions.get().body == "x" * 200_000


# --- save_version ----------------------------------------------------------------------


def test_a_new_version_of_a_draft_is_numbered_authored_and_audited(workspace, team, plan):
    item = _item(workspace, team, plan)
    actions.transition(item, "draft")
    version = actions.save_version(item, " v2 ", actor=team["brand"])
    version.refresh_from_db()
    assert (version.number, version.body, version.author) == (2, "v2", team["brand"])
    item.refresh_from_db()
    assert item.state == "draft"
    assert _entries("content.version") == [
        ("bo", "ContentVersion", str(version.pk), None, {"n": 2})
    ]
    assert _entries("content.restart_approval") == []  # a draft has nothing to restart
    assert ApprovalStep.objects.count() == 0
    assert actions.save_version(item, "v2") == version  # unchanged: no new version
    assert item.versions.count() == 2 and len(_entries("content.version")) == 1


def test_a_new_version_of_an_approved_item_goes_back_to_review_with_new_steps(
    workspace, team, plan
):
    item = _item(workspace, team, plan)
    actions.transition(item, "draft")
    actions.transition(item, "in_review")
    for who in ("legal", "brand"):
        actions.vote(selectors.open_step_for(item, team[who]), "approved", user=team[who])
    item.refresh_from_db()
    assert item.state == "approved"
    version = actions.save_version(item, "v2", actor=team["editor"])
    item.refresh_from_db()
    assert item.state == "in_review"
    steps = ApprovalStep.objects.filter(version=version).order_by("position")
    assert [(s.position, s.name, s.decision) for s in steps] == [
        (1, "Legal", "pending"),
        (2, "Brand", "pending"),
    ]
    assert _entries("content.restart_approval") == [
        (
            "eve",
            "ContentItem",
            str(item.pk),
            {"state": "approved"},
            {"state": "in_review", "version": 2},
        )
    ]


def test_a_new_version_in_review_stays_there_and_opens_its_own_steps(workspace, team, plan):
    item = _item(workspace, team, plan)
    actions.transition(item, "draft")
    actions.transition(item, "in_review")
    version = actions.save_version(item, "v2")
    item.refresh_from_db()
    assert item.state == "in_review"
    assert ApprovalStep.objects.filter(version=version).count() == 2
    assert _entries("content.restart_approval") == [
        (
            "system",
            "ContentItem",
            str(item.pk),
            {"state": "in_review"},
            {"state": "in_review", "version": 2},
        )
    ]


def test_a_published_item_and_a_bad_body_get_no_new_version(workspace, team, plan):
    item = _item(workspace, team, plan)
    assert (
        actions.save_version(item, None).number,
        item.versions.order_by("number").last().body,
    ) == (2, "")
    ContentItem.objects.filter(pk=item.pk).update(state="published")
    assert _refused(actions.save_version, item, "v3") == {
        "body": "a published item cannot change; archive it first"
    }
    assert _refused(actions.save_version, item, 5) == {"body": "must be text"}
    assert item.versions.count() == 2
    assert len(_entries("content.version")) == 1


# --- set_due, set_reviewers -------------------------------------------------------------


def test_a_deadline_is_set_cleared_and_audited_with_before_and_after(workspace, team):
    item = _item(workspace, team)
    actions.set_due(item, "2026-03-20", actor=team["editor"])
    item.refresh_from_db()
    assert item.due_on == date(2026, 3, 20)
    actions.set_due(item, "", actor=team["editor"])
    item.refresh_from_db()
    assert item.due_on is None
    assert _entries("content.due") == [
        ("eve", "ContentItem", str(item.pk), {"due_on": "None"}, {"due_on": "2026-03-20"}),
        ("eve", "ContentItem", str(item.pk), {"due_on": "2026-03-20"}, {"due_on": "None"}),
    ]
    assert _refused(actions.set_due, item, "2026-13-01") == {
        "due_on": "must be a date (YYYY-MM-DD)"
    }
    item.refresh_from_db()
    assert item.due_on is None and len(_entries("content.due")) == 2


def test_the_plan_is_replaced_and_audited_and_a_bad_one_changes_nothing(workspace, team, plan):
    item = _item(workspace, team, plan)
    new = [{"name": "Brand", "reviewer": team["brand"].pk}]
    actions.set_reviewers(item, new, actor=team["editor"])
    item.refresh_from_db()
    assert item.approval_plan == new
    assert _entries("content.reviewers") == [
        ("eve", "ContentItem", str(item.pk), {"plan": plan}, {"plan": new})
    ]
    stranger = [{"name": "Brand", "reviewer": 999_999}]
    assert _refused(actions.set_reviewers, item, stranger) == {
        "reviewers[0].reviewer": "must be a member of this workspace"
    }
    item.refresh_from_db()
    assert item.approval_plan == new and len(_entries("content.reviewers")) == 1


def test_a_plan_or_deadline_set_on_a_stale_copy_writes_only_its_own_field(workspace, team, plan):
    item = _item(workspace, team, plan)
    ContentItem.objects.filter(pk=item.pk).update(state="draft", title="Renamed")
    actions.set_reviewers(item, plan[:1])
    actions.set_due(item, "2026-03-20")
    item.refresh_from_db()
    assert (item.state, item.title) == ("draft", "Renamed")  # not the stale copy's
    assert (item.approval_plan, item.due_on) == (plan[:1], date(2026, 3, 20))


# --- the workflow ----------------------------------------------------------------------


def test_a_saved_workflow_is_stored_and_audited_with_its_states(workspace, team):
    rows = [
        {"key": "idea", "label": "Idea", "moves_to": ["in_review"]},
        {"key": "in_review", "label": "Review", "review": True, "moves_to": ["published"]},
        {"key": "published", "label": "Live", "needs_approval": True, "terminal": True},
    ]
    flow = actions.save_workflow(workspace, rows, actor=team["editor"])
    stored = Workflow.objects.get(workspace=workspace)
    assert stored.pk == flow.pk
    assert stored.transitions == {
        "idea": ["in_review"],
        "in_review": ["published"],
        "published": [],
    }
    assert [s["key"] for s in stored.states] == ["idea", "in_review", "published"]
    assert _entries("content.workflow") == [
        ("eve", "Workflow", str(flow.pk), None, {"states": stored.states})
    ]
    actions.save_workflow(workspace, rows)  # the same row again, not a second one
    assert Workflow.objects.filter(workspace=workspace).count() == 1


def test_dropping_states_items_are_in_is_refused_naming_each_with_its_count(workspace, team):
    first = _item(workspace, team)
    _item(workspace, team)
    third = _item(workspace, team)
    ContentItem.objects.filter(pk=first.pk).update(state="draft")
    ContentItem.objects.filter(pk=third.pk).update(state="archived")
    rows = [
        {"key": "idea", "label": "Idea", "moves_to": ["published"]},
        {"key": "published", "label": "Live", "needs_approval": True},
    ]
    assert _refused(actions.save_workflow, workspace, rows) == {
        "states": "1 item in 'archived'; 1 item in 'draft': move them to a kept state first"
    }
    ContentItem.objects.filter(pk=third.pk).update(state="draft")
    flow = selectors.workflow(workspace)
    states = [s for s in flow.states if s["key"] not in ("draft", "idea")]
    moves = {
        k: [t for t in v if t in {s["key"] for s in states}]
        for k, v in flow.transitions.items()
        if k not in ("draft", "idea")
    }
    assert _refused(actions.set_workflow, workspace, states=states, transitions=moves) == {
        "states": "2 items in 'draft'; 1 item in 'idea': move them to a kept state first"
    }
    assert not Workflow.objects.exists() and _entries("content.workflow") == []


# --- comments, themes, feeds -----------------------------------------------------------


def test_a_comment_is_kept_on_its_version_and_audited_and_an_empty_one_refused(workspace, team):
    version = _item(workspace, team).versions.get()
    comment = actions.add_comment(version, " Needs a source. ", user=team["legal"])
    assert list(VersionComment.objects.values_list("version", "author", "body")) == [
        (version.pk, team["legal"].pk, "Needs a source.")
    ]
    assert _entries("content.comment") == [("lee", "VersionComment", str(comment.pk), None, None)]
    assert _refused(actions.add_comment, version, "  ", user=team["legal"]) == {
        "body": "must not be empty"
    }
    assert _refused(actions.add_comment, version, "x" * 5001, user=team["legal"]) == {
        "body": "must be at most 5000 characters"
    }
    assert VersionComment.objects.count() == 1 and len(_entries("content.comment")) == 1


def test_a_theme_covers_inclusive_days_and_is_audited(workspace, team):
    one_day = actions.create_theme(
        workspace,
        name=" Launch day ",
        starts_on="2026-03-10",
        ends_on=date(2026, 3, 10),
        actor=team["editor"],
    )
    one_day.refresh_from_db()
    assert (one_day.name, one_day.starts_on, one_day.ends_on) == (
        "Launch day",
        date(2026, 3, 10),
        date(2026, 3, 10),
    )
    assert _entries("content.theme") == [
        (
            "eve",
            "Theme",
            str(one_day.pk),
            None,
            {
                "id": one_day.pk,
                "workspace": workspace.pk,
                "name": "Launch day",
                "starts_on": "2026-03-10",
                "ends_on": "2026-03-10",
                "colour": "amber",
            },
        )
    ]


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        ({"name": " "}, {"name": "must not be empty"}),
        ({"name": "x" * 201}, {"name": "must be at most 200 characters"}),
        ({"starts_on": "1899-12-31"}, {"starts_on": BOUNDS}),
        ({"ends_on": "2200-01-01"}, {"ends_on": BOUNDS}),
        ({"starts_on": "soon"}, {"starts_on": "must be a date (YYYY-MM-DD)"}),
        ({"ends_on": None}, {"ends_on": "must be a date (YYYY-MM-DD)"}),
        ({"ends_on": "2026-03-09"}, {"ends_on": "must not be before the start"}),
    ],
)
def test_a_bad_theme_is_refused_by_its_field_and_nothing_is_written(workspace, given, errors):
    values = {"name": "Spring", "starts_on": "2026-03-10", "ends_on": "2026-03-20"} | given
    assert _refused(actions.create_theme, workspace, **values) == errors
    assert not Theme.objects.exists() and _entries("content.theme") == []


def test_a_theme_may_run_from_the_first_to_the_last_day(workspace):
    theme = actions.create_theme(
        workspace, name="All", starts_on="1900-01-01", ends_on="2199-12-31"
    )
    assert (theme.starts_on, theme.ends_on) == (date(1900, 1, 1), date(2199, 12, 31))


def test_a_new_secret_is_a_token_with_its_digest_and_prefix():
    token, digest, prefix = actions.new_secret()
    assert len(token) == 43 and digest == digest_secret(token) and prefix == token[:6]
    assert actions.new_secret()[0] != token


def test_a_feed_is_made_once_per_scope_and_rotating_replaces_its_token(workspace, team):
    feed, token = actions.rotate_feed(workspace, user=team["editor"], scope="user", team="content")
    feed.refresh_from_db()
    assert (feed.scope, feed.team, feed.user) == ("user", "", team["editor"])
    assert (feed.digest, feed.prefix) == (digest_secret(token), token[:6])
    again, new_token = actions.rotate_feed(workspace, user=team["editor"], scope="user")
    again.refresh_from_db()
    assert again.pk == feed.pk and new_token != token
    assert (again.digest, again.prefix) == (digest_secret(new_token), new_token[:6])
    assert again.rotated_at > feed.rotated_at
    actions.rotate_feed(workspace, user=team["editor"], scope="calendar")
    team_feed, _ = actions.rotate_feed(workspace, user=team["editor"], scope="team", team="Content")
    assert (CalendarFeed.objects.count(), team_feed.team) == (3, "content")
    assert [(e[0], e[1], e[4]) for e in _entries("content.feed_rotate")] == [
        ("eve", "CalendarFeed", {"scope": "user"}),
        ("eve", "CalendarFeed", {"scope": "user"}),
        ("eve", "CalendarFeed", {"scope": "calendar"}),
        ("eve", "CalendarFeed", {"scope": "team"}),
    ]


def test_a_feed_of_an_unknown_scope_or_a_team_feed_without_a_team_is_refused(workspace, team):
    assert _refused(actions.rotate_feed, workspace, user=team["editor"], scope="all") == {
        "scope": "must be one of user, team, calendar"
    }
    assert _refused(actions.rotate_feed, workspace, user=team["editor"], scope="team") == {
        "team": "must not be empty"
    }
    assert not CalendarFeed.objects.exists() and _entries("content.feed_rotate") == []


def test_nothing_is_written_when_create_item_is_refused(workspace, team):
    assert _refused(_item, workspace, team, title=" ") == {"title": "must not be empty"}
    assert (ContentItem.objects.count(), ContentVersion.objects.count()) == (0, 0)
    assert _entries("content.create") == []
