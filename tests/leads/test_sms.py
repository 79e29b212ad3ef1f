"""SMS reminders to staff through the provider interface: the outbox provider by default
(once per reminder, however often the sender runs); the HTTP provider only reaches
public addresses (a loopback, private or metadata address is refused, nothing sent)."""

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from pacer.leads.followup import send_notices
from pacer.leads.models import Notice, SlaPolicy
from pacer.leads.rules import set_agent
from pacer.leads.sms import HttpProvider, SmsError
from pacer.leads.timers import fire_due_timers
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def reminded(workspace, north, clock_at, settings, tmp_path):
    """A lead whose owner (with a phone) has just been reminded."""
    settings.LEAD_SMS_OUTBOX = tmp_path / "sms"
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15, remind_minutes=5)
    ann = member(workspace, "ann")
    set_agent(workspace, agent(workspace, ann, north).pk, phone="+44 7700 900123")
    lead = lead_at(workspace, MONDAY, clock_at, 1)
    assert fire_due_timers(MONDAY + timedelta(minutes=10)) == 1
    return lead


def test_a_reminder_goes_by_sms_once_when_the_agent_has_a_phone(reminded, settings):
    assert sorted(Notice.objects.values_list("key", "to_phone")) == [
        ("auto-reply", ""),
        ("remind-sms:1", "+44 7700 900123"),
        ("remind:1", ""),
    ]
    # the auto-reply and the SMS; ann has no email address: her reminder is in-app only
    assert send_notices() == 2 and send_notices() == 0
    (sent,) = (settings.LEAD_SMS_OUTBOX).iterdir()
    message = json.loads(sent.read_text())
    assert message["to"] == "+44 7700 900123"
    assert message["text"].startswith(f"Lead #{reminded.pk}: respond by")
    assert Notice.objects.get(key="remind-sms:1").sent_at is not None


@pytest.fixture
def local_http():
    """An HTTP server on the loopback address, recording what reaches it."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/sms", received
    server.shutdown()


def test_the_http_provider_refuses_a_loopback_address_and_sends_nothing(
    reminded, settings, local_http
):
    url, received = local_http
    settings.LEAD_SMS_URL = url
    assert send_notices() == 1  # the auto-reply; the SMS is refused
    notice = Notice.objects.get(key="remind-sms:1")
    assert notice.claimed_at is not None and notice.sent_at is None  # shown, never resent
    assert received == []
    with pytest.raises(SmsError, match=r"not public \(127.0.0.1\)"):
        HttpProvider(url).send("+447700900123", "hi", "k1")
    assert received == []


def test_the_http_provider_reaches_an_allowed_network(reminded, settings, local_http):
    url, received = local_http
    settings.LEAD_SMS_URL = url
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    HttpProvider(url, "t0ken").send("+447700900123", "hi", "k1")
    assert [json.loads(body) for body in received] == [
        {"to": "+447700900123", "text": "hi", "key": "k1"}
    ]
