"""A Twilio-compatible provider's status callbacks: one that comes before the worker saved
the text's message id (the provider can call back within milliseconds of its API's
answer) is kept and applied once the id is saved, whichever of the two commits first;
and every pair of (current delivery, reported status) moves the text forward only, so a
late or out-of-order callback (``read`` after ``failed``) changes nothing."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from pacer.core import faults
from pacer.messaging import rules, sms, sms_status
from pacer.messaging.models import PendingSmsStatus, SmsMessage
from tests.messaging.test_sms_broadcasts import phone_person
from tests.messaging.test_twilio import account, broadcast_to, post_signed, server
from tests.messaging.twilio_server import ACCOUNT_SID

__all__ = ["account", "server"]  # fixtures
ADA = "+15550100100"


def status_post(workspace, sid: str, status: str, **extra) -> dict:
    """Post a signed callback from a thread of its own (its own database connection), as
    the provider's request reaches another server process."""
    answers = []

    def post():
        try:
            params = {"AccountSid": ACCOUNT_SID, "MessageSid": sid, "MessageStatus": status}
            answers.append(post_signed(Client(), workspace, "status", {**params, **extra}))
        finally:
            connection.close()

    thread = threading.Thread(target=post)
    thread.start()
    thread.join(timeout=60)
    assert answers[0].status_code == 200
    return answers[0].json()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("capped", [False, True], ids=["uncapped", "frequency-capped"])
def test_a_callback_before_the_sid_is_saved_is_applied_when_it_is(
    workspace, server, account, now, capped
):
    if capped and connection.vendor != "postgresql":
        pytest.skip("SQLite's one writer: the callback waits for the cap lock's transaction")
    if capped:  # the text is handed over and marked inside the contact's cap lock
        rules.save_settings(workspace, time_zone="UTC", cap_count=3, cap_days=7)
    (text,) = broadcast_to(workspace, phone_person(workspace, "ada@x.test", ADA, "Ada"))
    start = now["at"]
    answers = []

    def provider_calls_back_at_once():  # the provider took the text; its sid not saved yet
        sid = server.sids[-1]
        assert SmsMessage.objects.get(pk=text.pk).provider_id == ""
        now["at"] = start + timedelta(seconds=1)
        answers.append(status_post(workspace, sid, "sent"))
        answers.append(status_post(workspace, sid, "delivered"))
        answers.append(status_post(workspace, sid, "delivered"))  # a replay
        assert PendingSmsStatus.objects.count() == 2
        now["at"] = start + timedelta(seconds=2)

    with faults.hooked("messaging.sms.taken", provider_calls_back_at_once):
        assert sms.deliver_sms() == 1

    assert [a["pending"] for a in answers] == [True, True, True]
    text = SmsMessage.objects.get(pk=text.pk)
    assert (text.status, text.provider_id, text.delivery) == ("sent", server.sids[0], "delivered")
    assert text.delivered_at == start + timedelta(seconds=1)  # when the provider said so
    assert PendingSmsStatus.objects.count() == 0
    again = status_post(workspace, text.provider_id, "delivered")
    assert again == {"recorded": False, "detail": "already delivered", "id": text.pk}


@pytest.mark.django_db(transaction=True)
def test_a_failure_reported_before_the_sid_is_saved_fails_the_text(workspace, server, account, now):
    (text,) = broadcast_to(workspace, phone_person(workspace, "ada@x.test", ADA, "Ada"))

    def provider_calls_back_at_once():
        status_post(workspace, server.sids[-1], "undelivered", ErrorCode="30007")

    with faults.hooked("messaging.sms.taken", provider_calls_back_at_once):
        assert sms.deliver_sms() == 1
    text = SmsMessage.objects.get(pk=text.pk)
    assert (text.status, text.delivery, text.reason) == (
        "failed",
        "undelivered",
        "the provider reported it undelivered (error 30007)",
    )


@pytest.mark.django_db(transaction=True)
def test_the_sid_saved_while_the_callback_keeps_its_status_is_still_applied(
    workspace, server, account, now
):
    """The worker saves the id and looks for kept statuses after the callback found no
    text but before it committed its kept status: the callback looks again after its
    commit. (PostgreSQL only: SQLite's one writer cannot let the worker write while the
    callback's transaction is open.)"""
    if connection.vendor != "postgresql":
        pytest.skip("needs two writers at once")
    (text,) = broadcast_to(workspace, phone_person(workspace, "ada@x.test", ADA, "Ada"))
    provider_took_it, callback_kept_it = threading.Event(), threading.Event()

    def wait_for_the_callback():
        provider_took_it.set()
        assert callback_kept_it.wait(timeout=120)

    def worker():
        try:
            with faults.hooked("messaging.sms.taken", wait_for_the_callback):
                sms.deliver_sms()
        finally:
            connection.close()

    sending = threading.Thread(target=worker)
    sending.start()
    assert provider_took_it.wait(timeout=120)

    def let_the_worker_finish():  # the status kept, not committed
        callback_kept_it.set()
        sending.join(timeout=120)
        assert SmsMessage.objects.get(pk=text.pk).provider_id == server.sids[0]

    with faults.hooked("messaging.sms.status_kept", let_the_worker_finish):
        params = {"MessageSid": server.sids[0], "MessageStatus": "delivered"}
        answer = post_signed(Client(), workspace, "status", params).json()
    assert answer == {"recorded": True, "detail": "delivered", "id": text.pk}
    assert SmsMessage.objects.get(pk=text.pk).delivery == "delivered"
    assert PendingSmsStatus.objects.count() == 0


# every (current delivery, reported status): whether the status is applied. Rows are the
# current delivery ("" = none reported yet), columns the reported status.
COLUMNS = ["queued", "sent", "delivered", "read", "undelivered", "failed"]
MOVES = {
    "": "111111",
    "queued": "011111",
    "sent": "001111",
    "delivered": "000100",
    "read": "000000",
    "undelivered": "000000",
    "failed": "000000",
}
PAIRS = [
    (current, status, flag == "1")
    for current, row in MOVES.items()
    for status, flag in zip(COLUMNS, row, strict=True)
]
# Twilio's other waiting statuses rank as queued
PAIRS += [(current, waiting, current == "") for current in MOVES for waiting in sms_status.WAITING]


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "status", "moves"), PAIRS)
def test_a_status_moves_a_text_forward_only(workspace, now, current, status, moves):
    failed = current in ("undelivered", "failed")
    text = SmsMessage.objects.create(
        workspace=workspace,
        key="k",
        to_number=ADA,
        text="Hi",
        status="failed" if failed else "sent",
        reason="the provider reported it failed" if failed else "",
        created_at=now["at"],
        sent_at=now["at"],
        provider_id="SM1",
        delivery=current,
    )
    answer = sms_status.record_status(workspace, {"MessageSid": "SM1", "MessageStatus": status})
    text.refresh_from_db()
    assert answer["recorded"] is moves
    assert text.delivery == (status if moves else current)
    if moves and status in ("undelivered", "failed"):
        assert (text.status, text.reason) == ("failed", f"the provider reported it {status}")
    else:
        assert text.status == ("failed" if failed else "sent")
    assert (text.delivered_at is not None) is (moves and status in ("delivered", "read"))
