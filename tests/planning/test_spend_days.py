"""Spend per day and channel (``SpendDay``) stays equal to its lines through every action
that writes them, and the spend list's totals read from it equal the lines' own sums."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.core import actions as core_actions
from pacer.people.actions import upsert_locations
from pacer.planning import actions, selectors, totals, uploads
from pacer.planning.models import SpendDay, SpendEntry

pytestmark = pytest.mark.django_db


def counted(workspace) -> dict:
    """``SpendDay`` as stored: {(day, channel): (amount, lines)}."""
    return {
        (d.day, d.channel): (Decimal(d.cents) / 100, d.lines)
        for d in SpendDay.objects.filter(workspace=workspace)
    }


def recounted(workspace) -> dict:
    """The same, added up from the lines in Python (Decimal, exact)."""
    sums: dict = {}
    for line in SpendEntry.objects.filter(workspace=workspace):
        amount, lines = sums.get((line.day, line.channel), (Decimal(0), 0))
        sums[(line.day, line.channel)] = (amount + line.amount, lines + 1)
    return sums


def test_every_spend_action_keeps_the_days_equal_to_the_lines(workspace):
    other = core_actions.create_workspace("Other", slug="other")
    actions.create_campaign(workspace, "spring", "email", name="Spring")
    (north,) = upsert_locations(workspace, [{"code": "N", "name": "North"}])
    actions.record_spend(
        workspace,
        [
            {"day": date(2026, 3, 1), "channel": "paid_search", "amount": "100.10"},
            {
                "day": date(2026, 3, 1),
                "channel": "paid_search",
                "amount": "0.20",
                "location": north,
            },
            {"day": date(2026, 3, 2), "channel": "tv", "amount": "1000"},
        ],
    )
    actions.record_spend(other, [{"day": date(2026, 3, 1), "channel": "tv", "amount": "7"}])
    line = actions.enter_spend(
        workspace,
        {"day": date(2026, 3, 3), "channel": "email", "campaign": "spring", "amount": "5.55"},
    )
    assert (
        counted(workspace)
        == recounted(workspace)
        == {
            (date(2026, 3, 1), "paid_search"): (Decimal("100.30"), 2),
            (date(2026, 3, 2), "tv"): (Decimal("1000.00"), 1),
            (date(2026, 3, 3), "email"): (Decimal("5.55"), 1),
        }
    )
    # moved to another day and channel with another amount: out of one day, into another
    actions.update_spend(
        line, {"day": date(2026, 3, 2), "channel": "tv", "campaign": "spring", "amount": "0.45"}
    )
    assert counted(workspace) == recounted(workspace)
    assert (date(2026, 3, 3), "email") not in counted(workspace)
    assert counted(workspace)[(date(2026, 3, 2), "tv")] == (Decimal("1000.45"), 2)
    actions.delete_spend(SpendEntry.objects.get(pk=line.pk))
    assert counted(workspace) == recounted(workspace)
    # an upload replacing a recorded line (same key) and adding another
    upload = uploads.start_upload(
        workspace,
        "spend.csv",
        b"date,channel,amount\n2026-03-02,tv,900\n2026-03-04,radio,12.34\n",
    )
    uploads.record_upload(upload)
    assert counted(workspace) == recounted(workspace)
    assert counted(workspace)[(date(2026, 3, 2), "tv")] == (Decimal("900.00"), 1)
    assert counted(other) == recounted(other) == {(date(2026, 3, 1), "tv"): (Decimal("7.00"), 1)}
    totals.rebuild(workspace)
    assert counted(workspace) == recounted(workspace)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"start": date(2026, 3, 2)},
        {"end": date(2026, 3, 1)},
        {"start": date(2026, 3, 1), "end": date(2026, 3, 2), "channel": "tv"},
        {"channel": "email"},
        {"start": date(2027, 1, 1)},
    ],
)
def test_the_list_totals_from_days_equal_the_sums_of_the_lines(workspace, filters):
    actions.record_spend(
        workspace,
        [
            {"day": date(2026, 3, day), "channel": channel, "amount": f"{day * 10 + i}.{i}7"}
            for day in (1, 2, 3)
            for i, channel in enumerate(["tv", "paid_search", "email", "radio"])
        ],
    )
    rows = selectors.spend_rows(workspace, **filters)
    from_days = selectors.spend_list_totals(workspace, rows, **filters)
    from_lines = selectors.spend_totals(rows)
    assert from_days == from_lines
    assert from_days["amount"] == sum((line.amount for line in rows), Decimal(0))
    assert [c["channel"] for c in from_days["by_channel"]] == [
        c["channel"] for c in from_lines["by_channel"]
    ]
