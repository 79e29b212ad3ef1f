"""A lead minutes old is not "never answered": an unanswered lead younger than the
slowest bucket's bound (240 minutes) may still be answered in a faster bucket, so it is
left out of the never-answered bucket and of the impact estimate (counted as still
waiting); an unanswered lead whose deadline is still ahead is left out of SLA attainment
until it passes."""

from datetime import timedelta

import pytest
from django.test import Client

from pacer.leads.models import Lead, SlaPolicy
from pacer.leads.report import speed_report
from tests.leads.speed_plan import make_leads
from tests.leads.test_report_never_answered import ANSWERED, START

pytestmark = pytest.mark.django_db
# 24 answered leads an hour apart, then five unanswered at hours 24 to 28 (the first
# converted anyway); the report is read half an hour after the last arrived
PLAN = [("north", minutes, won, None) for minutes, won in ANSWERED] + [
    ("north", None, True, None),
    *[("north", None, False, None)] * 4,
]
NOW = START + timedelta(hours=28, minutes=30)


def test_young_unanswered_leads_wait_out_of_the_never_answered_bucket_and_the_impact(
    workspace, north, clock_at, admin
):
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15)
    made = make_leads(workspace, PLAN, START)
    ahead = made[27]  # its deadline moved after NOW: neither met nor missed yet
    Lead.objects.filter(pk=ahead.pk).update(respond_by=NOW + timedelta(minutes=45))
    report = speed_report(workspace, START, START + timedelta(days=2), now=NOW)
    # ages at NOW: 4 h 30 (never answered), 3 h 30, 2 h 30, 1 h 30, 30 min (waiting)
    assert (report.leads, report.unanswered, report.waiting, report.deadline_ahead) == (
        29,
        1,
        4,
        1,
    )
    never = report.buckets[-1]
    assert (never.label, never.leads, never.converted, never.rate) == (
        "never answered",
        1,
        1,
        1.0,
    )
    # 28 deadlines counted (one still ahead); met by the 8 answered within 15 minutes
    assert (report.with_deadline, report.on_time) == (28, 8)
    fit = report.fit
    minutes = [m for m, _ in ANSWERED]
    expected = fit.impact(minutes, within=15, unanswered=1, unanswered_converted=1)
    at_15 = float(fit.probability([15])[0])
    assert (report.gain.unanswered, report.gain.slower_leads) == (1, 16)
    assert report.gain.from_unanswered == pytest.approx(at_15 - 1, abs=1e-12)
    assert report.gain.extra_conversions == pytest.approx(expected.extra_conversions, abs=1e-12)
    assert report.gain.interval == pytest.approx(expected.interval, abs=1e-12)

    # four hours later every one of them is past the bound: all five never answered
    later = speed_report(workspace, START, START + timedelta(days=2), now=NOW + timedelta(hours=4))
    assert (later.unanswered, later.waiting, later.deadline_ahead) == (5, 0, 0)
    assert (later.buckets[-1].leads, later.buckets[-1].converted) == (5, 1)
    assert (later.with_deadline, later.on_time) == (29, 8)

    clock_at(NOW)
    client = Client()
    client.force_login(admin)
    page = client.get("/leads/speed/?range=last_7").content.decode()
    text = " ".join(page.replace("<strong>", "").replace("</strong>", "").split())
    assert (
        "Still waiting: 4 unanswered leads under 240 minutes old, not counted as never "
        "answered nor in the estimate below (answered now, they would still land in a faster "
        "bucket); 1 unanswered with their deadline still ahead, left out of SLA attainment "
        "until it passes."
    ) in text
