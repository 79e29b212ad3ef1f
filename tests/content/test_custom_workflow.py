"""A workspace's own editorial workflow (not the default): its own states, moves and
review state, and its own approval steps. Items start in its first state, move only
along its moves, open the approval steps when they enter its review state, go on to its
first approval-gated state when the last step is approved (back to its working state on
a rejection), and nothing reaches a gated state — cleared, queued or published — without
every step of the latest version approved."""

from datetime import UTC, datetime

import pytest

from pacer.content import actions, selectors
from pacer.content.models import ApprovalStep, Handoff
from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.messaging.models import Template

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
STATES = [
    {"key": "pitch", "label": "Pitch"},
    {"key": "writing", "label": "Writing"},
    {"key": "legal_check", "label": "Legal check", "review": True},
    {"key": "cleared", "label": "Cleared", "needs_approval": True},
    {"key": "queued", "label": "Queued", "needs_approval": True},
    {"key": "published", "label": "Live", "needs_approval": True},
    {"key": "shelved", "label": "Shelved"},
]
MOVES = {
    "pitch": ["writing", "shelved"],
    "writing": ["legal_check", "shelved"],
    "legal_check": ["writing", "cleared"],
    "cleared": ["writing", "queued", "published"],
    "queued": ["writing", "published"],
    "published": ["shelved"],
    "shelved": ["pitch"],
}


@pytest.fixture
def flow(workspace):
    return actions.set_workflow(workspace, states=STATES, transitions=MOVES)


@pytest.fixture
def steps(team, workspace):
    """Three named steps: legal, brand, then the regional lead."""
    lead = core.create_user(workspace, "rae", "correct-horse-9", Role.ANALYST)
    team["lead"] = lead
    return [
        {"name": "Legal", "reviewer": team["legal"].pk},
        {"name": "Brand", "reviewer": team["brand"].pk},
        {"name": "Regional lead", "reviewer": lead.pk},
    ]


def _item(workspace, team, steps, **extra):
    values = {"title": "Spring launch", "kind": "email", "body": "<p>Hello</p>"}
    return actions.create_item(
        workspace, reviewers=steps, owner=team["editor"], scheduled_for=WHEN, **values | extra
    )


def _state(item) -> str:
    item.refresh_from_db()
    return item.state


def _vote(item, user, decision="approved", comment=""):
    return actions.vote(selectors.open_step_for(item, user), decision, user=user, comment=comment)


def _refused(item, state) -> dict:
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        actions.transition(item, state)
    assert AuditEntry.objects.count() == audit_before  # nothing written
    return refused.value.errors


def test_the_workflow_is_stored_with_its_review_state(workspace, flow):
    found = selectors.workflow(workspace)
    assert [s["key"] for s in found.states] == [s["key"] for s in STATES]
    assert found.review_states == ["legal_check"]
    assert [s["key"] for s in found.states if s["needs_approval"]] == [
        "cleared",
        "queued",
        "published",
    ]
    assert (found.after_approval("legal_check"), found.after_rejection("legal_check")) == (
        "cleared",
        "writing",
    )


def test_items_move_only_through_the_configured_states_and_moves(workspace, team, steps, flow):
    item = _item(workspace, team, steps)
    assert _state(item) == "pitch"
    assert _refused(item, "draft") == {
        "state": "a pitch item cannot become draft (it may become writing, shelved)"
    }
    assert _refused(item, "legal_check") == {
        "state": "a pitch item cannot become legal_check (it may become writing, shelved)"
    }
    actions.transition(item, "writing")
    assert _refused(item, "in_review")["state"].startswith("a writing item cannot become")
    assert ApprovalStep.objects.count() == 0
    actions.transition(item, "legal_check")  # the review state opens the steps
    assert list(
        ApprovalStep.objects.filter(item=item).order_by("position").values_list("name", "decision")
    ) == [("Legal", "pending"), ("Brand", "pending"), ("Regional lead", "pending")]
    assert _refused(item, "published") == {
        "state": "a legal_check item cannot become published (it may become writing, cleared)"
    }
    assert _state(item) == "legal_check"


