"""The content item page's forms, refused (issue 11's rule): the page comes back (422)
with the form as typed and the reason at the field it concerns (or above the form when
it concerns no field: a move the workflow refuses), and nothing is written — not a
redirect with a toast."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.content import actions, assets
from pacer.content.models import AssetUse, ContentItem, ContentVersion, VersionComment
from pacer.core import clock
from pacer.core.models import AuditEntry
from tests.content.conftest import PASSWORD
from tests.content.test_asset_forms import _error
from tests.content.test_assets import png
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def item(workspace, team, plan, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return actions.create_item(
        workspace,
        title="Summer post",
        kind="blog_post",
        channel="paid_social",
        body="v1",
        reviewers=plan,
        owner=team["editor"],
        scheduled_for="2026-06-10",
    )


def _post(client, item, what: str, data: dict):
    answer = client.post(f"/content/items/{item.pk}/{what}/", data)
    assert answer.status_code == 422
    return answer.content.decode()


def _unchanged(item, audited: int) -> None:
    fresh = ContentItem.objects.get(pk=item.pk)
    assert (fresh.state, f"{fresh.scheduled_for:%Y-%m-%d}", fresh.due_on) == (
        "idea",
        "2026-06-10",
        None,
    )
    assert ContentVersion.objects.filter(item=item).count() == 1
    assert AuditEntry.objects.count() == audited


def test_a_refused_move_says_why_above_the_page(team, item):
    audited = AuditEntry.objects.count()
    html = _post(_client(team["editor"]), item, "state", {"state": "published"})
    refused = html[html.index('id="state-refused"') :]
    assert "The item did not move" in refused
    assert "State: a idea item cannot become published" in refused
    _unchanged(item, audited)


def test_a_refused_version_keeps_the_body_typed(team, item):
    audited = AuditEntry.objects.count()
    body = "<script>x</script>" + "y" * 200_000
    html = _post(_client(team["editor"]), item, "version", {"body": body})
    assert _error(html, "field-body").startswith("must be at most")
    assert "&lt;script&gt;x&lt;/script&gt;yyy" in html
    _unchanged(item, audited)


def test_a_refused_vote_keeps_the_comment(team, item):
    actions.transition(item, "draft")
    actions.transition(item, "in_review")
    audited = AuditEntry.objects.count()
    legal = _client(team["legal"])
    html = _post(legal, item, "vote", {"decision": "maybe", "comment": "Check <b>claims</b>"})
    assert "Decision: must be approved or rejected" in html
    assert "Check &lt;b&gt;claims&lt;/b&gt;</textarea>" in html
    # the decision is the buttons' value, not a field: its link lands on Approve
    assert error_links(html) == ["vote-approve"] and broken_error_links(html) == []
    assert ContentItem.objects.get(pk=item.pk).state == "in_review"
    assert AuditEntry.objects.count() == audited
    html = _post(legal, item, "vote", {"decision": "rejected", "comment": ""})
    assert error_links(html) == ["field-comment"] and broken_error_links(html) == []


def test_a_refused_comment_keeps_the_text_and_writes_nothing(team, item):
    audited = AuditEntry.objects.count()
    html = _post(_client(team["legal"]), item, "comment", {"version": "1", "body": "   "})
    assert _error(html, "field-comment-body") == "must not be empty"
    html = _post(_client(team["legal"]), item, "comment", {"version": "9", "body": "Fine"})
    assert "Version: no such version of this item" in html and "Fine</textarea>" in html
    assert not VersionComment.objects.exists()
    _unchanged(item, audited)


def test_a_refused_reschedule_keeps_the_day_typed(team, item):
    audited = AuditEntry.objects.count()
    html = _post(_client(team["editor"]), item, "schedule", {"day": "2026-02-30"})
    assert _error(html, "field-reschedule-day") == "must be a date (YYYY-MM-DD)"
    assert 'value="2026-02-30"' in html
    _unchanged(item, audited)


def test_a_refused_deadline_keeps_the_day_typed(team, item):
    audited = AuditEntry.objects.count()
    html = _post(_client(team["editor"]), item, "due", {"due_on": "someday"})
    assert _error(html, "field-due_on").startswith("must be a date")
    assert 'value="someday"' in html
    _unchanged(item, audited)


def test_a_refused_asset_use_keeps_the_choice_and_says_why(workspace, team, item):
    us_only = assets.upload_asset(
        workspace, name="US only", filename="u.png", data=png(), rights={"territories": ["US"]}
    )
    audited = AuditEntry.objects.count()
    typed = {"asset": str(us_only.pk), "territory": "DE"}
    html = _post(_client(team["editor"]), item, "assets", typed)
    assert _error(html, "field-asset") == "&#x27;US only&#x27; is licensed for US, not DE"
    assert f'<option value="{us_only.pk}" selected>' in html and 'value="DE"' in html
    assert not AssetUse.objects.exists()
    _unchanged(item, audited)
