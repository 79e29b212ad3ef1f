"""Each recipient's outcome in a broadcast's tables: an email's first open and click, its
bounce (a hard-bounce report, or the relay's refusal) or complaint with the reason; a
text's delivery with the provider's error code. Sortable and narrowed by outcome, read in
the database: the page makes as many queries for six messages as for two."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacer.messaging import actions, selectors
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Message, MessageEvent, SmsMessage
from pacer.messaging.tracking import click_url, open_url
from tests.messaging.conftest import person
from tests.messaging.pages import broadcast_page
from tests.messaging.test_sms_broadcasts import phone_person
from tests.messaging.test_sms_status import ADA
from tests.messaging.test_twilio import broadcast_to

pytestmark = pytest.mark.django_db

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BOUNCED = datetime(2026, 3, 2, 12, 15, tzinfo=UTC)


def make_broadcast(workspace, now, smtp, names, refused=()):
    for name in names:
        person(workspace, f"{name}@x.test", name.title())
    for name in refused:
        smtp.refuse[f"{name}@x.test"] = "550 no such user"
    template = actions.save_template(
        workspace, name="T", subject="Hi", html='<p><a href="https://shop.test/">Shop</a></p>'
    )
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    broadcast = actions.create_broadcast(
        workspace,
        name="Spring",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
    )
    now["at"] = SENT
    actions.queue_broadcast(workspace, broadcast.pk)
    deliver()
    return broadcast, {
        m.email.split("@")[0]: m for m in Message.objects.filter(broadcast=broadcast)
    }


def click(client, message, now, at):
    now["at"] = at
    url = click_url(message.workspace_id, message.pk, "https://shop.test/")
    assert client.get(url.removeprefix(settings.BASE_URL)).status_code == 302


def opened(client, message, now, at):
    now["at"] = at
    assert client.get(open_url(message.workspace_id, message.pk)).status_code == 200


def event(message, kind, at, detail=""):
    MessageEvent.objects.create(
        workspace_id=message.workspace_id,
        message=message,
        kind=kind,
        key=kind,
        at=at,
        detail=detail,
    )


@pytest.fixture
def story(workspace, now, smtp, client):
    """ada opens (twice) and clicks; bob clicks, then his address bounces; cy complains;
    dee does nothing; fay is refused by the relay."""
    broadcast, m = make_broadcast(workspace, now, smtp, ["ada", "bob", "cy", "dee", "fay"], ["fay"])
    opened(client, m["ada"], now, SENT + timedelta(minutes=5))
    opened(client, m["ada"], now, SENT + timedelta(minutes=50))
    click(client, m["ada"], now, SENT + timedelta(minutes=7))
    click(client, m["bob"], now, SENT + timedelta(hours=1))
    event(m["bob"], "bounce", BOUNCED, "550 5.1.1 mailbox unknown")
    event(m["cy"], "complaint", BOUNCED + timedelta(hours=1), "abuse")
    return broadcast


def test_each_message_has_its_first_open_click_bounce_and_complaint(workspace, story):
    rows = selectors.messages_of(workspace, story.pk).order_by("email")
    found = {
        row["email"]: row
        for row in rows.values(
            "email", "opened_at", "clicked_at", "bounced_at", "complained_at", "problem"
        )
    }
    fay_failed_at = Message.objects.get(email="fay@x.test").failed_at
    assert fay_failed_at is not None
    assert {email: tuple(row.values())[1:] for email, row in found.items()} == {
        "ada@x.test": (SENT + timedelta(minutes=5), SENT + timedelta(minutes=7), None, None, ""),
        "bob@x.test": (None, SENT + timedelta(hours=1), BOUNCED, None, "550 5.1.1 mailbox unknown"),
        "cy@x.test": (None, None, None, BOUNCED + timedelta(hours=1), "abuse"),
        "dee@x.test": (None, None, None, None, ""),
        "fay@x.test": (None, None, fay_failed_at, None, "550 no such user"),
    }


@pytest.mark.parametrize(
    ("outcome", "emails"),
    [
        ("", ["ada", "bob", "cy", "dee", "fay"]),
        ("opened", ["ada"]),
        ("not_opened", ["bob", "cy", "dee"]),
        ("clicked", ["ada", "bob"]),
        ("bounced", ["bob", "fay"]),
        ("complained", ["cy"]),
    ],
)
def test_the_messages_table_is_narrowed_by_outcome(
    client, admin, workspace, story, outcome, emails
):
    page = broadcast_page(client, admin, story.pk, f"outcome={outcome}").content.decode()
    table = page[page.index('id="broadcast-messages"') :]
    shown = sorted(set(re.findall(r">(\w+)@x\.test<", table)))
    assert shown == emails


def test_the_messages_table_sorts_by_when_each_was_clicked(client, admin, workspace, story):
    page = broadcast_page(client, admin, story.pk, "sort=-clicked_at").content.decode()
    table = page[page.index('id="broadcast-messages"') :]
    shown = list(dict.fromkeys(re.findall(r">(\w+)@x\.test<", table)))
    assert shown[:2] == ["bob", "ada"]  # latest click first, then those without one
    assert "550 5.1.1 mailbox unknown" in table and "Reason reported" in table


def test_an_unknown_outcome_is_refused_next_to_its_control(client, admin, workspace, story):
    response = broadcast_page(client, admin, story.pk, "outcome=teleported")
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not one of the choices" in page
    table = page[page.index('id="broadcast-messages"') :]
    assert len(set(re.findall(r">(\w+)@x\.test<", table))) == 5  # every message shown


def test_the_page_reads_every_rows_outcome_in_the_same_queries(client, admin, workspace, now, smtp):
    broadcast, m = make_broadcast(workspace, now, smtp, ["ada", "bob"])
    broadcast_page(client, admin, broadcast.pk)  # sessions, caches
    with CaptureQueriesContext(connection) as two:
        broadcast_page(client, admin, broadcast.pk)
    for n in range(4):
        contact = person(workspace, f"p{n}@x.test", f"P{n}")
        message = Message.objects.create(
            workspace=workspace,
            broadcast=broadcast,
            contact_id=contact.pk,
            email=contact.email,
            status="sent",
            sent_at=SENT,
        )
        event(message, "open", SENT + timedelta(minutes=n))
        event(message, "bounce", BOUNCED, "gone")
    with CaptureQueriesContext(connection) as six:
        page = broadcast_page(client, admin, broadcast.pk).content.decode()
    assert page.count(">gone<") == 4
    assert len(six) == len(two)


def test_each_text_shows_its_delivery_and_error_code_narrowed_by_delivery(
    client, admin, workspace, now
):
    numbers = [ADA, "+15550100102", "+15550100103"]
    people = [
        phone_person(workspace, f"p{n}@x.test", number, f"P{n}") for n, number in enumerate(numbers)
    ]
    texts = broadcast_to(workspace, *people)
    for text, (status, delivery, code) in zip(
        texts,
        [("sent", "delivered", ""), ("failed", "undelivered", "30007"), ("sent", "", "")],
        strict=True,
    ):
        SmsMessage.objects.filter(pk=text.pk).update(
            status=status, delivery=delivery, error_code=code, sent_at=SENT
        )
    client.force_login(admin)
    broadcast_id = texts[0].broadcast_id

    def shown(query: str) -> list[str]:
        page = client.get(f"/messages/sms/{broadcast_id}/?{query}").content.decode()
        return sorted(set(re.findall(r">(P\d)<", page[page.index('id="sms-texts"') :])))

    assert shown("") == ["P0", "P1", "P2"]
    assert shown("delivery=delivered") == ["P0"]
    assert shown("delivery=not_delivered") == ["P1"]
    assert shown("delivery=unreported") == ["P2"]
    page = client.get(f"/messages/sms/{broadcast_id}/?delivery=not_delivered").content.decode()
    assert ">30007<" in page
    assert "blocked as spam by the carrier" in page  # the code's name, as its hint
