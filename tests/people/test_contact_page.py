"""The contact page and the contacts list, over contacts built by the real ingestion
(``pacer.ingest.actions.ingest`` with Segment messages)."""

import itertools
import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from pacer.core import actions
from pacer.core.models import AuditEntry
from pacer.core.permissions import allows
from pacer.core.roles import Role
from pacer.ingest.actions import ingest
from pacer.people.actions import upsert_locations
from pacer.people.models import Contact
from pacer.people.timeline import Position, timeline

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-1"
SITE = "https://shop.test/"
_ids = itertools.count()


def send(workspace, *messages: dict) -> None:
    results = ingest(workspace, list(messages), received_at=timezone.now())
    assert [r.status for r in results] == ["accepted"] * len(messages), results


def message(kind: str, when: str, *, user: str = "", anon: str = "", **fields) -> dict:
    raw = {"type": kind, "messageId": f"cp-{next(_ids)}", "timestamp": when, **fields}
    if user:
        raw["userId"] = user
    if anon:
        raw["anonymousId"] = anon
    return raw


def visit(when: str, campaign: str, **who) -> dict:
    url = f"{SITE}?utm_source=google&utm_medium=cpc&utm_campaign={campaign}"
    return message("page", when, context={"page": {"url": url}}, name="Home", **who)


def bought(when: str, order_id: str, total: str, **who) -> dict:
    properties = {"order_id": order_id, "total": total}
    return message("track", when, event="Order Completed", properties=properties, **who)


def consented(when: str, **who) -> dict:
    properties = {
        "channel": "email",
        "purpose": "marketing",
        "granted": True,
        "source": "checkout form",
        "wording": "Send me offers by email",
    }
    return message("track", when, event="Consent Updated", properties=properties, **who)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=UTC)


@pytest.fixture
def ada(workspace):
    """Ada, built from two visitors that a later identify merges: the anonymous visitor
    ``b-9`` (first seen 20 Feb, via the "winter" campaign, one order of 30.00) merges
    into Ada's contact (first seen 1 Mar, identified 2 Mar, an order of 120.50 on 3 Mar,
    email consent on 4 Mar)."""
    upsert_locations(workspace, [{"code": "dt", "name": "Downtown", "city": "Springfield"}])
    send(workspace, visit("2026-03-01T10:00:00Z", "spring", anon="a-1"))
    send(workspace, visit("2026-02-20T10:00:00Z", "winter", anon="b-9"))
    send(workspace, bought("2026-02-21T10:00:00Z", "o-2", "30.00", anon="b-9"))
    send(
        workspace,
        message(
            "identify",
            "2026-03-02T10:00:00Z",
            user="u-1",
            anon="a-1",
            traits={
                "email": "Ada@Example.com",
                "firstName": "Ada",
                "lastName": "Lovelace",
                "phone": "+1 555 010 0199",
                "location": "dt",
                "plan": "gold",
            },
        ),
        bought("2026-03-03T10:00:00Z", "o-1", "120.50", user="u-1"),
        consented("2026-03-04T10:00:00Z", user="u-1"),
    )
    first = Contact.objects.get(workspace=workspace, identities__value="a-1")
    second = Contact.objects.get(workspace=workspace, identities__value="b-9")
    assert first.pk < second.pk
    send(
        workspace,
        message(
            "identify", "2026-03-05T10:00:00Z", anon="b-9", traits={"email": "ada@example.com"}
        ),
    )
    survivor = Contact.objects.get(pk=first.pk)
    return {"contact": survivor, "merged": Contact.objects.get(pk=second.pk)}


@pytest.fixture
def client(workspace, admin):
    client = Client()
    assert client.login(username="ada", password=PASSWORD)
    return client


def kpis(html: str) -> dict[str, str]:
    """Each KPI card's id and the value it shows."""
    return dict(
        re.findall(
            r'<div class="kpi" id="([\w-]+)">.*?<b class="kpi-value"[^>]*>(.*?)</b>', html, re.S
        )
    )


