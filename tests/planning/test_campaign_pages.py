"""Campaign pages: the list and its filters, the create and edit forms (the exact state
after each, refusals that write nothing), the campaign's page, workspace scoping."""

from datetime import date, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning.actions import create_campaign, enter_spend
from pacer.planning.models import Campaign

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


@pytest.fixture
def client(admin):
    client = Client()
    client.login(username="ada", password=PASSWORD)
    return client


def member(workspace, role: str) -> Client:
    core_actions.create_user(workspace, f"user-{role}", PASSWORD, role)
    client = Client()
    client.login(username=f"user-{role}", password=PASSWORD)
    return client


FORM = {
    "key": "spring-sale",
    "name": "Spring sale",
    "channel": "paid_social",
    "starts_on": "2026-03-01",
    "ends_on": "2026-03-31",
    "landing_url": "https://shop.example/spring?ref=ads",
}


def state(campaign: Campaign) -> tuple:
    return (
        campaign.key,
        campaign.name,
        campaign.channel,
        campaign.starts_on,
        campaign.ends_on,
        campaign.landing_url,
    )


def test_creating_a_campaign_through_the_form(client, workspace, admin):
    response = client.post("/campaigns/new/", FORM)
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/{campaign.pk}/"
    assert state(campaign) == (
        "spring-sale",
        "Spring sale",
        "paid_social",
        date(2026, 3, 1),
        date(2026, 3, 31),
        "https://shop.example/spring?ref=ads",
    )
    assert campaign.workspace == workspace
    entry = AuditEntry.objects.get(action="campaign.create")
    assert (entry.actor, entry.after["key"], entry.after["channel"]) == (
        admin,
        "spring-sale",
        "paid_social",
    )
    page = client.get(response["Location"]).content.decode()
    assert (
        "https://shop.example/spring?ref=ads&amp;utm_source=facebook&amp;"
        "utm_medium=paid_social&amp;utm_campaign=spring-sale" in page
    )


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"key": ""}, {"key": "must not be empty"}),
        ({"channel": "carrier_pigeon"}, {"channel": "'carrier_pigeon' is not a Pacer channel"}),
        (
            {"starts_on": "01/03/2026"},
            {"starts_on": "must be a date (YYYY-MM-DD), not '01/03/2026'"},
        ),
        ({"ends_on": "2026-02-01"}, {"ends_on": "must not be before starts_on"}),
        (
            {"landing_url": "ftp://x.test/"},
            {"landing_url": "must start with http:// or https:// (it has 'ftp:')"},
        ),
        ({"name": "n" * 201}, {"name": "must be at most 200 characters"}),
    ],
)
def test_a_refused_campaign_shows_each_reason_at_its_field_and_writes_nothing(
    client, changes, errors
):
    audit_before = AuditEntry.objects.count()
    response = client.post("/campaigns/new/", {**FORM, **changes})
    assert response.status_code == 422
    assert response.context["errors"] == errors
    page = response.content.decode()
    for name, reason in errors.items():
        assert f'id="field-{name}-error"' in page
        assert reason.replace("'", "&#x27;") in page
    assert Campaign.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_a_second_campaign_with_the_same_key_is_refused(client, workspace):
    create_campaign(workspace, "spring-sale", "email", name="First")
    response = client.post("/campaigns/new/", FORM)
    assert response.status_code == 422
    assert response.context["errors"] == {"key": "a campaign with key 'spring-sale' exists already"}
    assert [state(c)[:3] for c in Campaign.objects.all()] == [("spring-sale", "First", "email")]


