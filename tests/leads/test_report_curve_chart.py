"""The speed page draws each response-time bucket's observed conversion beside the fitted
decay curve's chance at the bucket's mean response time."""

from datetime import timedelta

import pytest
from django.test import Client

from pacer.leads.models import SlaPolicy
from pacer.leads.report import speed_report
from tests.leads.speed_plan import make_leads
from tests.leads.test_report_never_answered import ANSWERED, PLAN, START

pytestmark = pytest.mark.django_db


def test_the_curve_chart_shows_observed_rates_and_the_fit_at_each_buckets_mean_time(
    workspace, north, clock_at, admin
):
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15)
    make_leads(workspace, PLAN, START)
    report = speed_report(workspace, START, START + timedelta(days=2))
    means = [b.mean_minutes for b in report.buckets]
    assert means == [2.5, 9.0, 33.0, 112.5, 4780 / 7, None]  # from ANSWERED's minutes
    assert sum(m * b.leads for m, b in zip(means[:-1], report.buckets, strict=False)) == sum(
        m for m, _ in ANSWERED
    )

    clock_at(START + timedelta(days=2))
    client = Client()
    client.force_login(admin)
    page = client.get("/leads/speed/?range=last_7")
    config = page.context["curve_chart"]
    labels = ["0–5 min", "5–15 min", "15–60 min", "60–240 min", "over 240 min", "never answered"]
    assert config["data"]["labels"] == labels
    observed, fitted = config["data"]["datasets"]
    assert observed["data"] == [3 / 4, 2 / 4, 2 / 5, 1 / 4, 1 / 7, 1 / 4]
    assert fitted["type"] == "line"
    expected = [float(report.fit.probability([m])[0]) for m in means[:-1]]
    assert fitted["data"][:-1] == pytest.approx(expected, abs=1e-12)
    assert fitted["data"][-1] is None  # the never answered have no response time
    assert 'id="speed-curve-chart"' in page.content.decode()


def test_without_a_fit_only_the_observed_rates_are_drawn(workspace, north, clock_at, admin):
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15)
    make_leads(workspace, PLAN[:5], START)  # five answered leads: too few to fit
    clock_at(START + timedelta(days=2))
    client = Client()
    client.force_login(admin)
    page = client.get("/leads/speed/?range=last_7")
    config = page.context["curve_chart"]
    assert config["data"]["labels"] == ["0–5 min", "5–15 min"]  # empty buckets left out
    assert [d["data"] for d in config["data"]["datasets"]] == [[3 / 4, 1.0]]
