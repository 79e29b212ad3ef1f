import json
import re

import pytest

from pacer.core import actions
from pacer.metrics.cube import refresh_cube
from pacer.warehouse.sync import sync

pytestmark = pytest.mark.django_db


def kpi(html: str, key: str) -> str:
    """The value a KPI card shows."""
    return re.search(rf'id="kpi-{key}".*?class="kpi-value"[^>]*>([^<]*)<', html, re.S)[1]


def chart_config(html: str, config_id: str) -> dict:
    return json.loads(
        re.search(rf'<script id="{config_id}" type="application/json">(.*?)</script>', html, re.S)[
            1
        ]
    )


def test_pages_require_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_dashboard_shows_kpis_and_chart_data(client, admin, small_business):
    sync(after_sync=refresh_cube)
    client.login(username="ada", password="correct-horse-1")
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert kpi(html, "revenue") == "$350" and kpi(html, "spend") == "$400"
    trend = chart_config(html, "chart-trend-config")
    assert trend["data"]["labels"] == ["Jan 2026", "Feb 2026"]  # not "2026-01-01"
    assert trend["pacer"]["format"] == {"y": "money"}
    assert trend["pacer"]["currency"] == {"code": "USD", "prefix": "$", "minor": True}
    funnel = chart_config(html, "chart-funnel-config")
    assert funnel["data"]["datasets"][0]["data"] == [3, 3, 2, 2, 1]
    weekly = chart_config(client.get("/?grain=week").content.decode(), "chart-trend-config")
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} 20\d\d", w) for w in weekly["data"]["labels"])
    panel = client.get("/dashboard/panel/?channel=direct").content.decode()
    assert kpi(panel, "revenue") == "$0"  # no revenue under direct


def test_dashboard_filters_live_in_the_url_and_bad_ones_are_reported_not_applied(
    client, admin, small_business
):
    sync(after_sync=refresh_cube)
    client.force_login(admin)
    html = client.get("/?channel=direct&grain=week").content.decode()
    assert '<option value="direct" selected>' in html  # the control shows the URL's value
    assert '<option value="week" selected>' in html
    assert kpi(html, "revenue") == "$0"
    bad = client.get("/?start=31-01-2026&channel=direct").content.decode()
    assert "From: must be a date (YYYY-MM-DD), not &#x27;31-01-2026&#x27;" in bad
    assert 'id="filter-start" name="start" value="31-01-2026" aria-invalid="true"' in bad
    assert kpi(bad, "revenue") == "$0"  # the good filter applies, the bad one does not
    unknown = client.get("/?channel=tv2").content.decode()
    assert "Channel: &#x27;tv2&#x27; is not one of the choices; all channels shown" in unknown
    assert kpi(unknown, "revenue") == "$350"
    # the data ends on Sunday 2026-02-15: presets count back from there, not from today
    february = client.get("/?range=mtd").content.decode()
    assert 'value="2026-02-01"' in february and 'value="2026-02-15"' in february
    assert re.search(r'aria-current="true"[^>]*>Month to date<', february)
    assert kpi(february, "revenue") == "$250" and kpi(february, "spend") == "$100"
    # against January: spend 300 -> 100 (neither good nor bad), revenue 100 -> 250 (good)
    assert re.search(r'id="kpi-spend".*?kpi-delta neutral.*?-66\.7%', february, re.S)
    assert re.search(r'id="kpi-revenue".*?kpi-delta good.*?\+150\.0%', february, re.S)
    january = client.get("/?range=last_month").content.decode()
    assert 'value="2026-01-01"' in january and 'value="2026-01-31"' in january
    assert kpi(january, "revenue") == "$100"
    # dates typed over a preset's win; a start after the end is refused
    typed = client.get("/?range=mtd&start=2026-01-01&end=2026-01-31").content.decode()
    assert kpi(typed, "revenue") == "$100" and 'aria-current="true"' not in typed
    backwards = client.get("/?start=2026-02-01&end=2026-01-01").content.decode()
    assert "To: must be on or after the start date" in backwards
    assert kpi(backwards, "revenue") == "$350"


def test_key_page_is_for_admins_only(client, workspace, admin):
    actions.create_user(workspace, "sam", "long-password", "staff")
    client.login(username="sam", password="long-password")
    assert client.get("/settings/keys/").status_code == 403
    client.login(username="ada", password="correct-horse-1")
    response = client.post("/settings/keys/", {"kind": "write", "name": "shop"})
    assert response.status_code == 200 and "pw_" in response.content.decode()


def test_contacts_export_escapes_formulas(client, admin, tracker):
    tracker.batch(
        [
            {
                "type": "identify",
                "messageId": "i",
                "userId": "u",
                "traits": {"email": "x@y.com", "firstName": "=cmd|'/c calc'!A0"},
            }
        ]
    )
    client.login(username="ada", password="correct-horse-1")
    body = b"".join(client.get("/contacts/export.csv").streaming_content).decode()
    assert "'=cmd|'/c calc'!A0" in body
