"""The lead page gives how to reach the person (phone and email links) and the
contact's timeline (issue 12, item 6: "the contact's timeline (events, orders,
messages, forms) on the lead page"): the newest entries of every domain, newest first,
in the location's time, the auto-reply among them; only the lead's own contact."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from pacer.core import feed
from pacer.ingest.actions import accept
from pacer.ingest.processing import process_pending
from pacer.leads.followup import log_activity, send_notices
from pacer.leads.models import LocationHours, Notice
from pacer.leads.timeline import latest
from pacer.leads.timers import fire_due_timers
from pacer.people.models import Contact
from tests.leads import test_pages
from tests.leads.test_pages import new_lead

pytestmark = pytest.mark.django_db
desk = test_pages.desk  # North, Sam (staff) and a 15-minute SLA
MINUTE = timedelta(minutes=1)
T0 = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=40)


def settle(workspace) -> None:
    process_pending(workspace)
    while feed.deliver_all():
        pass


def shown(html: str) -> list[str]:
    """The timeline section's entries as text (tags dropped), in page order."""
    section = html.split('id="contact-timeline"', 1)[1].split("</ul>", 1)[0]
    items = [item.split("</li>", 1)[0] for item in section.split("<li")[1:]]
    return [" ".join(re.sub(r"<[^>]+>", "", item.split(">", 1)[1]).split()) for item in items]


def test_the_lead_page_shows_the_contacts_newest_events_orders_messages_and_follow_up(
    workspace, desk, settings
):
    north, sam = desk
    sam.email = "sam@x.test"  # his reminders are emailed to him: not the contact's messages
    sam.save(update_fields=["email"])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    lead = new_lead(workspace, 1, T0)
    other = new_lead(workspace, 2, T0)  # someone else's entries stay off this page
    accept(
        workspace,
        [
            {"type": "identify", "messageId": "i1", "userId": "u-1",
             "traits": {"email": "p1@x.test"}, "timestamp": (T0 + MINUTE).isoformat()},
            {"type": "track", "messageId": "o1", "userId": "u-1", "event": "Order Completed",
             "properties": {"order_id": "A-17", "total": "45.00"},
             "timestamp": (T0 + 30 * MINUTE).isoformat()},
        ],
        received_at=T0 + timedelta(minutes=30),
    )  # fmt: skip
    settle(workspace)
    assert fire_due_timers(T0 + 12 * MINUTE) == 2  # Sam's reminders: staff, not theirs
    assert send_notices() == 2  # both auto-replies
    Notice.objects.filter(key__startswith="remind").update(sent_at=T0 + 12 * MINUTE)
    sent = {n.lead_id: n.sent_at for n in Notice.objects.filter(key="auto-reply")}
    log_activity(
        workspace, lead.pk, "call", at=T0 + timedelta(minutes=5), actor=sam, outcome="reached"
    )
    log_activity(workspace, other.pk, "call", at=T0 + timedelta(minutes=6), outcome="no answer")

    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="America/New_York", weekly={}
    )  # the page shows times in the location's zone

    client = Client()
    client.force_login(sam)
    html = client.get(f"/leads/{lead.pk}/").content.decode()

    def at(moment: datetime) -> str:
        return f"{moment.astimezone(ZoneInfo('America/New_York')):%Y-%m-%d %H:%M}"

    assert shown(html) == [
        f"{at(sent[lead.pk])} · Lead messages: Email sent: Thanks, we have your request "
        "(auto-reply · to p1@x.test)",
        f"{at(T0 + 30 * MINUTE)} · Orders: Order A-17: $45.00",
        f"{at(T0 + 30 * MINUTE)} · Events: Order Completed (order_id: A-17 · total: 45.00)",
        f"{at(T0 + 5 * MINUTE)} · Lead follow-up: Call logged (reached · by sam)",
        f"{at(T0 + MINUTE)} · Events: Identified",
        f"{at(T0)} · Lead stages: New lead (by capture)",
        f"{at(T0)} · Events: Lead Created (location: north · source: form)",
        f"{at(T0)} · Events: Identified",
    ]
    assert f'href="/contacts/{lead.contact_id}/#timeline">The whole timeline' in html
    theirs = latest(workspace.pk, other.contact_id, 15)
    assert [e.detail for _, e in theirs if e.kind == "lead-activity"] == ["no answer"]


def test_a_contact_with_more_than_the_page_shows_only_the_newest(workspace, desk):
    north, sam = desk
    lead = new_lead(workspace, 1, T0)
    for n in range(20):
        log_activity(
            workspace, lead.pk, "note", at=T0 + timedelta(minutes=n + 1), outcome=f"note {n}"
        )
    client = Client()
    client.force_login(sam)
    lines = shown(client.get(f"/leads/{lead.pk}/").content.decode())
    assert len(lines) == 15
    assert [line.rsplit("(", 1)[1].rstrip(")") for line in lines] == [
        f"note {n}" for n in range(19, 4, -1)
    ]
    # another workspace's lead: not found, nothing of its contact shown
    assert client.get("/leads/999999/").status_code == 404


def test_the_lead_page_gives_the_persons_phone_and_email_to_call_or_write(workspace, desk):
    north, sam = desk
    lead = new_lead(workspace, 1, T0)
    client = Client()
    client.force_login(sam)
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    assert '<dd id="lead-phone">—</dd>' in html  # none given
    assert '<dd id="lead-email"><a href="mailto:p1@x.test">p1@x.test</a></dd>' in html
    Contact.objects.filter(pk=lead.contact_id).update(phone="+1 512 555 0142")
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    assert '<dd id="lead-phone"><a href="tel:+15125550142">+1 512 555 0142</a></dd>' in html
