import pytest

from pacer.core import actions
from pacer.metrics.cube import refresh_cube
from pacer.warehouse.sync import sync

pytestmark = pytest.mark.django_db


def test_pages_require_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_dashboard_shows_kpis_and_chart_data(client, admin, small_business):
    sync(after_sync=refresh_cube)
    client.login(username="ada", password="correct-horse-1")
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="chart-trend"' in html and 'id="chart-data"' in html
    assert "<b>350</b>" in html  # revenue card
    panel = client.get("/dashboard/panel/?channel=direct").content.decode()
    assert "<b>0</b>" in panel  # no revenue under direct
    bad = client.get("/dashboard/panel/?start=31-01-2026").content.decode()
    assert "start: must be a date (YYYY-MM-DD)" in bad


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
