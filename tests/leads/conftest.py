"""Fixtures shared by the leads tests: Pacer's clock, a location called North, and a
real SMTP server."""

import socket
from datetime import datetime

import pytest
from aiosmtpd.controller import Controller

from pacer.core import clock
from pacer.people.actions import upsert_locations


@pytest.fixture
def clock_at(monkeypatch):
    """Set Pacer's clock: ``clock_at(t)``."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    return set_to


@pytest.fixture
def north(workspace):
    (location,) = upsert_locations(workspace, [{"code": "north", "name": "North"}])
    return location


@pytest.fixture
def smtp_sink():
    """A real SMTP server (aiosmtpd) collecting what it receives, and from which client
    session (``peers``); it refuses the messages to the addresses in ``refuse``."""

    class Collect:
        def __init__(self):
            self.messages, self.peers, self.refuse = [], [], set()

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            if set(envelope.rcpt_tos) & self.refuse:
                return "554 Refused"
            self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
            self.peers.append(session.peer)
            return "250 OK"

    with socket.socket() as probe:  # a free port (aiosmtpd checks the one it is given)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, handler
    controller.stop()
