"""A relay that ends a session mid-share: the messages that session never reached keep no
attempt (attempts recorded = SMTP transactions made), and go out on the next run."""

from datetime import timedelta

import pytest
from django.conf import settings

from pacer.messaging import actions
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Message, MessageStatus
from tests.messaging.conftest import person

pytestmark = pytest.mark.django_db


def test_a_session_ended_by_the_relay_leaves_its_untried_messages_unattempted(workspace, smtp, now):
    failed = []
    accept = smtp.handle_DATA

    async def first_data_fails(server, session, envelope):  # the first DATA of the run
        if not failed:
            failed.append(envelope.rcpt_tos[0])
            return "451 4.3.0 try again later"
        return await accept(server, session, envelope)

    smtp.handle_DATA = first_data_fails
    for n in range(12):  # four sessions: three messages each
        person(workspace, f"p{n:02d}@x.test")
    template = actions.save_template(workspace, name="T", subject="Hi", html="<p>Hi</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="n@acme.test")
    broadcast = actions.create_broadcast(
        workspace, name="B", template_id=template.pk, sender_id=sender.pk, audience={"all": True}
    )
    actions.queue_broadcast(workspace, broadcast.pk)
    deliver()
    messages = {m.email: m for m in Message.objects.filter(broadcast=broadcast)}
    untried = [
        e for e, m in messages.items() if m.status == MessageStatus.QUEUED and not smtp.tried[e]
    ]
    assert failed and untried  # the session ended before some of its messages
    assert {e: m.attempts for e, m in messages.items()} == {e: smtp.tried[e] for e in messages}
    # the untried stay claimed until their lease ends; then a run sends what is left
    now["at"] += timedelta(seconds=settings.MESSAGING_LEASE_SECONDS + 1)
    deliver()
    sent = Message.objects.filter(broadcast=broadcast, status=MessageStatus.SENT).count()
    assert sent == 12 and len(smtp.messages) == 12
