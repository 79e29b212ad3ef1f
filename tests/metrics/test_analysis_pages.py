"""The analysis pages on the hand-built year (tests/metrics/year_business.py): default
ranges over the data, models as columns, untrackable channels, partial periods."""

import json
import re
from datetime import date

import pytest

from pacer.metrics.cube import refresh_cube
from pacer.warehouse.sync import sync
from tests.metrics.year_business import build_year_business

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(client, admin, workspace, tracker):
    places = build_year_business(workspace, tracker)
    sync(after_sync=refresh_cube)
    client.force_login(admin)
    return places


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def config(html: str, config_id: str) -> dict:
    found = re.search(
        rf'<script id="{config_id}" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(found[1])


def rows_of(html: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S)[1]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in table.split("</tr>")]

    def strip(text):
        return re.sub(r"<span class=\"visually-hidden\">.*?</span>|<[^>]+>", "", text)

    return [[strip(c).strip() for c in row] for row in cells if row]


def test_the_dashboard_shows_all_data_by_default_and_says_so(client, site):
    html = page(client, "/")
    assert "Showing all data: 20 Dec 2024 – 5 Jan 2026." in html
    assert 'id="dashboard-assumptions"' in html


def test_a_chosen_range_says_where_it_sits_in_the_data(client, site):
    html = page(client, "/?start=2025-01-01&end=2025-12-31")
    assert "Showing 1 Jan 2025 – 31 Dec 2025 (the data runs 20 Dec 2024 – 5 Jan 2026)." in html


def test_partial_months_are_marked_on_the_chart_and_in_words(client, site):
    html = page(client, "/")
    trend = config(html, "chart-trend-config")
    labels = trend["data"]["labels"]
    assert labels[0] == "Dec 2024" and labels[-1] == "Jan 2026"
    # the data starts on 20 December 2024 and ends on 5 January 2026: both months in part
    assert trend["pacer"]["partial"] == [0, len(labels) - 1]
    assert "Partial months (hatched bars, dashed lines): Dec 2024, Jan 2026" in html


def test_a_whole_year_has_no_partial_month(client, site):
    html = page(client, "/?start=2025-01-01&end=2025-12-31")
    assert config(html, "chart-trend-config")["pacer"]["partial"] == []
    assert 'id="partial-note"' not in html


def test_repeat_rate_card_is_per_person_for_any_grain(client, site):
    for grain in ("month", "week"):
        html = page(client, f"/?start=2025-01-01&end=2025-12-31&grain={grain}")
        card = re.search(r'id="kpi-repeat_rate".*?data-value="([^"]*)"', html, re.S)[1]
        assert float(card) == 3 / 7, grain
        assert "ordered again on a later day" in html  # its definition, on hover


def test_untrackable_channels_show_spend_and_no_romi(client, site):
    html = page(client, "/?start=2025-01-01&end=2025-12-31")
    rows = {r[0]: r for r in rows_of(html, "by-channel")}
    tv = rows["TV (not trackable)"]
    assert tv[1] == "$400"  # its spend
    assert tv[4] == "n/a" and tv[7] == "n/a"  # CAC and ROMI: not applicable, not -100%
    assert "needs a marketing mix model" in html  # the hover explanation
    assert rows["Paid search"][7] != "n/a"


def test_attribution_has_models_as_columns_over_all_data(client, site):
    html = page(client, "/analytics/attribution/")
    assert "Showing all data: 20 Dec 2024 – 5 Jan 2026." in html
    assert "conversion = a person's first order" in html
    header = re.search(r'id="attribution".*?<thead>(.*?)</thead>', html, re.S)[1]
    headers = [
        re.sub(r"<[^>]+>|\(sort.*?\)", "", h).strip()
        for h in re.findall(r"<th.*?</th>", header, re.S)
    ]
    assert headers[:4] == ["Channel", "Spend", "First touch", "Last touch"]
    assert "Markov" in headers and "Shapley" in headers
    rows = {r[0]: r for r in rows_of(html, "attribution")}
    # everyone arrived by paid search: all 8 first orders' revenue, $800, under every model
    assert rows["Paid search"][1] == "$1,500"
    assert set(rows["Paid search"][2:]) == {"$800"}
    tv = rows["TV (not trackable)"]
    assert tv[1] == "$400" and set(tv[2:]) == {"n/a"}
    assert "needs a marketing mix model" in html


