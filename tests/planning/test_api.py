"""Campaigns and spend through the REST API, and the bounds on what they accept."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.core.errors import ValidationFailed
from pacer.people.actions import upsert_locations
from pacer.planning.actions import record_spend, upsert_campaign
from pacer.planning.models import Campaign, SpendEntry
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workspace, admin):
    return ApiClient(workspace, admin)


def refused(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "; ".join(f"{f}: {r}" for f, r in body["errors"].items())
    return body["errors"]


def test_campaigns_are_created_once_and_listed(api):
    body = {"key": "spring", "channel": "paid_social", "name": "Spring sale"}
    assert api.post("planning/campaigns", body).status_code == 201
    again = api.post("planning/campaigns", {**body, "name": "ignored"})
    assert again.json()["name"] == "Spring sale"
    assert Campaign.objects.count() == 1
    assert [c["key"] for c in api.get("planning/campaigns").json()] == ["spring"]
    bad = api.post("planning/campaigns", {"key": "x", "channel": "carrier_pigeon"})
    assert refused(bad) == {
        "channel": "'carrier_pigeon' is not one of 'paid_search', 'organic_search', "
        "'paid_social', 'organic_social', 'email', 'sms', 'push', 'display', 'video', "
        "'affiliate', 'referral', 'direct', 'events', 'print', 'direct_mail', 'tv', 'radio', "
        "'podcast', 'out_of_home', 'local_partner', 'influencer', 'marketplace', 'in_app' "
        "or 'unassigned'"
    }


def test_spend_rows_are_all_or_nothing_and_read_back(api, workspace):
    upsert_locations(workspace, [{"code": "L1", "name": "Austin"}])
    api.post("planning/campaigns", {"key": "spring", "channel": "paid_social"})
    bad = api.post(
        "planning/spend",
        {
            "rows": [
                {"day": "2026-03-02", "channel": "paid_social", "amount": "120.50"},
                {"day": "2026-03-03", "channel": "tv", "amount": "99", "campaign": "nope"},
                {"day": "2026-03-03", "channel": "tv", "amount": "10", "location": "L9"},
            ]
        },
    )
    assert refused(bad) == {
        "rows[1].campaign": "no campaign 'nope' in this workspace",
        "rows[2].location": "no location 'L9' in this workspace",
    }
    negative = api.post(
        "planning/spend", {"rows": [{"day": "2026-03-02", "channel": "tv", "amount": -1}]}
    )
    assert refused(negative) == {"rows[0].amount": "Input should be greater than or equal to 0"}
    assert not SpendEntry.objects.exists()
    good = api.post(
        "planning/spend",
        {
            "rows": [
                {
                    "day": "2026-03-02",
                    "channel": "paid_social",
                    "amount": "120.50",
                    "campaign": "spring",
                    "location": "L1",
                },
                {"day": "2026-03-05", "channel": "tv", "amount": 300},
            ]
        },
    )
    assert good.status_code == 201 and good.json() == {"recorded": 2, "replaced": 0}
    assert api.get("planning/spend", start="2026-03-01", end="2026-03-31").json() == [
        {
            "day": "2026-03-02",
            "channel": "paid_social",
            "campaign": "spring",
            "location": "L1",
            "amount": "120.50",
        },
        {"day": "2026-03-05", "channel": "tv", "campaign": "", "location": "", "amount": "300.00"},
    ]
    tv = api.get("planning/spend", start="2026-03-01", end="2026-03-31", channel="tv")
    assert len(tv.json()) == 1
    reversed_range = api.get("planning/spend", start="2026-03-31", end="2026-03-01")
    assert refused(reversed_range) == {"end": "must not be before start"}


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (1e30, "Input should be less than or equal to 999999999999.99"),
        (1e15, "Input should be less than or equal to 999999999999.99"),
        ("1e15", "Input should be less than or equal to 999999999999.99"),
        ("NaN", "Input should be a finite number"),
        ("Infinity", "Input should be a finite number"),
    ],
)
def test_amounts_the_column_cannot_hold_are_refused_and_nothing_is_written(api, amount, reason):
    rows = [
        {"day": "2026-03-02", "channel": "tv", "amount": 10},
        {"day": "2026-03-03", "channel": "tv", "amount": amount},
    ]
    assert refused(api.post("planning/spend", {"rows": rows})) == {"rows[1].amount": reason}
    assert not SpendEntry.objects.exists()


def test_the_largest_amount_is_stored_and_listed_exactly(api):
    rows = [{"day": "2026-03-02", "channel": "tv", "amount": "999999999999.99"}]
    assert api.post("planning/spend", {"rows": rows}).status_code == 201
    assert SpendEntry.objects.get().amount == Decimal("999999999999.99")
    listed = api.get("planning/spend", start="2026-03-01", end="2026-03-31")
    assert listed.status_code == 200 and listed.json()[0]["amount"] == "999999999999.99"


def test_spend_amounts_read_back_as_the_exact_decimal_strings_posted(api):
    """Money is exact in the API (decimal strings, as the plan API's): amounts a float
    cannot hold read back as posted, and their sum is exact."""
    posted = ["0.10", "0.20", "234567890123.45", "0.01"]
    rows = [
        {"day": f"2026-03-0{n + 1}", "channel": "tv", "amount": amount}
        for n, amount in enumerate(posted)
    ]
    assert api.post("planning/spend", {"rows": rows}).status_code == 201
    listed = api.get("planning/spend", start="2026-03-01", end="2026-03-31").json()
    assert [row["amount"] for row in listed] == ["0.10", "0.20", "234567890123.45", "0.01"]
    assert sum(Decimal(row["amount"]) for row in listed) == Decimal("234567890123.76")
    # a number posted reads back as the column holds it: 2 places
    again = [{"day": "2026-03-01", "channel": "tv", "amount": 0.3}]
    assert api.post("planning/spend", {"rows": again}).json() == {"recorded": 0, "replaced": 1}
    listed = api.get("planning/spend", start="2026-03-01", end="2026-03-01").json()
    assert [row["amount"] for row in listed] == ["0.30"]


def test_the_spend_action_refuses_what_the_column_cannot_hold(workspace):
    rows = [
        {"day": date(2026, 3, 2), "channel": "tv", "amount": 1e15},
        {"day": date(1, 1, 1), "channel": "tv", "amount": 10},
        {"day": date(2026, 3, 2), "channel": "tv", "amount": "999999999999.995"},
    ]
    with pytest.raises(ValidationFailed) as refusal:
        record_spend(workspace, rows)
    assert refusal.value.errors == {
        "rows[0].amount": "must be at most 999,999,999,999.99",
        "rows[1].day": "must be between 1900-01-01 and 2199-12-31",
        "rows[2].amount": "must be at most 999,999,999,999.99",
    }
    assert not SpendEntry.objects.exists()
    assert record_spend(workspace, [{**rows[2], "amount": "999999999999.994"}]) == {
        "recorded": 1,
        "replaced": 0,
    }
    assert SpendEntry.objects.get().amount == Decimal("999999999999.99")


def test_days_outside_the_supported_range_are_refused(api):
    early = api.get("planning/spend", start="0001-01-01", end="2026-01-01")
    assert refused(early) == {"start": "Input should be greater than or equal to 1900-01-01"}
    late = api.get("planning/spend", start="2026-01-01", end="9999-12-31")
    assert refused(late) == {"end": "Input should be less than or equal to 2199-12-31"}
    rows = [{"day": "0001-01-01", "channel": "tv", "amount": 1}]
    assert refused(api.post("planning/spend", {"rows": rows})) == {
        "rows[0].day": "Input should be greater than or equal to 1900-01-01"
    }
    campaign = {"key": "old", "channel": "tv", "starts_on": "0001-01-01"}
    assert refused(api.post("planning/campaigns", campaign)) == {
        "starts_on": "Input should be greater than or equal to 1900-01-01"
    }
    backwards = {"key": "b", "channel": "tv", "starts_on": "2026-02-01", "ends_on": "2026-01-01"}
    assert refused(api.post("planning/campaigns", backwards)) == {
        "ends_on": "must not be before starts_on"
    }
    assert not SpendEntry.objects.exists() and not Campaign.objects.exists()


def test_names_longer_than_their_columns_are_refused(api, workspace):
    """PostgreSQL would raise on these (SQLite would store them whole)."""
    long = {"key": "k" * 201, "channel": "tv", "name": "n" * 201}
    assert refused(api.post("planning/campaigns", long)) == {
        "key": "String should have at most 200 characters",
        "name": "String should have at most 200 characters",
    }
    nul = {"key": "a\x00b", "channel": "tv"}
    assert refused(api.post("planning/campaigns", nul)) == {
        "key": "must not contain NUL characters"
    }
    with pytest.raises(ValidationFailed) as refusal:
        upsert_campaign(workspace, "k" * 201, "tv", name="n" * 201)
    assert refusal.value.errors == {
        "key": "must be at most 200 characters",
        "name": "must be at most 200 characters",
    }
    assert not Campaign.objects.exists()
    fits = api.post("planning/campaigns", {"key": "k" * 200, "channel": "tv", "name": "n" * 200})
    assert fits.status_code == 201 and Campaign.objects.get().name == "n" * 200


def test_a_spend_batch_is_bounded(api):
    assert refused(api.post("planning/spend", {"rows": []})) == {
        "rows": "List should have at least 1 item after validation, not 0"
    }
    rows = [{"day": "2026-03-02", "channel": "tv", "amount": 1}] * 10_001
    assert refused(api.post("planning/spend", {"rows": rows})) == {
        "rows": "List should have at most 10000 items after validation, not 10001"
    }
    assert not SpendEntry.objects.exists()


def test_posting_spend_again_replaces_the_amount_of_its_key_and_touches_nothing_else(
    api, workspace
):
    upsert_locations(workspace, [{"code": "L1", "name": "Austin"}])
    api.post("planning/campaigns", {"key": "spring", "channel": "paid_social"})
    row = {
        "day": "2026-03-02",
        "channel": "paid_social",
        "amount": "120.50",
        "campaign": "spring",
        "location": "L1",
    }
    others = [
        {**row, "location": ""},  # the same but for the location: another key
        {**row, "campaign": ""},
        {**row, "day": "2026-03-03"},
        {**row, "channel": "tv", "campaign": ""},
    ]
    first = api.post("planning/spend", {"rows": [row, *others]})
    assert first.json() == {"recorded": 5, "replaced": 0}
    before = {line.pk: (line.amount, line.day) for line in SpendEntry.objects.all()}
    again = api.post("planning/spend", {"rows": [{**row, "amount": "99.99"}]})
    assert again.status_code == 201 and again.json() == {"recorded": 0, "replaced": 1}
    after = {line.pk: (line.amount, line.day) for line in SpendEntry.objects.all()}
    changed = [pk for pk in after if after[pk] != before[pk]]
    assert set(after) == set(before) and len(changed) == 1
    assert after[changed[0]] == (Decimal("99.99"), date(2026, 3, 2))
    line = SpendEntry.objects.get(pk=changed[0])
    assert (line.campaign.key, line.location.code) == ("spring", "L1")
    same = api.post("planning/spend", {"rows": [{**row, "amount": "99.99"}]})
    assert same.json() == {"recorded": 0, "replaced": 0}  # the same rows again: no change
    assert SpendEntry.objects.count() == 5


def test_a_key_repeated_in_one_request_is_refused_and_nothing_written(api):
    row = {"day": "2026-03-02", "channel": "tv", "amount": "10"}
    other = {"day": "2026-03-03", "channel": "tv", "amount": "5"}
    twice = api.post("planning/spend", {"rows": [row, other, {**row, "amount": "20"}]})
    assert refused(twice) == {
        "rows[2].day": "repeats rows[0] (same day, channel, campaign and location): "
        "send one amount per key"
    }
    assert not SpendEntry.objects.exists()


def test_lines_appended_before_for_one_key_become_one(workspace):
    """Before the API replaced, it appended: a later post for such a key leaves one line."""
    first = record_spend(workspace, [{"day": date(2026, 3, 2), "channel": "tv", "amount": "1"}])
    assert first == {"recorded": 1, "replaced": 0}
    SpendEntry.objects.create(workspace=workspace, day=date(2026, 3, 2), channel="tv", amount=2)
    other = record_spend(workspace, [{"day": date(2026, 3, 9), "channel": "tv", "amount": "4"}])
    assert other["recorded"] == 1
    result = record_spend(workspace, [{"day": date(2026, 3, 2), "channel": "tv", "amount": "3"}])
    assert result == {"recorded": 0, "replaced": 1}
    assert sorted(SpendEntry.objects.values_list("day", "amount")) == [
        (date(2026, 3, 2), Decimal("3.00")),
        (date(2026, 3, 9), Decimal("4.00")),
    ]
