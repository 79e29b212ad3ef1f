"""The experiment page as the first-hour tour read it: the planned split in shares."""

import re
from datetime import UTC, datetime

import pytest

from pacer.experiments import actions

pytestmark = pytest.mark.django_db


def test_the_planned_split_is_shown_as_each_variants_share(client, workspace, admin):
    # weights are relative: 1 and 3 used to read "1" and "3" under "Planned share"
    actions.create_experiment(
        workspace,
        key="offer",
        name="Offer",
        variants=[{"key": "control", "weight": 1}, {"key": "offer", "weight": 3}],
        metric="conversion",
        goal_event="Signed Up",
    )
    client.force_login(admin)
    html = client.get("/experiments/offer/").content.decode()
    body = re.search(r'id="exposures".*?<tbody>(.*?)</tbody>', html, re.S)[1]
    cells = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in body.split("</tr>")
        if "<td" in row
    ]
    assert [row[:2] for row in cells] == [["control", "25.0%"], ["offer", "75.0%"]]


def test_a_start_at_midnight_reads_as_a_date_a_start_during_the_day_keeps_its_time(
    client, workspace, admin
):
    # the demo's experiment started on a day; the page said "Started 2025-01-06 00:00"
    variants = [{"key": "control", "weight": 1}, {"key": "offer", "weight": 1}]
    starts = {
        "day": datetime(2025, 1, 6, tzinfo=UTC),
        "moment": datetime(2026, 3, 2, 14, 5, 31, tzinfo=UTC),
    }
    for key, started in starts.items():
        made = actions.create_experiment(
            workspace, key=key, name=key, variants=variants, metric="revenue"
        )
        actions.set_status(made, "running", now=started)
    client.force_login(admin)
    text = {
        key: re.sub(r"\s+", " ", client.get(f"/experiments/{key}/").content.decode())
        for key in starts
    }
    assert "Started 2025-01-06." in text["day"] and "00:00" not in text["day"]
    assert "Started 2026-03-02 14:05." in text["moment"]
    listing = client.get("/experiments/").content.decode()
    assert "2025-01-06<" in listing and "2025-01-06 00:00" not in listing
    assert "2026-03-02 14:05" in listing