def test_nothing_is_cleared_queued_or_published_before_every_step_is_approved(
    workspace, team, steps, flow
):
    item = _item(workspace, team, steps)
    actions.transition(item, "writing")
    actions.transition(item, "legal_check")
    # moves straight from review to every gated state: only the approvals gate them now
    actions.set_workflow(
        workspace,
        states=STATES,
        transitions={**MOVES, "legal_check": ["writing", "cleared", "queued", "published"]},
    )
    _vote(item, team["legal"])
    for target in ("cleared", "queued", "published"):
        assert _refused(item, target) == {
            "state": f"cannot become {target}: step 2 'Brand' (bo) is pending"
        }
    _vote(item, team["brand"])
    assert _refused(item, "published") == {
        "state": "cannot become published: step 3 'Regional lead' (rae) is pending"
    }
    assert (_state(item), Handoff.objects.count(), Template.objects.count()) == (
        "legal_check",
        0,
        0,
    )
    _vote(item, team["lead"])  # the last step: on to the first gated state
    assert _state(item) == "cleared"
    actions.transition(item, "queued")
    actions.transition(item, "published")
    item.refresh_from_db()
    assert (item.state, item.published_at is not None) == ("published", True)
    handoff = Handoff.objects.get(item=item)
    assert handoff.target == "messaging.template"
    assert Template.objects.get(pk=int(handoff.reference)).html == "<p>Hello</p>"


def test_a_rejection_goes_back_to_writing_and_a_new_version_needs_every_step_again(
    workspace, team, steps, flow
):
    item = _item(workspace, team, steps)
    actions.transition(item, "writing")
    actions.transition(item, "legal_check")
    _vote(item, team["legal"])
    _vote(item, team["brand"], "rejected", comment="off brand")
    assert _state(item) == "writing"

    actions.save_version(item, "<p>Hello again</p>")
    actions.transition(item, "legal_check")
    for who in ("legal", "brand", "lead"):
        _vote(item, team[who])
    assert _state(item) == "cleared"

    # a new body while cleared: back to the review state with fresh steps, gated again
    actions.save_version(item, "<p>Hello, third time</p>")
    assert _state(item) == "legal_check"
    latest = selectors.latest_version(item)
    assert list(latest.steps.values_list("decision", flat=True)) == ["pending"] * 3
    actions.set_workflow(
        workspace, states=STATES, transitions={**MOVES, "legal_check": ["writing", "published"]}
    )
    assert _refused(item, "published") == {
        "state": "cannot become published: step 1 'Legal' (lee) is pending"
    }
    assert Handoff.objects.count() == 0


def test_a_review_state_that_needs_approval_itself_is_refused(workspace):
    states = [dict(s) for s in STATES]
    states[2]["needs_approval"] = True
    with pytest.raises(ValidationFailed) as refused:
        actions.set_workflow(workspace, states=states, transitions=MOVES)
    assert refused.value.errors == {
        "states[2].review": "a review state cannot need approval itself"
    }
    assert selectors.workflow(workspace).review_states == ["in_review"]  # the default kept


def test_a_reviewers_deadline_in_the_configured_review_state_becomes_a_task(
    workspace, team, steps, flow
):
    from datetime import date

    from pacer.content.deadlines import due_deadlines

    item = _item(workspace, team, steps)
    actions.transition(item, "writing")
    actions.transition(item, "legal_check")
    ApprovalStep.objects.filter(item=item, position__in=(1, 3)).update(due_on=date(2026, 3, 6))
    found = [(d["key"], d["assignee"]) for d in due_deadlines(date(2026, 3, 5))]
    assert found == [
        (f"content-{item.pk}-step-1", team["legal"]),
        (f"content-{item.pk}-step-3", team["lead"]),
    ]
    _vote(item, team["legal"])
    _vote(item, team["brand"], "rejected", comment="no")  # back to writing: no review now
    assert _state(item) == "writing"
    assert due_deadlines(date(2026, 3, 5)) == []  # the lead's step waits for the next round
