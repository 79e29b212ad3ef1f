"""The content team's metrics (``pacer.teams.registry``): output, the content items
published in the month (all and by kind, through ``pacer.content``'s selectors), and
engagement, the open and click rates of the emails sent in the month from the templates
published email items became (through ``pacer.messaging``'s): exact actuals, the
scoreboard's target vs actual and trend, and none for a location.

February 2026: two blog posts and an email published; five messages of the email's
template sent (three opened, one of them twice, and one clicked), one more refused by
the relay, and two of a template no content item made (both opened). March: a social
post published, one message of the email's template sent, not opened.
"""

from datetime import UTC, date, datetime

import pytest

from pacer.content import actions as content
from pacer.content import selectors as items
from pacer.content.models import Handoff
from pacer.core import actions as core_actions
from pacer.core import clock
from pacer.core.roles import Role
from pacer.messaging.models import Broadcast, Message, MessageEvent, Sender, Template
from pacer.people.actions import upsert_locations
from pacer.people.selectors import locations_by_code
from pacer.teams import actions, selectors
from pacer.teams.models import Team
from pacer.teams.registry import monthly_actuals

pytestmark = pytest.mark.django_db
FEB, MAR = date(2026, 2, 1), date(2026, 3, 1)


def _publish(workspace, monkeypatch, people, when: datetime, kind: str, title: str):
    monkeypatch.setattr(clock, "now", lambda: when)
    reviewer = people["reviewer"]
    item = content.create_item(
        workspace,
        title=title,
        kind=kind,
        body="<p>Hello</p>",
        reviewers=[{"name": "Brand", "reviewer": reviewer.pk}],
        actor=people["editor"],
    )
    for state in ("draft", "in_review"):
        content.transition(item, state)
    content.vote(items.open_step_for(item, reviewer), "approved", user=reviewer)
    item.refresh_from_db()
    content.transition(item, "published")
    return item


def _messages(workspace, template, sent: list[datetime], status: str = "sent"):
    sender, _ = Sender.objects.get_or_create(
        workspace=workspace, name="News", from_email="news@acme.test"
    )
    broadcast = Broadcast.objects.create(
        workspace=workspace, name=f"B{template.pk}-{len(sent)}", template=template, sender=sender
    )
    start = Message.objects.count()
    return [
        Message.objects.create(
            workspace=workspace,
            broadcast=broadcast,
            contact_id=start + n,
            email=f"p{start + n}@acme.test",
            status=status,
            sent_at=at if status == "sent" else None,
        )
        for n, at in enumerate(sent)
    ]


def _event(message, kind: str, at: datetime) -> None:
    MessageEvent.objects.create(workspace=message.workspace, message=message, kind=kind, at=at)


@pytest.fixture
def published(workspace, monkeypatch):
    people = {
        "editor": core_actions.create_user(workspace, "eve", "pw-123456789", Role.MARKETER),
        "reviewer": core_actions.create_user(workspace, "bo", "pw-123456789", Role.MARKETER),
    }
    feb = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
    _publish(workspace, monkeypatch, people, feb, "blog_post", "Spring guide")
    _publish(workspace, monkeypatch, people, feb, "blog_post", "Care tips")
    email = _publish(workspace, monkeypatch, people, feb, "email", "Spring sale")
    _publish(workspace, monkeypatch, people, datetime(2026, 3, 3, tzinfo=UTC), "social_post", "S")
    template = Template.objects.get(pk=int(Handoff.objects.get(item=email).reference))
    sent = _messages(workspace, template, [feb] * 5)
    _messages(workspace, template, [feb], status="failed")
    for message in sent[:3]:
        _event(message, "open", datetime(2026, 2, 11, tzinfo=UTC))
    _event(sent[0], "open", datetime(2026, 3, 2, tzinfo=UTC))  # opened again: once
    _event(sent[1], "click", datetime(2026, 2, 11, tzinfo=UTC))
    other = Template.objects.create(workspace=workspace, name="Plain", subject="x", html="x")
    for message in _messages(workspace, other, [feb, feb]):
        _event(message, "open", feb)
    _messages(workspace, template, [datetime(2026, 3, 20, tzinfo=UTC)])
    monkeypatch.undo()


def test_output_and_engagement_of_a_month(workspace, published):
    feb, march = monthly_actuals(workspace, [FEB, MAR])
    content_keys = {k: v for k, v in feb.items() if k.startswith(("content_", "published_"))}
    assert content_keys == {
        "content_published": 3,
        "published_blog_post": 2,
        "published_email": 1,
        "published_social_post": 0,
        "published_landing_page": 0,
        "published_ad": 0,
        "published_video": 0,
        "published_print": 0,
        "content_open_rate": 3 / 5,
        "content_click_rate": 1 / 5,
    }
    assert (march["content_published"], march["published_social_post"]) == (1, 1)
    assert (march["content_open_rate"], march["content_click_rate"]) == (0.0, 0.0)
    (january,) = monthly_actuals(workspace, [date(2026, 1, 1)])
    assert january["content_published"] == 0  # output is counted: none is 0
    assert january["content_open_rate"] is None  # nothing sent: no rate


def test_a_location_has_no_content_metrics(workspace, published):
    upsert_locations(workspace, [{"code": "N", "name": "North"}])
    location = locations_by_code(workspace, ["N"])["N"]
    (found,) = monthly_actuals(workspace, [FEB], location_id=location.pk)
    assert found["content_published"] is None and found["content_open_rate"] is None


def test_the_content_team_scoreboard_shows_target_actual_and_trend(workspace, published):
    team = Team.objects.get(workspace=workspace, key="content")
    actions.set_target(team, metric="content_published", month="2026-02", target=4)
    actions.set_target(team, metric="content_open_rate", month="2026-02", target=0.5)
    actions.set_target(team, metric="content_published", month="2026-03", target=1)
    board = selectors.scoreboard(team, FEB)
    rows = {row.metric.key: row for row in board.rows}
    assert list(rows) == ["content_published", "content_open_rate"]
    output, opens = rows["content_published"], rows["content_open_rate"]
    assert (output.target, output.actual, output.met) == (4.0, 3, False)
    assert output.attainment == 3 / 4
    assert output.trend == [0, 0, 0, 0, 0, 3]
    assert (opens.target, opens.actual, opens.met) == (0.5, 3 / 5, True)
    assert opens.trend == [None, None, None, None, None, 3 / 5]
    march = {row.metric.key: row for row in selectors.scoreboard(team, MAR).rows}
    assert (march["content_published"].actual, march["content_published"].met) == (1, True)
