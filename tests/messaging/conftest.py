import socket
from collections import Counter
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller

from pacer.core import clock
from pacer.people.models import Consent, Contact


class Sink:
    """A real SMTP server's handler: keeps what it accepts; refuses listed recipients;
    counts the transactions (RCPT commands) per recipient, refused ones included."""

    def __init__(self):
        self.messages = []
        self.refuse = {}  # address -> SMTP reply, e.g. "550 no such user"
        self.tried = Counter()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.tried[address] += 1
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER = False, ""
    yield sink
    controller.stop()


@pytest.fixture
def now(monkeypatch):
    moment = {"at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC)}
    monkeypatch.setattr(clock, "now", lambda: moment["at"])
    return moment


def person(workspace, email, first_name="", consent=True, purpose="marketing"):
    contact = Contact.objects.create(workspace=workspace, email=email, first_name=first_name)
    if consent is not None:
        Consent.objects.create(
            workspace=workspace,
            contact=contact,
            channel="email",
            purpose=purpose,
            granted=consent,
            source="test",
            recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    return contact