def test_editing_a_campaign_changes_exactly_what_was_posted(client, workspace, admin):
    campaign = create_campaign(workspace, "spring-sale", "email", name="Spring")
    response = client.post(
        f"/campaigns/{campaign.pk}/edit/",
        {**FORM, "key": "ignored", "name": "Spring, renamed", "ends_on": ""},
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert state(campaign) == (
        "spring-sale",  # the key stays: links already sent carry it
        "Spring, renamed",
        "paid_social",
        date(2026, 3, 1),
        None,
        "https://shop.example/spring?ref=ads",
    )
    entry = AuditEntry.objects.get(action="campaign.update")
    assert (entry.before["name"], entry.after["name"]) == ("Spring", "Spring, renamed")
    assert (entry.before["channel"], entry.after["channel"]) == ("email", "paid_social")
    # the same values again: nothing changes, nothing is audited
    client.post(
        f"/campaigns/{campaign.pk}/edit/",
        {**FORM, "name": "Spring, renamed", "ends_on": ""},
    )
    assert AuditEntry.objects.filter(action="campaign.update").count() == 1


def test_a_refused_edit_leaves_the_campaign_as_it_was(client, workspace):
    campaign = create_campaign(workspace, "spring-sale", "email", name="Spring")
    before = state(campaign)
    response = client.post(
        f"/campaigns/{campaign.pk}/edit/",
        {**FORM, "starts_on": "2026-04-01", "ends_on": "2026-03-01"},
    )
    assert response.status_code == 422
    assert response.context["errors"] == {"ends_on": "must not be before starts_on"}
    campaign.refresh_from_db()
    assert state(campaign) == before
    assert not AuditEntry.objects.filter(action="campaign.update").exists()


def test_another_workspaces_campaign_is_not_found(client, workspace):
    other = core_actions.create_workspace("Other", slug="other")
    theirs = create_campaign(other, "theirs", "email", name="Theirs")
    for url in (f"/campaigns/{theirs.pk}/", f"/campaigns/{theirs.pk}/edit/"):
        assert client.get(url).status_code == 404
    response = client.post(f"/campaigns/{theirs.pk}/edit/", {**FORM, "name": "Mine now"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    assert "theirs" not in client.get("/campaigns/").content.decode()
    csv = b"".join(client.get("/campaigns/export.csv").streaming_content).decode()
    assert csv == "key,name,channel,status,starts_on,ends_on\r\n"


def keys(response) -> list[str]:
    return [cells[0].text for cells in response.context["table"].rows]


def test_the_list_filters_by_channel_status_dates_and_search(client, workspace):
    today = date.today()
    day = timedelta(days=1)
    create_campaign(workspace, "past", "email", starts_on=today - 30 * day, ends_on=today - day)
    create_campaign(workspace, "now", "paid_search", name="Always on")
    create_campaign(workspace, "soon", "email", starts_on=today + 10 * day)
    create_campaign(workspace, "today", "tv", starts_on=today, ends_on=today)
    listed = client.get("/campaigns/?sort=key")
    assert keys(listed) == ["now", "past", "soon", "today"]
    assert [row[3].text for row in listed.context["table"].rows] == [
        "Live",
        "Ended",
        "Planned",
        "Live",  # its first and last day: live all day
    ]
    assert keys(client.get("/campaigns/?sort=key&channel=email")) == ["past", "soon"]
    assert keys(client.get("/campaigns/?status=live&sort=key")) == ["now", "today"]
    assert keys(client.get("/campaigns/?status=ended")) == ["past"]
    assert keys(client.get("/campaigns/?status=planned")) == ["soon"]
    assert keys(client.get("/campaigns/?q=always")) == ["now"]
    running = f"/campaigns/?sort=key&start={today + 1 * day}&end={today + 20 * day}"
    assert keys(client.get(running)) == ["now", "soon"]
    refused = client.get("/campaigns/?channel=carrier_pigeon&sort=key")
    assert refused.context["bar"].errors == {
        "channel": "'carrier_pigeon' is not one of the choices; all channels shown"
    }
    assert keys(refused) == ["now", "past", "soon", "today"]


def test_the_list_pages_by_keyset_and_exports_every_row(client, workspace):
    for number in range(30):
        create_campaign(workspace, f"c{number:02}", "email")
    first = client.get("/campaigns/?sort=key&per_page=25")
    assert keys(first) == [f"c{n:02}" for n in range(25)]
    second = client.get("/campaigns/" + first.context["table"].next_url)
    assert keys(second) == [f"c{n:02}" for n in range(25, 30)]
    csv = b"".join(client.get("/campaigns/export.csv?sort=key&cols=key").streaming_content)
    assert csv.decode().split("\r\n")[:3] == ["key", "c00", "c01"]
    assert len(csv.decode().strip().split("\r\n")) == 31


def test_the_campaign_page_shows_its_spend_to_those_who_may_see_spend(client, workspace):
    campaign = create_campaign(workspace, "spring", "email", landing_url="https://a.test/")
    for day, amount in (("2026-03-02", "120.50"), ("2026-03-03", "79.50")):
        enter_spend(
            workspace,
            {
                "day": date.fromisoformat(day),
                "channel": "email",
                "campaign": "spring",
                "amount": amount,
            },
        )
    response = client.get(f"/campaigns/{campaign.pk}/")
    assert response.context["totals"]["amount"] == 200
    assert response.context["totals"]["lines"] == 2
    assert [row[4].text for row in response.context["spend"].rows] == ["$79.50", "$120.50"]
    staff = member(workspace, Role.STAFF)
    page = staff.get(f"/campaigns/{campaign.pk}/")
    assert page.status_code == 200
    assert "spend" not in page.context and "$120.50" not in page.content.decode()


def test_a_campaign_on_a_channel_links_cannot_carry_says_so(client, workspace):
    campaign = create_campaign(workspace, "tv-spot", "tv", landing_url="https://a.test/")
    response = client.get(f"/campaigns/{campaign.pk}/")
    assert response.context["link"] is None
    assert response.context["link_problem"].startswith("TV is not tracked by links")


def test_the_link_builder_page_builds_and_refuses(client, workspace):
    create_campaign(workspace, "spring", "paid_search")
    response = client.get(
        "/campaigns/links/?landing_url=https://a.test/x%3Fy%3D1&campaign=spring&content=hero"
    )
    assert response.status_code == 200
    assert response.context["link"].url == (
        "https://a.test/x?y=1&utm_source=google&utm_medium=cpc&utm_campaign=spring&utm_content=hero"
    )
    refused = client.get("/campaigns/links/?landing_url=mailto:a@b.c&campaign=nope&channel=tv")
    assert refused.status_code == 422
    assert refused.context["errors"] == {
        "landing_url": "must start with http:// or https:// (it has 'mailto:')",
        "channel": "TV is not tracked by links: its effect is measured from spend (a mix model)",
        "campaign": "no campaign 'nope' in this workspace",
    }
    assert refused.context["link"] is None


def test_only_admins_and_marketers_change_campaigns(workspace):
    campaign = create_campaign(workspace, "spring", "email", name="Spring")
    for role in (Role.ANALYST, Role.STAFF):
        client = member(workspace, role)
        assert client.get("/campaigns/").status_code == 200
        assert client.get(f"/campaigns/{campaign.pk}/").status_code == 200
        assert client.post("/campaigns/new/", FORM).status_code == 403
        assert client.post(f"/campaigns/{campaign.pk}/edit/", FORM).status_code == 403
    assert [state(c)[:3] for c in Campaign.objects.all()] == [("spring", "Spring", "email")]
    marketer = member(workspace, Role.MARKETER)
    assert marketer.post("/campaigns/new/", FORM).status_code == 302
