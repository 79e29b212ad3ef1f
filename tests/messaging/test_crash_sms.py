"""Texts survive kills: a real ``deliver_sms`` process (the ``messaging-sms`` loop) is
killed with SIGKILL before handing a claimed text to the provider and after the
provider took one (not marked sent), and a number texts STOP while its text is claimed.

The guarantee (at least once, with the provider's idempotency key): no queued text is
lost — a killed run's claims run out and the texts go again; none is marked sent before
the provider took it; the only repeat is the text the provider had taken when the kill
came, sent again with the same ``Idempotency-Key``; and a number that stopped meanwhile
gets no text for a purpose (it is skipped at send time).

Attempts (issue 10): an attempt is counted when the text is about to reach the provider,
so kills between the claim and the hand-over use up none of a text's attempts (attempts
recorded = requests the provider saw)."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import clock
from pacer.messaging import sms
from pacer.messaging.models import SmsMessage
from pacer.people.models import Contact, Identity
from tests.core.loop_processes import SIGKILL, Endpoint, run_loop
from tests.messaging.test_sms_broadcasts import phone_person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=300)  # PACER_MESSAGING_LEASE_SECONDS's default
TEXTS = 6
OURS = "+15550009999"


@pytest.fixture
def provider(settings):
    """The SMS provider: a real HTTP endpoint, for the child processes and this one."""
    endpoint = Endpoint()
    settings.LEAD_SMS_URL = endpoint.url
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    yield endpoint
    endpoint.close()


def number(n: int) -> str:
    return f"+1555010{n:04}"


def deliver(provider, at, fault=""):
    return run_loop(
        "pacer.messaging.sms.deliver_sms",
        at,
        fault=fault,
        PACER_SMS_URL=provider.url,
        PACER_OUTBOUND_ALLOW="127.0.0.1/32",
    )


def state(texts, provider) -> dict[int, tuple]:
    """Per text (1-based): status, attempts, times the provider took it."""
    taken = Counter(headers["idempotency-key"] for headers, _ in provider.seen)
    found = {t.pk: t for t in SmsMessage.objects.all()}
    return {
        n: (found[t.pk].status, found[t.pk].attempts, taken[f"pacer-sms-{t.pk}"])
        for n, t in enumerate(texts, 1)
    }


def consenting(workspace, n: int) -> Contact:
    """A contact with the ``n``th number (an identity too) and SMS consent for marketing."""
    contact = phone_person(workspace, f"p{n}@example.test", number(n))
    Identity.objects.create(workspace=workspace, contact=contact, kind="phone", value=number(n))
    return contact


def test_kills_lose_no_text_repeat_only_the_taken_one_and_respect_a_stop(
    workspace, provider, monkeypatch
):
    moment = {"at": T0}
    monkeypatch.setattr(clock, "now", lambda: moment["at"])
    texts = []
    for n in range(1, TEXTS + 1):
        contact = consenting(workspace, n)
        texts.append(sms.send_sms(workspace, contact_id=contact.pk, text=f"Sale {n}", key=f"t{n}"))

    # a run claims every due text at once, then hands them over one by one
    status, output = deliver(provider, T0, "messaging.sms.sending:2")
    assert status == SIGKILL, output
    assert state(texts, provider) == {
        1: ("sent", 1, 1),
        **{n: ("queued", 0, 0) for n in range(2, 7)},  # claimed, no attempt made
    }
    assert deliver(provider, T0) == (0, "0\n")  # claimed by the dead run until its lease ends

    retry = T0 + LEASE + timedelta(seconds=1)
    status, output = deliver(provider, retry, "messaging.sms.taken:2")
    assert status == SIGKILL, output
    assert state(texts, provider) == {
        1: ("sent", 1, 1),
        2: ("sent", 1, 1),
        3: ("queued", 1, 1),  # the provider has it; not marked: it goes again
        **{n: ("queued", 0, 0) for n in range(4, 7)},
    }
    # the 4th number texts STOP while its text is claimed by the dead run
    moment["at"] = retry + timedelta(seconds=1)
    inbound, _ = sms.receive_sms(
        workspace, provider_id="in-1", from_number=number(4), to_number=OURS, body="STOP"
    )
    (confirmation,) = provider.seen[3:]  # sent at once, in this process
    assert (
        confirmation[0]["idempotency-key"]
        == f"pacer-sms-{SmsMessage.objects.get(key=f'reply:{inbound.pk}').pk}"
    )

    last = retry + LEASE + timedelta(seconds=1)
    assert deliver(provider, last) == (0, "3\n")  # the 3rd again, the 5th, the 6th
    assert deliver(provider, last + LEASE * 2) == (0, "0\n")
    assert state(texts, provider) == {
        1: ("sent", 1, 1),
        2: ("sent", 1, 1),
        3: ("sent", 2, 2),  # the one repeat, with the same key
        4: ("skipped", 0, 0),  # never to the stopped number
        5: ("sent", 1, 1),
        6: ("sent", 1, 1),
    }
    assert SmsMessage.objects.get(pk=texts[3].pk).reason == "the number texted STOP (at send time)"
    bodies = {(headers["idempotency-key"], body) for headers, body in provider.seen}
    assert len(bodies) == len({key for key, _ in bodies}) == 6  # a repeat is the same request


def test_kills_before_the_hand_over_use_up_no_attempt(workspace, provider, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: T0)
    contact = consenting(workspace, 1)
    text = sms.send_sms(workspace, contact_id=contact.pk, text="Sale", key="t1")
    at = T0
    for kill in range(sms.MAX_ATTEMPTS + 1):  # more kills than a text has attempts
        status, output = deliver(provider, at, "messaging.sms.sending:1")
        assert status == SIGKILL, output
        assert state([text], provider) == {1: ("queued", 0, 0)}, kill
        at += LEASE + timedelta(seconds=1)  # the dead run's claim has run out
    assert deliver(provider, at) == (0, "1\n")
    assert state([text], provider) == {1: ("sent", 1, 1)}