def text(html: str) -> str:
    """The page's text with tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_page_shows_the_profile_identities_consent_traits_and_predictions(client, ada):
    contact = ada["contact"]
    Contact.objects.filter(pk=contact.pk).update(
        predicted_clv=412.5,
        p_alive=0.873,
        expected_purchases_90d=1.25,
        rfm_code="354",
        rfm_segment="Potential loyalists",
    )
    response = client.get(f"/contacts/{contact.pk}/")
    assert response.status_code == 200
    page = text(response.content.decode())
    assert f"Ada Lovelace Customer · Downtown · contact #{contact.pk}" in page
    for fact in (
        "Email ada@example.com",
        "Phone +1 555 010 0199",
        "Location Downtown, Springfield",
        "Lifecycle stage Customer",
        "First seen 2026-02-20 10:00",
        "Last seen 2026-03-05 10:00",
        "Acquired via Paid search",
        "Source / medium google / cpc",
        "Campaign winter",  # the merged visitor came first
        "Orders 2 Revenue $151",  # whole units from 100 up (pacer.web.formats)
        "Last order 2026-03-03 10:00",
        "plan gold",
        "RFM segment Potential loyalists (R3 F5 M4)",
    ):
        assert fact in page, fact
    html = response.content.decode()
    assert kpis(html) == {
        "kpi-orders": "2",
        "kpi-revenue": "$151",
        "kpi-average-order": "$75.25",
        "kpi-clv": "$413",
        "kpi-p-alive": "87.3%",
        "kpi-expected": "1.25",
    }
    identities = re.search(r'id="identities".*?</dl>', response.content.decode(), re.S).group(0)
    assert re.findall(r"<dt>(.*?)</dt><dd><code>(.*?)</code>", identities) == [
        ("Anonymous id", "a-1"),
        ("Anonymous id", "b-9"),
        ("Email", "ada@example.com"),
        ("Phone", "+15550100199"),
        ("User id", "u-1"),
    ]
    # the date is when Pacer first saw the identifier, and says so (not "since")
    assert identities.count("first recorded by Pacer 20") == 5 and "since" not in identities
    assert (
        "2026-03-04 10:00 Email marketing: given source checkout form · “Send me offers by email”"
        in page
    )
    history = re.search(r'id="merge-history".*?</ul>', response.content.decode(), re.S)
    merged = ada["merged"].pk
    assert f"contact #{merged} merged into this contact by ingestion" in text(history.group(0))
    assert f'href="/contacts/{merged}/"' in response.content.decode()


def test_the_timeline_holds_events_orders_consent_and_merges_newest_first(client, ada):
    contact = ada["contact"]
    response = client.get(f"/contacts/{contact.pk}/")
    rows = [(e.kind, e.title, e.at) for e in response.context["timeline"].entries]
    merge = AuditEntry.objects.get(action="contact.merge")
    merged = ada["merged"].pk
    assert rows == [
        ("merge", f"Contact #{merged} merged into this contact", merge.at),
        ("event", "Identified", at(3, 5)),
        ("event", "Consent Updated", at(3, 4)),
        ("consent", "Consent — Email marketing: given", at(3, 4)),
        ("order", "Order o-1: $121", at(3, 3)),
        ("event", "Order Completed", at(3, 3)),
        ("event", "Identified", at(3, 2)),
        ("event", "Viewed page Home", at(3, 1)),
        ("order", "Order o-2: $30.00", at(2, 21)),
        ("event", "Order Completed", at(2, 21)),
        ("event", "Viewed page Home", at(2, 20)),
    ]
    page = text(response.content.decode())
    assert (
        "Order Completed order_id: o-2 · total: 30.00 "
        "2026-02-20 10:00 Events Viewed page Home Paid search · campaign winter" in page
    )


def test_the_timeline_pages_by_keyset_both_ways_and_filters_by_kind(client, ada, workspace):
    contact = ada["contact"]
    everything = timeline(workspace.pk, contact.pk, per_page=100).entries
    assert len(everything) == 11
    # every page size, so that page boundaries fall between entries of the same time
    # and of different kinds (the consent decision and its event, an order and its event)
    for per_page in range(1, 7):
        pages = [timeline(workspace.pk, contact.pk, per_page=per_page)]
        assert pages[0].newer is None
        while pages[-1].older is not None and len(pages) <= len(everything):
            pages.append(
                timeline(workspace.pk, contact.pk, before=pages[-1].older, per_page=per_page)
            )
        assert [e for p in pages for e in p.entries] == everything, per_page
        assert all(len(p.entries) == per_page for p in pages[:-1]), per_page
        # and back again from the oldest page, by the newer links
        back = [pages[-1]]
        while back[-1].newer is not None and len(back) <= len(everything):
            back.append(timeline(workspace.pk, contact.pk, after=back[-1].newer, per_page=per_page))
        assert [p.entries for p in back[1:]] == [p.entries for p in pages[-2::-1]], per_page
    # through the page's links, with a kind chosen
    response = client.get(f"/contacts/{contact.pk}/?kind=event")
    events = [e for e in everything if e.kind == "event"]
    assert response.context["timeline"].entries == events
    orders = client.get(f"/contacts/{contact.pk}/?kind=order").context["timeline"].entries
    assert [e.title for e in orders] == ["Order o-1: $121", "Order o-2: $30.00"]
    token = Position.of(everything[3]).token()
    page = client.get(f"/contacts/{contact.pk}/?before={token}").context["timeline"]
    assert page.entries == everything[4:]


def test_the_timeline_fragment_answers_204_until_something_new_arrives(client, ada, workspace):
    contact = ada["contact"]
    url = f"/contacts/{contact.pk}/timeline/"
    first = client.get(url)
    assert first.status_code == 200
    seen = first.context["timeline"].signature
    assert client.get(url, {"seen": seen}).status_code == 204
    # an order arrives: the newest page changes, so the fragment comes back with it
    send(workspace, bought("2026-03-06T09:00:00Z", "o-3", "9.99", user="u-1"))
    fresh = client.get(url, {"seen": seen})
    assert fresh.status_code == 200
    assert [e.title for e in fresh.context["timeline"].entries[1:3]] == [
        "Order o-3: $9.99",
        "Order Completed",
    ]
    assert f'hx-get="{url}?seen={fresh.context["timeline"].signature}"' in fresh.content.decode()


def test_a_merged_contacts_address_leads_to_its_survivor(client, ada):
    merged, survivor = ada["merged"], ada["contact"]
    response = client.get(f"/contacts/{merged.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{survivor.pk}/?merged_from={merged.pk}"
    page = text(client.get(response["Location"]).content.decode())
    assert f"Contact #{merged.pk} was merged into this contact" in page


def test_another_workspaces_contact_is_not_found(client, ada):
    other = actions.create_workspace("Other", slug="other")
    send(other, visit("2026-03-01T10:00:00Z", "spring", anon="z-1"))
    stranger = Contact.objects.get(workspace=other)
    assert client.get(f"/contacts/{stranger.pk}/").status_code == 404
    assert client.get(f"/contacts/{stranger.pk}/timeline/").status_code == 404
    assert client.get("/contacts/999999/").status_code == 404


def test_every_role_that_may_see_contacts_sees_the_page(workspace, ada):
    for role in Role.values:
        actions.create_user(workspace, f"user-{role}", PASSWORD, role)
        client = Client()
        assert client.login(username=f"user-{role}", password=PASSWORD)
        response = client.get(f"/contacts/{ada['contact'].pk}/")
        assert response.status_code == (200 if allows(role, "contacts.view") else 403), role


def test_merge_history_follows_a_chain_of_merges(client, workspace):
    # x, y and z arrive in that order; z merges into y, then y into x
    for anon in ("x", "y", "z"):
        send(workspace, visit("2026-03-01T10:00:00Z", "spring", anon=anon))
    x, y, z = (Contact.objects.get(identities__value=anon).pk for anon in ("x", "y", "z"))
    email = {"email": "yz@example.com"}
    send(workspace, message("identify", "2026-03-02T10:00:00Z", anon="y", traits=email))
    send(workspace, message("identify", "2026-03-03T10:00:00Z", anon="z", traits=email))
    send(workspace, message("identify", "2026-03-04T10:00:00Z", anon="x", traits=email))
    assert set(Contact.objects.filter(merged_into=x).values_list("pk", flat=True)) == {y, z}
    response = client.get(f"/contacts/{x}/?kind=merge")
    assert [e.title for e in response.context["timeline"].entries] == [
        f"Contact #{y} merged into this contact",
        f"Contact #{z} merged into #{y}",
    ]
    history = re.search(r'id="merge-history".*?</ul>', response.content.decode(), re.S)
    assert re.findall(
        r"contact #(\d+) merged into (this contact|#\d+)", text(history.group(0))
    ) == [
        (str(z), f"#{y}"),
        (str(y), "this contact"),
    ]
    assert client.get(f"/contacts/{z}/")["Location"] == f"/contacts/{x}/?merged_from={z}"


def test_a_location_named_after_its_city_is_not_named_twice(client, ada, workspace):
    # the demo's locations are named for their cities: "Kent, Kent" said nothing twice
    upsert_locations(workspace, [{"code": "dt", "name": "Springfield", "city": "Springfield"}])
    page = text(client.get(f"/contacts/{ada['contact'].pk}/").content.decode())
    assert "Location Springfield Lifecycle stage" in page


def test_an_order_number_stays_on_one_line(client, ada):
    """At 390 px "ord-7-861" broke at its hyphens; the column keeps it whole."""
    html = client.get(f"/contacts/{ada['contact'].pk}/").content.decode()
    assert '<th scope="col" class="nowrap"><a href="?orders-sort=external_id"' in html
    assert '<td class="nowrap">o-1</td>' in html and '<td class="nowrap">o-2</td>' in html
