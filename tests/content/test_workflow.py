"""The editorial workflow: states and transitions, versions and their diff, approvals in
order by named reviewers, and the gate: nothing approved, scheduled or published without
every approval step of the latest version approved."""

from datetime import UTC, datetime

import pytest

from pacer.content import actions, selectors
from pacer.content.models import ApprovalStep, ContentItem, ContentVersion, Handoff
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.messaging import selectors as messaging
from pacer.messaging import webhooks

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _item(workspace, team, plan, **extra):
    values = {"title": "Spring launch", "kind": "blog_post", "body": "one\ntwo\nthree"}
    values.update(extra)
    return actions.create_item(
        workspace, reviewers=plan, owner=team["editor"], actor=team["editor"], **values
    )


def _approve_all(item, team):
    for who in ("legal", "brand"):
        step = selectors.open_step_for(item, team[who])
        actions.vote(step, "approved", user=team[who])
    item.refresh_from_db()


def test_a_new_item_starts_as_an_idea_with_its_body_as_version_1(workspace, team, plan):
    item = _item(workspace, team, plan)
    assert item.state == "idea"
    assert list(item.versions.values_list("number", "body")) == [(1, "one\ntwo\nthree")]
    assert item.approval_plan == plan


def test_only_allowed_transitions_are_made(workspace, team, plan):
    item = _item(workspace, team, plan)
    with pytest.raises(ValidationFailed) as refused:
        actions.transition(item, "in_review")
    assert refused.value.errors == {
        "state": "a idea item cannot become in_review (it may become draft, archived)"
    }
    item.refresh_from_db()
    assert item.state == "idea"
    actions.transition(item, "draft")
    item.refresh_from_db()
    assert item.state == "draft"


def test_items_go_through_review_with_steps_in_order_and_become_approved(workspace, team, plan):
    item = _item(workspace, team, plan)
    actions.transition(item, "draft")
    actions.transition(item, "in_review")
    steps = list(ApprovalStep.objects.filter(item=item).order_by("position"))
    assert [(s.name, s.reviewer_id, s.decision) for s in steps] == [
        ("Legal", team["legal"].pk, "pending"),
        ("Brand", team["brand"].pk, "pending"),
    ]
    with pytest.raises(ValidationFailed, match="'Legal' comes first"):
        actions.vote(steps[1], "approved", user=team["brand"])
    with pytest.raises(ValidationFailed, match="only the named reviewer"):
        actions.vote(steps[0], "approved", user=team["brand"])
    actions.vote(steps[0], "approved", user=team["legal"], comment="fine by legal")
    item.refresh_from_db()
    assert item.state == "in_review"
    actions.vote(steps[1], "approved", user=team["brand"])
    item.refresh_from_db()
    assert item.state == "approved"
    assert selectors.approval_problem(item) is None
    assert [c.body for c in selectors.comments(item)] == ["Legal: approved. fine by legal"]


def test_a_rejection_needs_a_reason_and_sends_the_item_back_to_draft(workspace, team, plan):
    item = _item(workspace, team, plan)
    actions.transition(item, "draft")
    actions.transition(item, "in_review")
    step = selectors.open_step_for(item, team["legal"])
    with pytest.raises(ValidationFailed, match="say why"):
        actions.vote(step, "rejected", user=team["legal"])
    actions.vote(step, "rejected", user=team["legal"], comment="claims need a source")
    item.refresh_from_db()
    assert item.state == "draft"
    assert selectors.approval_problem(item) == "step 1 'Legal' (lee) is rejected"


@pytest.mark.parametrize("target", ["approved", "scheduled", "published"])
def test_nothing_is_approved_scheduled_or_published_without_every_step_approved(
    workspace, team, plan, target
):
    item = _item(workspace, team, plan, scheduled_for=WHEN)
    actions.transition(item, "draft")
    actions.transition(item, "in_review")
    actions.vote(selectors.open_step_for(item, team["legal"]), "approved", user=team["legal"])
    # a workflow that allows the move straight from review: only the approvals gate it
    flow = selectors.workflow(workspace)
    moves = {**flow.transitions, "in_review": ["draft", "approved", "scheduled", "published"]}
    actions.set_workflow(workspace, states=flow.states, transitions=moves)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        actions.transition(item, target)
    assert refused.value.errors == {
        "state": f"cannot become {target}: step 2 'Brand' (bo) is pending"
    }
    item.refresh_from_db()
    assert (item.state, item.published_at) == ("in_review", None)
    assert Handoff.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before
    actions.vote(selectors.open_step_for(item, team["brand"]), "approved", user=team["brand"])
    item.refresh_from_db()
    assert item.state == "approved"