def test_attribution_measure_is_the_users_choice(client, site):
    html = page(client, "/analytics/attribution/?measure=romi")
    rows = {r[0]: r for r in rows_of(html, "attribution")}
    assert set(rows["Paid search"][2:]) == {"-46.7%"}  # (800 - 1,500) / 1,500
    assert set(rows["TV (not trackable)"][2:]) == {"n/a"}  # never -100%


def test_clv_defaults_to_the_last_day_with_data(client, site):
    html = page(client, "/analytics/clv/")
    assert 'value="2026-01-05"' in html
    assert 'name="holdout_weeks" value="13"' in html or 'value="13"' in html


def test_locations_side_by_side_with_the_weak_ones_named(client, site):
    html = page(client, "/analytics/locations/?start=2025-01-01&end=2025-12-31")
    rows = {r[0]: r for r in rows_of(html, "locations")}
    # North: P1 P2 P5 new (P7 was 2024's); orders P1x3 P2 P5x3 P7 = $800; spend 1,000 + TV 400
    assert rows["North"][1:8] == ["3", "3", "$800", "$1,400", "$467", "-65.7%", "66.7%"]
    # South: P3 P4 P6 P8 new; orders P3x2 P4x2 P6 P8 = $600; spend 500
    assert rows["South"][1:8] == ["4", "4", "$600", "$500", "$125", "-28.0%", "25.0%"]
    # the business: ROMI (840 - 1,900) / 1,900 = -55.8% (North's -65.7% is 9.9 points
    # below: not flagged), CAC 1,900 / 7 = 271 (North's 467 is over 1.5x), repeat 3/7
    assert rows["North"][8] == "CAC over 1.5× the business&#x27;s"
    assert rows["South"][8] == "repeat rate under ⅔ of the business&#x27;s"
    assert 'id="weak-locations"' in html and "North, South" in html


def test_locations_sort_by_any_column(client, site):
    html = page(client, "/analytics/locations/?start=2025-01-01&end=2025-12-31&sort=cac")
    assert [r[0] for r in rows_of(html, "locations")] == ["South", "North"]


def test_cohort_triangle_page(client, site):
    html = page(client, "/analytics/cohorts/?start=2025-01-01&end=2025-12-31")
    triangle = re.search(r'id="cohort-triangle".*?<tbody>(.*?)</tbody>', html, re.S)[1]
    first = triangle.split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", first, re.S)]
    assert re.search(r"<th scope=\"row\">(.*?)</th>", first)[1] == "Jan 2025"
    assert cells[:5] == ["2", "100%", "50%", "50%", "0%"]
    assert 'id="cohort-partial-note"' not in html
    cut = page(client, "/analytics/cohorts/?start=2025-01-01&end=2025-12-15")
    assert 'id="cohort-partial-note"' in cut and 'class="num partial"' in cut


def test_the_default_holdout_lies_inside_the_data():
    from pacer.metrics.analysis_views import default_holdout_weeks

    assert default_holdout_weeks((date(2025, 1, 1), date(2026, 1, 1))) == 13
    # 20 weeks of data: a 13-week holdout would leave 7 to fit on; a third (6) leaves 14
    assert default_holdout_weeks((date(2025, 1, 1), date(2025, 5, 21))) == 6
    assert default_holdout_weeks((date(2025, 1, 1), date(2025, 1, 3))) == 1


def test_weak_reasons_are_relative_to_the_business():
    from pacer.metrics.comparison_views import weak_reasons

    business = {"romi": 0.20, "cac": 100.0, "repeat_rate": 0.30}
    fine = {"romi": 0.11, "cac": 150.0, "repeat_rate": 0.20}  # each just inside its limit
    assert weak_reasons(fine, business) == []
    weak = {"romi": 0.09, "cac": 151.0, "repeat_rate": 0.19}
    assert weak_reasons(weak, business) == [
        "ROMI more than 10 points below the business's",
        "CAC over 1.5× the business's",
        "repeat rate under ⅔ of the business's",
    ]
    assert weak_reasons({"romi": None, "cac": None, "repeat_rate": None}, business) == []
