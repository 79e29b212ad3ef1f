"""Nothing is scheduled or published without its approvals, in a workflow of one's own
too: a workflow whose ``scheduled`` or ``published`` state does not need approval is
refused (the stored workflow kept); with the default one, an item in review cannot be
approved (so not scheduled) until its steps are, and then can be scheduled."""

import pytest

from pacer.content import actions, selectors
from pacer.content.models import ContentItem
from pacer.content.workflow import DEFAULT_STATES, DEFAULT_TRANSITIONS
from pacer.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", ["scheduled", "published"])
def test_a_workflow_that_lets_it_through_without_approval_is_refused(workspace, key):
    states = [dict(s, needs_approval=False) if s["key"] == key else s for s in DEFAULT_STATES]
    with pytest.raises(ValidationFailed) as refused:
        actions.set_workflow(workspace, states=states, transitions=DEFAULT_TRANSITIONS)
    assert refused.value.errors == {"states": f"'{key}' must need approval"}
    assert selectors.workflow(workspace).needs_approval(key)  # the default kept


def test_an_item_is_approved_and_scheduled_only_once_its_steps_are(workspace, team, plan):
    item = actions.create_item(
        workspace,
        title="Launch",
        kind="blog_post",
        owner=team["editor"],
        reviewers=plan,
        scheduled_for="2026-06-10",
        body="Hello",
    )
    for state in ("draft", "in_review"):
        item = actions.transition(item, state, actor=team["editor"])
    with pytest.raises(ValidationFailed) as refused:
        actions.transition(item, "approved", actor=team["editor"])
    assert refused.value.errors == {
        "state": "cannot become approved: step 1 'Legal' (lee) is pending"
    }
    assert ContentItem.objects.get(pk=item.pk).state == "in_review"
    for reviewer in ("legal", "brand"):
        step = selectors.open_step_for(item, team[reviewer])
        actions.vote(step, "approved", user=team[reviewer])
    item.refresh_from_db()
    assert item.state == "approved"
    assert actions.transition(item, "scheduled", actor=team["editor"]).state == "scheduled"
