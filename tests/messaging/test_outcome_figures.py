"""A broadcast's outcome figures are the figures round 29's reads gave on the same story
(pinned here as exact values, taken from that code): each message's first open, click,
bounce, complaint and the reason reported, per outcome filter and sorted; the report;
revenue after click (contacts merged since, orders after the window, an order in another
currency); delivery per period (the unit chosen by the exact first and last moment, not
their hours). The page's query count is pinned, and the send times are counted per hour
in the database instead of read one per message."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from pacer.core import actions as core_actions
from pacer.messaging import actions, outcomes, selectors
from pacer.messaging.models import Broadcast, Message, MessageEvent
from tests.messaging.test_api import bearer
from tests.messaging.test_click_revenue import CLICKED, SENT, merge
from tests.messaging.test_outcomes import follow, order
from tests.messaging.test_recipient_outcomes import event, make_broadcast, opened

pytestmark = pytest.mark.django_db

NAMES = ["ada", "bob", "cy", "dee", "eve", "gus", "fay"]
LATE = SENT + timedelta(hours=72, minutes=20)  # a click just over three days after the send


@pytest.fixture
def story(workspace, now, smtp, client):
    """Seven recipients (fay refused by the relay). ada opens twice and clicks twice; bob
    clicks, his address bounces twice (the first report is the reason) and he complains;
    cy and dee click and are then merged into one person; eve clicks, unsubscribes and
    buys in euros too; gus clicks just over three days after the send (so the delivery
    series are per day); orders around the clicks, some after the window."""
    broadcast, m = make_broadcast(workspace, now, smtp, NAMES, refused=["fay"])
    people = {name: Message.objects.get(pk=m[name].pk).contact_id for name in NAMES}
    opened(client, m["ada"], now, SENT + timedelta(minutes=5))
    opened(client, m["ada"], now, SENT + timedelta(minutes=50))
    follow(client, m["ada"], now, CLICKED)
    follow(client, m["ada"], now, CLICKED + timedelta(days=1))
    follow(client, m["bob"], now, CLICKED + timedelta(minutes=10))
    follow(client, m["cy"], now, CLICKED + timedelta(hours=1))
    follow(client, m["dee"], now, CLICKED)
    follow(client, m["eve"], now, CLICKED + timedelta(minutes=30))
    follow(client, m["gus"], now, LATE)
    event(m["bob"], "bounce", SENT + timedelta(hours=3), "550 5.1.1 mailbox unknown")
    event(m["bob"], "complaint", SENT + timedelta(hours=4), "abuse")
    MessageEvent.objects.create(
        workspace=workspace,
        message=m["bob"],
        kind="bounce",
        key="provider",
        detail="later report",
        at=SENT + timedelta(hours=5),
    )
    event(m["eve"], "unsubscribe", CLICKED + timedelta(hours=2))
    contacts = {c.pk: c for c in workspace.contact_set.all()}
    person = {name: contacts[pk] for name, pk in people.items()}
    order(person["ada"], CLICKED + timedelta(days=3), "100.00")  # in the window
    order(person["bob"], CLICKED + timedelta(days=8), "50.00")  # after it
    merge(person["dee"], person["cy"])
    order(person["cy"], CLICKED + timedelta(days=7, minutes=30), "60.00")  # after dee's
    order(person["cy"], CLICKED + timedelta(days=2), "25.50")  # once for the two
    order(person["eve"], CLICKED + timedelta(days=1), "12.25")
    order(person["eve"], CLICKED + timedelta(days=1, hours=1), "99.00", currency="EUR")
    order(person["gus"], LATE + timedelta(days=7, seconds=1), "70.00")  # a second late
    return broadcast


def test_each_messages_outcome_is_what_the_per_row_reads_gave(workspace, story):
    failed_at = Message.objects.get(email="fay@x.test").failed_at
    rows = selectors.messages_of(workspace, story.pk).order_by("email")
    found = [
        (
            row["email"].split("@")[0],
            row["status"],
            row["opened_at"],
            row["clicked_at"],
            row["bounced_at"],
            row["complained_at"],
            row["problem"],
            row["contact_name"],
        )
        for row in rows.values()
    ]
    assert found == [
        ("ada", "sent", SENT + timedelta(minutes=5), CLICKED, None, None, "", "Ada"),
        (
            "bob",
            "sent",
            None,
            CLICKED + timedelta(minutes=10),
            SENT + timedelta(hours=3),
            SENT + timedelta(hours=4),
            "550 5.1.1 mailbox unknown",
            "Bob",
        ),
        ("cy", "sent", None, CLICKED + timedelta(hours=1), None, None, "", "Cy"),
        ("dee", "sent", None, CLICKED, None, None, "", ""),  # merged away: no live contact
        ("eve", "sent", None, CLICKED + timedelta(minutes=30), None, None, "", "Eve"),
        ("fay", "failed", None, None, failed_at, None, "550 no such user", "Fay"),
        ("gus", "sent", None, LATE, None, None, "", "Gus"),
    ]


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("", ["ada", "bob", "cy", "dee", "eve", "fay", "gus"]),
        ("opened", ["ada"]),
        ("not_opened", ["bob", "cy", "dee", "eve", "gus"]),
        ("clicked", ["ada", "bob", "cy", "dee", "eve", "gus"]),
        ("bounced", ["bob", "fay"]),
        ("complained", ["bob"]),
    ],
)
def test_each_outcome_keeps_the_same_messages(workspace, story, outcome, expected):
    rows = selectors.messages_of(workspace, story.pk, outcome)
    assert sorted(e.split("@")[0] for e in rows.values_list("email", flat=True)) == expected
    assert rows.count() == len(expected)


def test_sorted_by_first_click_in_the_same_order(workspace, story):
    by_click = F("clicked_at").desc(nulls_last=True)  # as the table sorts
    rows = selectors.messages_of(workspace, story.pk).order_by(by_click, "-pk")
    order_shown = [e.split("@")[0] for e in rows.values_list("email", flat=True)]
    assert order_shown == ["gus", "cy", "eve", "bob", "dee", "ada", "fay"]


def test_the_report_revenue_and_delivery_are_the_same_figures(workspace, story):
    broadcast = selectors.broadcast(workspace, story.pk)
    assert selectors.report(workspace, broadcast) == {
        "sent": 6,
        "delivered": 5,
        "bounced": 2,
        "opened": 1,
        "clicked": 6,
        "unsubscribed": 1,
        "complained": 1,
        "delivery_rate": 5 / 7,
        "bounce_rate": 2 / 7,
        "open_rate": 1 / 6,
        "click_rate": 1.0,
        "unsubscribe_rate": 1 / 6,
        "complaint_rate": 1 / 6,
        "warnings": [
            "Bounce rate 28.6% is over 2%: clean the list before the next send",
            "Complaint rate 16.67% (1 of 6 sent) has reached the 0.3% limit Gmail and Yahoo "
            "set for bulk senders: they may reject or spam-file this mail; pause, and send "
            "only to recipients who engaged recently",
        ],
    }
    assert outcomes.revenue_after_click(workspace, broadcast) == {
        "window_days": 7,
        "currency": "USD",
        "orders": 3,
        "revenue": Decimal("137.75"),
        "other_currency_orders": 1,
        "variants": [],
    }
    day = SENT.replace(hour=0)
    assert outcomes.delivery_over_time(workspace, broadcast) == {
        "unit": "day",
        "periods": [day + timedelta(days=n) for n in range(4)],
        "series": {
            "sent": [6, 0, 0, 0],
            "delivered": [5, 0, 0, 0],
            "opened": [1, 0, 0, 0],
            "clicked": [5, 0, 0, 1],
            "bounced": [2, 0, 0, 0],
            "unsubscribed": [1, 0, 0, 0],
        },
    }


def test_the_api_report_and_the_page_show_them(client, admin, workspace, story):
    body = client.get(
        f"/api/messaging/broadcasts/{story.pk}/report", **bearer(workspace, "marketer")
    ).json()
    assert (body["sent"], body["delivered"], body["bounced"], body["clicked"]) == (6, 5, 2, 6)
    assert body["unit"] == "day" and [p["clicked"] for p in body["delivery"]] == [5, 0, 0, 1]
    assert body["revenue_after_click"]["revenue"] == "137.75"
    client.force_login(admin)
    page = client.get(f"/messages/broadcasts/{story.pk}/?outcome=bounced").content.decode()
    table = page[page.index('id="broadcast-messages"') :]
    assert sorted(set(re.findall(r">(\w+)@x\.test<", table))) == ["bob", "fay"]
    assert ">550 5.1.1 mailbox unknown<" in table and "later report" not in table


def test_the_page_makes_a_fixed_number_of_queries(client, admin, workspace, story):
    client.force_login(admin)
    url = f"/messages/broadcasts/{story.pk}/"
    client.get(url)  # sessions, caches
    for query in ("", "?sort=-clicked_at", "?outcome=clicked"):
        with CaptureQueriesContext(connection) as page:
            assert client.get(url + query).status_code == 200
        # 22: revenue after click reads the merged recipients' ids in one query (one more
        # when it loaded the contacts and then the contact they were merged into); the
        # broadcast and its counts per status are two (one join grouped by every column
        # before round 32); 24 since round 33: the deliverability of the sender's domain and
        # the workspace over the last day and week are two (email_health); 26 since round
        # 34: attributed revenue reads the attribution window and the last warehouse sync
        assert len(page) == 26, [q["sql"][:120] for q in page.captured_queries]


def test_a_broadcasts_counts_per_status_are_its_own_messages(workspace, now):
    """``selectors.broadcast`` counts one broadcast's messages per status (its own read
    since round 32): exactly the figures of ``selectors.broadcasts()``' join, zero for a
    status it has none of, another broadcast's and another workspace's messages left out."""
    mine = Broadcast.objects.create(
        workspace=workspace,
        name="Counted",
        template=actions.save_template(workspace, name="T", subject="Hi", html="<p>Hi</p>"),
        sender=actions.save_sender(workspace, name="Acme", from_email="news@acme.test"),
    )
    beside = Broadcast.objects.create(
        workspace=workspace, name="Beside", template=mine.template, sender=mine.sender
    )
    other_workspace = core_actions.create_workspace("Other", slug="other")
    template = actions.save_template(other_workspace, name="T", subject="Hi", html="<p>Hi</p>")
    sender = actions.save_sender(other_workspace, name="Other", from_email="a@other.test")
    elsewhere = Broadcast.objects.create(
        workspace=other_workspace, name="Counted", template=template, sender=sender
    )
    wanted = {"queued": 3, "sent": 5, "skipped": 2, "failed": 1, "held": 0}
    contact_id = iter(range(1, 100))
    for broadcast, counts in (
        (mine, wanted),
        (beside, {"sent": 4, "held": 2}),
        (elsewhere, {"sent": 7, "failed": 3}),
    ):
        Message.objects.bulk_create(
            Message(
                workspace=broadcast.workspace,
                broadcast=broadcast,
                contact_id=next(contact_id),
                email=f"{status}{n}@x.test",
                status=status,
            )
            for status, count in counts.items()
            for n in range(count)
        )
    with CaptureQueriesContext(connection) as read:
        found = selectors.broadcast(workspace, mine.pk)
        assert (found.template.name, found.sender.name) == ("T", "Acme")  # read with it
    assert len(read) == 2
    assert {status: getattr(found, status) for status in wanted} == wanted
    joined = selectors.broadcasts(workspace).get(pk=mine.pk)
    assert {status: getattr(joined, status) for status in wanted} == wanted
    beside_found = selectors.broadcast(workspace, beside.pk)
    assert (beside_found.sent, beside_found.held, beside_found.queued) == (4, 2, 0)
    assert selectors.broadcast(workspace, elsewhere.pk) is None


def test_the_delivery_series_read_send_times_counted_not_one_by_one(workspace, story):
    """The sent series is counted in the database (one row per send time: a group of
    messages is marked sent at once), not read as one send time per message."""
    broadcast = selectors.broadcast(workspace, story.pk)
    with CaptureQueriesContext(connection) as read:
        outcomes.delivery_over_time(workspace, broadcast)
    sent = [q["sql"] for q in read.captured_queries if '"sent_at" AS' in q["sql"]]
    assert len(sent) == 2 and all("GROUP BY" in sql for sql in sent)  # the sent; the returned
