"""The contacts list: rows link to the contact page; search, filters, sorting and keyset
paging over contacts built by the real ingestion."""

import re
from html import unescape

import pytest
from django.test import Client

from pacer.people.actions import upsert_locations
from pacer.people.models import Contact
from pacer.web import tables
from tests.people.test_contact_page import PASSWORD, bought, message, send, visit

pytestmark = pytest.mark.django_db


def consent(when: str, granted: bool, **who) -> dict:
    properties = {"channel": "email", "purpose": "marketing", "granted": granted}
    return message("track", when, event="Consent Updated", properties=properties, **who)


def identify(user: str, when: str, **traits) -> dict:
    return message("identify", when, user=user, traits=traits)


@pytest.fixture
def people(workspace):
    """Four people: ann (Downtown, paid search, consent given, 300.00 of orders), bob
    (Uptown, paid social, consent given then withdrawn, 20.00), cat (Downtown, no email,
    no consent, 75.00) and dan (anonymous, via paid search, no orders); and eve, merged
    into ann (not listed)."""
    upsert_locations(
        workspace, [{"code": "dt", "name": "Downtown"}, {"code": "up", "name": "Uptown"}]
    )
    social = "https://shop.test/?utm_source=facebook&utm_medium=paid_social&utm_campaign=s"
    send(
        workspace,
        visit("2026-03-01T10:00:00Z", "brand", user="ann"),
        identify("ann", "2026-03-01T10:05:00Z", email="ann@a.test", firstName="Ann", location="dt"),
        bought("2026-03-02T10:00:00Z", "a-1", "300.00", user="ann"),
        consent("2026-03-02T11:00:00Z", True, user="ann"),
        message("page", "2026-03-03T10:00:00Z", user="bob", context={"page": {"url": social}}),
        identify("bob", "2026-03-03T10:05:00Z", email="bob@b.test", firstName="Bob", location="up"),
        bought("2026-03-04T10:00:00Z", "b-1", "20.00", user="bob"),
        consent("2026-03-04T11:00:00Z", True, user="bob"),
        consent("2026-03-05T11:00:00Z", False, user="bob"),
        identify("cat", "2026-03-06T10:00:00Z", firstName="Cat", phone="+1 555 777 0001"),
        identify("cat", "2026-03-06T10:01:00Z", location="dt"),
        bought("2026-03-07T10:00:00Z", "c-1", "75.00", user="cat"),
        visit("2026-03-08T10:00:00Z", "brand", anon="dan-device"),
    )
    send(
        workspace, identify("", "2026-03-09T10:00:00Z", email="eve@e.test") | {"anonymousId": "eve"}
    )
    send(workspace, message("alias", "2026-03-10T10:00:00Z", user="ann", previousId="eve"))
    eve = Contact.objects.get(merged_into__isnull=False)
    assert (eve.email, eve.merged_into.first_name) == ("eve@e.test", "Ann")
    return {c.first_name or c.email or "dan": c for c in Contact.objects.filter(merged_into=None)}


@pytest.fixture
def client(workspace, admin):
    client = Client()
    assert client.login(username="ada", password=PASSWORD)
    return client


def rows(client, query: str = "") -> list[tuple[str, str]]:
    """(link, email cell) of each row the list shows."""
    html = client.get(f"/contacts/?{query}").content.decode()
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    if body is None:
        return []
    return re.findall(r'<tr><td><a href="(/contacts/\d+/)">([^<]*)</a>', body.group(1))


def emails(client, query: str = "") -> list[str]:
    return [email for _, email in rows(client, query)]


def test_every_row_links_to_its_contact_page(client, people):
    # email A to Z, empty first, ties by id (Cat was created before dan)
    assert rows(client, "sort=email&show=all") == [
        (f"/contacts/{people['Cat'].pk}/", "(no email)"),
        (f"/contacts/{people['dan'].pk}/", "Anonymous visitor"),  # nothing but a device
        (f"/contacts/{people['Ann'].pk}/", "ann@a.test"),
        (f"/contacts/{people['Bob'].pk}/", "bob@b.test"),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"ann@a.test", "bob@b.test", "(no email)"}),  # identified contacts only
        ("show=all", {"ann@a.test", "bob@b.test", "(no email)", "Anonymous visitor"}),
        ("show=anonymous", {"Anonymous visitor"}),
        ("q=ANN", {"ann@a.test"}),
        ("q=%2B1%20555%20777", {"(no email)"}),
        ("q=nn", set()),  # a prefix, not any part
        ("stage=customer", {"ann@a.test", "bob@b.test", "(no email)"}),
        ("location=dt", {"ann@a.test", "(no email)"}),
        ("location=up", {"bob@b.test"}),
        ("channel=paid_search", {"ann@a.test"}),
        ("channel=paid_search&show=all", {"ann@a.test", "Anonymous visitor"}),
        ("channel=paid_social", {"bob@b.test"}),
        ("email=yes", {"ann@a.test", "bob@b.test"}),
        ("email=no", {"(no email)"}),
        ("email=no&show=all", {"(no email)", "Anonymous visitor"}),
        ("email=no&show=anonymous", {"Anonymous visitor"}),
        ("consent=email:granted", {"ann@a.test"}),
        ("consent=email:withdrawn&show=all", {"bob@b.test", "(no email)", "Anonymous visitor"}),
        ("consent=sms:granted", set()),
        ("location=dt&email=yes&consent=email:granted&q=ann", {"ann@a.test"}),
    ],
)
def test_each_filter_keeps_exactly_the_contacts_it_names(client, people, query, expected):
    assert set(emails(client, query)) == expected


