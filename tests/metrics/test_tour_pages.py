"""What the first-hour tour of the demo found on the analysis pages, on the hand-built
year (tests/metrics/year_business.py): every channel named on the dashboard's chart, and
the attribution and location reports exported as CSV, the CLV page pointing at the
predictions it wrote."""

import csv
import io
import re

import pytest

from pacer.people.models import Contact
from tests.metrics.test_analysis_pages import config, page, rows_of, site  # noqa: F401

pytestmark = pytest.mark.django_db


def _csv(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_channel_chart_names_every_channel(client, site):  # noqa: F811
    # vertical bars under a third of the page skipped every other channel's name; as
    # horizontal bars every channel has its line, and the chart grows with them
    html = page(client, "/?start=2025-01-01&end=2025-12-31")
    channels = config(html, "chart-channels-config")
    labels = channels["data"]["labels"]
    assert labels == [row[0] for row in rows_of(html, "by-channel")]
    assert channels["options"]["indexAxis"] == "y"
    assert channels["pacer"]["format"] == {"x": "money"}
    assert f'style="height: {70 + 34 * len(labels)}px"' in html


def test_attribution_exports_what_the_page_shows(client, site):  # noqa: F811
    url = "/analytics/attribution/?measure=romi&cols=label&cols=spend&cols=m_first_touch"
    html = page(client, url)
    link = re.search(r'href="(/analytics/attribution/export/\?[^"]*)"', html)[1]
    assert "measure=romi" in link and "cols=label%2Cspend%2Cm_first_touch" in link
    rows = _csv(client, link.replace("&amp;", "&"))
    assert rows[0] == ["label", "spend", "m_first_touch"]
    by_channel = {row[0]: row for row in rows[1:]}
    paid = by_channel["Paid search"]
    assert float(paid[1]) == 1500 and round(float(paid[2]), 4) == -0.4667
    # not applicable is an empty cell, never -100%
    tv = by_channel["TV (not trackable)"]
    assert float(tv[1]) == 400 and tv[2] == ""
    assert [row[0] for row in rows[1:]] == [row[0] for row in rows_of(html, "attribution")]


def test_locations_export_every_location(client, site):  # noqa: F811
    url = "/analytics/locations/?start=2025-01-01&end=2025-12-31&sort=name"
    html = page(client, url)
    link = re.search(r'href="(/analytics/locations/export/\?[^"]*)"', html)[1]
    assert "start=2025-01-01" in link and "sort=name" in link
    rows = _csv(client, link.replace("&amp;", "&"))
    assert rows[0][:5] == ["name", "leads", "new_customers", "revenue", "spend"]
    numbers = {row[0]: [float(cell) for cell in row[1:5]] for row in rows[1:]}
    assert numbers["North"] == [3, 3, 800, 1400]
    assert numbers["South"] == [4, 4, 600, 500]
    assert [row[0] for row in rows[1:]] == [row[0] for row in rows_of(html, "locations")]


def test_clv_page_points_at_the_predictions_it_wrote(client, site, workspace):  # noqa: F811
    # the demo fits CLV while it builds, and the page showed none of it: only empty forms
    html = page(client, "/analytics/clv/")
    assert "No contact carries a prediction yet: fit the models below" in html
    customers = Contact.objects.filter(workspace=workspace, order_count__gt=0).order_by("pk")
    first, second = customers[:2]
    Contact.objects.filter(pk=first.pk).update(predicted_clv=100.25)
    Contact.objects.filter(pk=second.pk).update(predicted_clv=50.0)
    html = page(client, "/analytics/clv/")
    assert "2 customers carry a prediction from the last fit, $150 of predicted" in html
    link = re.search(r'<a href="([^"]+)">see them, the most valuable first</a>', html)[1]
    listed = page(client, link.replace("&amp;", "&"))
    order = re.findall(r'<tr><td><a href="/contacts/(\d+)/">', listed)
    assert order[:2] == [str(first.pk), str(second.pk)]  # the most valuable first
    assert "Predicted CLV" in listed and "P(alive)" in listed


def _kpi(html: str, key: str) -> str:
    card = re.search(rf'<div class="kpi" id="kpi-{key}">(.*?)<p class="kpi-def"', html, re.S)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", card).split())


def test_a_kpi_without_a_value_says_why_under_its_dash(client, site):  # noqa: F811
    # all data: nobody can have ordered in the days before the first day with data, so
    # retention is blank, and the card says why instead of a bare dash
    html = page(client, "/")
    assert _kpi(html, "retention").endswith(
        "? — No orders in as many days before the range: start it later"
    )
    # 2025: P7 ordered in the year before, so it has a value and no reason
    html = page(client, "/?start=2025-01-01&end=2025-12-31")
    assert "kpi-retention-blank" not in html
    assert _kpi(html, "repeat_rate").startswith("Repeat rate")
    assert 'id="kpi-cac-blank"' not in html
