"""A broadcast's report warns on complaints by the rule of the workspace's rolling
warnings (``email_health.complaint_warning``): nothing under Gmail's and Yahoo's 0.1 %
target, the target's warning at it, the limit's at 0.3 %; bounces over 2 %. Exact edges."""

import pytest

from pacer.messaging import selectors
from tests.messaging.test_email_health import NOW, _broadcast, _events, _messages

pytestmark = pytest.mark.django_db

TARGET = (
    "is at or over Gmail's and Yahoo's 0.1% target (their limit is 0.3%): send only to "
    "recipients who asked for this mail"
)
LIMIT = (
    "has reached the 0.3% limit Gmail and Yahoo set for bulk senders: they may reject or "
    "spam-file this mail; pause, and send only to recipients who engaged recently"
)


def _report(workspace, sent: int, complained: int, refused: int = 0) -> list[str]:
    broadcast = _broadcast(workspace, f"news{sent}-{complained}-{refused}@acme.test")
    messages = _messages(broadcast, [("sent", NOW)] * sent + [("failed", NOW)] * refused)
    _events(messages[:complained], "complaint", NOW)
    return selectors.report(workspace, selectors.broadcast(workspace, broadcast.pk))["warnings"]


def test_complaints_warn_at_the_target_and_at_the_limit(workspace, now):
    assert _report(workspace, 1001, 1) == []  # 0.0999 %: under the target
    assert _report(workspace, 1000, 1) == [f"Complaint rate 0.10% (1 of 1000 sent) {TARGET}"]
    assert _report(workspace, 1001, 3) == [f"Complaint rate 0.30% (3 of 1001 sent) {TARGET}"]
    assert _report(workspace, 1000, 3) == [f"Complaint rate 0.30% (3 of 1000 sent) {LIMIT}"]


def test_bounces_warn_only_over_two_percent(workspace, now):
    assert _report(workspace, 980, 0, refused=20) == []  # exactly 2 % of those handed
    assert _report(workspace, 979, 0, refused=21) == [
        "Bounce rate 2.1% is over 2%: clean the list before the next send"
    ]
