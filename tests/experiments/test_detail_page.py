"""The experiment page as the first-hour tour read it: the planned split in shares."""

import re

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
