"""The impact estimate counts the leads never answered as the slowest bucket: answered at
15 minutes each would have converted with the fitted curve's chance there, instead of
the rate at which the never-answered leads converted anyway. Leads disqualified before
their deadline are left out, as everywhere in the report."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.analytics.speed_to_lead import wilson
from pacer.leads.models import SlaPolicy
from pacer.leads.report import speed_report
from tests.leads.speed_plan import make_leads

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
# answered leads: (minutes to the first call, converted); fast ones convert more often
ANSWERED = [
    (1, True), (2, True), (3, False), (4, True), (6, True), (8, False), (10, True),
    (12, False), (20, True), (25, False), (30, False), (40, True), (50, False),
    (60, False), (90, False), (120, True), (180, False), (240, False), (300, False),
    (400, False), (600, True), (800, False), (1000, False), (1440, False),
]  # fmt: skip
PLAN = [("north", minutes, won, None) for minutes, won in ANSWERED] + [
    ("north", None, True, None),  # never answered, converted anyway
    ("north", None, False, None),
    ("north", None, False, None),
    ("north", None, False, None),
    ("north", None, False, 5),  # disqualified before its deadline: left out
]


def test_never_answered_leads_are_the_slowest_bucket_and_count_in_the_impact(
    workspace, north, clock_at, admin
):
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15)
    make_leads(workspace, PLAN, START)
    report = speed_report(workspace, START, START + timedelta(days=2))
    assert (report.leads, report.unanswered, report.disqualified_early) == (29, 4, 1)
    never = report.buckets[-1]
    assert (never.label, never.leads, never.converted, never.rate) == (
        "never answered",
        4,
        1,
        0.25,
    )
    assert never.interval == wilson(1, 4)
    assert [(b.label, b.leads, b.converted) for b in report.buckets[:-1]] == [
        ("0–5 min", 4, 3),
        ("5–15 min", 4, 2),
        ("15–60 min", 5, 2),
        ("60–240 min", 4, 1),
        ("over 240 min", 7, 1),
    ]
    fit = report.fit
    assert fit is not None and fit.leads == 24
    minutes = [m for m, _ in ANSWERED]
    answered_only = fit.impact(minutes, within=15)
    at_15 = float(fit.probability([15])[0])
    gain = report.gain
    assert (gain.slower_leads, gain.unanswered) == (16, 4)
    assert gain.from_unanswered == pytest.approx(4 * at_15 - 1, abs=1e-12)
    assert gain.extra_conversions == pytest.approx(
        answered_only.extra_conversions + 4 * at_15 - 1, abs=1e-12
    )
    assert gain.interval[1] - gain.interval[0] > (
        answered_only.interval[1] - answered_only.interval[0]
    )

    clock_at(START + timedelta(days=2))
    client = Client()
    client.force_login(admin)
    page = client.get("/leads/speed/?range=last_7").content.decode()
    text = " ".join(page.replace("<strong>", "").replace("</strong>", "").split())
    assert (
        "Had every lead answered after 15 minutes been answered at 15 minutes (16 leads), "
        f"and the 4 leads never answered too, about {gain.extra_conversions:.1f} more "
        "would have converted"
    ) in text
    assert (
        f"Of these, {gain.from_unanswered:.1f} come from the 4 leads never answered, "
        "counted as the slowest bucket: answered at 15 minutes each would have converted "
        f"with the curve's {100 * at_15:.1f}% chance there, instead of the 25.0% at which "
        "the never-answered leads converted anyway (1 of 4)."
    ) in text
    body = page.split('id="speed-buckets"')[1].split("<tbody>")[1].split("</tbody>")[0]
    firsts = [row.split("<td>")[1].split("</td>")[0] for row in body.split("<tr>")[1:]]
    assert firsts == [  # fastest first, the never answered last
        "0–5 min",
        "5–15 min",
        "15–60 min",
        "60–240 min",
        "over 240 min",
        "never answered",
    ]