def test_a_new_version_restarts_approval(workspace, team, plan):
    item = _item(workspace, team, plan, scheduled_for=WHEN)
    actions.transition(item, "draft")
    actions.transition(item, "in_review")
    _approve_all(item, team)
    actions.transition(item, "scheduled")
    version = actions.save_version(item, "one\n2\nthree\nfour", actor=team["editor"])
    item.refresh_from_db()
    assert (version.number, item.state) == (2, "in_review")
    assert selectors.approval_problem(item) == "step 1 'Legal' (lee) is pending"
    assert ApprovalStep.objects.filter(version=version).count() == 2
    with pytest.raises(ValidationFailed, match="cannot become scheduled"):
        flow = selectors.workflow(workspace)
        moves = {**flow.transitions, "in_review": ["draft", "approved", "scheduled"]}
        actions.set_workflow(workspace, states=flow.states, transitions=moves)
        actions.transition(item, "scheduled")
    # an unchanged body is not a new version
    assert actions.save_version(item, "one\n2\nthree\nfour").number == 2
    assert ContentVersion.objects.filter(item=item).count() == 2


def test_the_diff_between_versions_shows_each_changed_line(workspace, team, plan):
    item = _item(workspace, team, plan)
    actions.save_version(item, "one\n2\nthree\nfour")
    older, newer = selectors.version(item, 1), selectors.version(item, 2)
    assert selectors.diff(older, newer) == [
        ("hunk", "@@ -1,3 +1,4 @@"),
        ("same", " one"),
        ("del", "-two"),
        ("add", "+2"),
        ("same", " three"),
        ("add", "+four"),
    ]


def test_publishing_an_email_hands_it_to_messaging_once(workspace, team, plan):
    item = _item(workspace, team, plan, kind="email", body="<p>Hello spring</p>")
    for state in ("draft", "in_review"):
        actions.transition(item, state)
    _approve_all(item, team)
    actions.transition(item, "published")
    item.refresh_from_db()
    assert item.state == "published" and item.published_at is not None
    handoff = Handoff.objects.get(item=item)
    template = messaging.template(workspace, int(handoff.reference))
    assert (template.subject, template.html) == ("Spring launch", "<p>Hello spring</p>")
    assert handoff.target == "messaging.template"
    # named as people read it ("Spring launch (content 7 v1)" before); a second item of
    # the same title takes its number into the name (names are unique in a workspace)
    assert template.name == "Spring launch (version 1)"
    twin = _item(workspace, team, plan, kind="email", body="<p>Hello again</p>")
    for state in ("draft", "in_review"):
        actions.transition(twin, state)
    _approve_all(twin, team)
    actions.transition(twin, "published")
    handoff = Handoff.objects.get(item=twin)
    name = messaging.template(workspace, int(handoff.reference)).name
    assert name == f"Spring launch (item {twin.pk}, version 1)"


def test_publishing_other_kinds_emits_a_signed_webhook(workspace, team, plan):
    webhooks.add_webhook(
        workspace, url="https://hooks.example.com/in", event_types=["content.published"]
    )
    item = _item(workspace, team, plan, kind="social_post", channel="organic_social")
    for state in ("draft", "in_review"):
        actions.transition(item, state)
    _approve_all(item, team)
    actions.transition(item, "published")
    handoff = Handoff.objects.get(item=item)
    assert (handoff.target, handoff.reference) == ("webhook", "1 endpoint(s)")
    delivery = webhooks.WebhookDelivery.objects.get()
    assert delivery.payload["type"] == "content.published"
    assert delivery.payload["data"]["id"] == item.pk
    assert delivery.payload["data"]["version"] == 1


def test_bad_input_is_refused_by_field_and_nothing_is_written(workspace, team):
    with pytest.raises(ValidationFailed) as refused:
        actions.create_item(
            workspace,
            title=" ",
            kind="poem",
            channel="carrier_pigeon",
            reviewers=[{"name": "Legal", "reviewer": 999_999}],
            scheduled_for="next tuesday",
        )
    assert refused.value.errors == {
        "title": "must not be empty",
        "kind": "must be one of blog_post, email, social_post, landing_page, ad, video, print",
        "channel": "is not a known channel",
        "reviewers[0].reviewer": "must be a member of this workspace",
        "scheduled_for": "must be a date (YYYY-MM-DD) or a date and time",
    }
    assert ContentItem.objects.count() == 0 and ContentVersion.objects.count() == 0


def test_reschedule_keeps_the_time_of_day_and_refuses_published_items(workspace, team, plan):
    item = _item(workspace, team, plan, scheduled_for=WHEN)
    actions.reschedule(item, "2026-03-14")
    item.refresh_from_db()
    assert item.scheduled_for == datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    with pytest.raises(ValidationFailed, match="must be a date"):
        actions.reschedule(item, "2026-02-31")
    for state in ("draft", "in_review"):
        actions.transition(item, state)
    _approve_all(item, team)
    actions.transition(item, "published")
    with pytest.raises(ValidationFailed, match="a published item cannot be rescheduled"):
        actions.reschedule(item, "2026-03-20")
    item.refresh_from_db()
    assert item.scheduled_for == datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