def test_the_filters_count_each_contact_once(client, people):
    assert len(rows(client, "location=dt")) == 2
    assert len(rows(client, "consent=email:withdrawn&show=all")) == 3
    assert len(rows(client, "channel=paid_search&show=all")) == 2


def test_sorting_by_revenue_and_walking_every_page_by_keyset(client, people):
    seen, query = [], "sort=-revenue&per_page=1&show=all"
    for _ in range(10):
        html = client.get(f"/contacts/?{query}").content.decode()
        seen += [int(pk) for pk in re.findall(r'<tr><td><a href="/contacts/(\d+)/">', html)]
        following = re.search(r'href="\?([^"]*)" rel="next"', html)
        if following is None:
            break
        query = unescape(following.group(1))
        assert "after=" in query
    expected = [people[name].pk for name in ("Ann", "Cat", "Bob", "dan")]
    assert seen == expected


def test_a_value_the_list_cannot_use_is_reported_and_not_applied(client, people):
    html = client.get("/contacts/?location=nowhere").content.decode()
    assert "&#x27;nowhere&#x27; is not one of the choices" in html
    assert set(emails(client, "location=nowhere")) == {"ann@a.test", "bob@b.test", "(no email)"}
    html = client.get("/contacts/?show=everybody").content.decode()
    assert "&#x27;everybody&#x27; is not one of the choices; &#x27;Identified&#x27; shown" in html
    assert set(emails(client, "show=everybody")) == {"ann@a.test", "bob@b.test", "(no email)"}
    # the Email filter's blank choice is "Any": the reason ends at the value ("any shown"
    # read as a mistake)
    html = client.get("/contacts/?email=maybe").content.decode()
    assert "Email: &#x27;maybe&#x27; is not one of the choices</a></li>" in html
    assert set(emails(client, "email=maybe")) == {"ann@a.test", "bob@b.test", "(no email)"}


def hidden_note(client, query: str = "") -> str | None:
    """The note under the filters that counts the anonymous visitors left out, as text
    with its link's address, or None."""
    html = client.get(f"/contacts/?{query}").content.decode()
    note = re.search(r'<p class="muted" id="anonymous-hidden">(.*?)</p>', html, re.S)
    if note is None:
        return None
    return unescape(re.sub(r'<a href="([^"]*)">', r"[\1] ", note.group(1)).replace("</a>", ""))


def test_the_list_says_how_many_anonymous_visitors_it_hides_and_links_to_them(client, people):
    assert hidden_note(client) == (
        "Not shown: 1 anonymous visitor (known only by a device or user id: no email, phone "
        "or name yet) matching these filters. [?show=all] Show them too"
    )
    # the count follows the other filters, and the link keeps them and the sort
    assert "Not shown: 1 anonymous" in hidden_note(client, "channel=paid_search&sort=-revenue")
    assert "[?channel=paid_search&sort=-revenue&show=all]" in hidden_note(
        client, "channel=paid_search&sort=-revenue"
    )
    assert hidden_note(client, "channel=paid_social") is None  # none to hide
    assert hidden_note(client, "show=all") is None
    assert hidden_note(client, "show=anonymous") is None
    html = client.get("/contacts/").content.decode()
    assert "Rows 1–3 of 3" in html


def test_the_hidden_count_stops_at_the_tables_cap(client, people, workspace, monkeypatch):
    Contact.objects.bulk_create(Contact(workspace=workspace) for _ in range(3))  # 4 in all
    monkeypatch.setattr(tables, "COUNT_CAP", 3)
    assert "Not shown: more than 3 anonymous visitors" in hidden_note(client)
    monkeypatch.setattr(tables, "COUNT_CAP", 4)
    assert "Not shown: 4 anonymous visitors" in hidden_note(client)
