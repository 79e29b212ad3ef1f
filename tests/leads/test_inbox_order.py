"""The inbox's queue order: the unanswered leads first, soonest deadline first; then the
answered ones still open, by deadline; the same across pages (the keyset cursor) and
reversed by the column's sort link."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core import clock
from pacer.core.models import Role
from pacer.leads.followup import log_activity
from pacer.leads.models import Lead
from tests.leads.test_pages import PASSWORD, desk, new_lead  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _names(html: str) -> list[str]:
    table = html.split('id="lead-inbox"', 1)[1].split("</table>", 1)[0]
    return re.findall(r">(Pat\d)<", table)


@pytest.fixture
def manager(workspace, desk, monkeypatch):  # noqa: F811
    """Four open leads a minute apart; the two earliest answered (the first one late)."""
    north, sam = desk
    leads = []
    for n in range(4):
        monkeypatch.setattr(clock, "now", lambda n=n: START + timedelta(minutes=n))
        leads.append(new_lead(workspace, n, START + timedelta(minutes=n)))
    now = START + timedelta(minutes=20)
    monkeypatch.setattr(clock, "now", lambda: now)
    for lead in leads[:2]:
        log_activity(workspace, lead.pk, "call", outcome="booked", actor=sam, at=now)
    Lead.objects.filter(pk=leads[3].pk).update(respond_by=None)  # no deadline: its arrival
    core_actions.create_user(workspace, "max", PASSWORD, Role.ADMIN)
    client = Client()
    client.login(username="max", password=PASSWORD)
    return client


def test_all_open_lists_the_unanswered_first_then_the_answered_by_deadline(manager):
    page = manager.get("/leads/?view=open").content.decode()
    assert _names(page) == ["Pat3", "Pat2", "Pat0", "Pat1"]
    assert "overdue by 3 min" in page and page.count(">answered<") == 2
    mine_first = manager.get("/leads/?view=open&sort=-queue_at").content.decode()
    assert _names(mine_first) == ["Pat1", "Pat0", "Pat2", "Pat3"]


@pytest.mark.parametrize("sort", ["queue_at", "-queue_at"])
def test_the_order_holds_from_page_to_page(manager, sort):
    seen, url = [], f"/leads/?view=open&per_page=1&sort={sort}"
    while url:
        page = manager.get(url).content.decode()
        seen += _names(page)
        found = re.search(r'href="(\?[^"]*after=[^"]*)"', page)
        url = "/leads/" + found.group(1).replace("&amp;", "&") if found else None
        assert len(seen) <= 4
    expected = ["Pat3", "Pat2", "Pat0", "Pat1"]
    assert seen == (expected if sort == "queue_at" else expected[::-1])
