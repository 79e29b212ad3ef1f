"""The staff inbox's address read as hostile input: a ``?location=`` that is no row id
(digits of another script, a superscript, a number past any id) shows every location,
as any other unknown value does, instead of a 500."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core import clock
from pacer.core.models import Role
from tests.leads.test_pages import PASSWORD, desk, new_lead  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def manager(workspace, desk, monkeypatch):  # noqa: F811
    monkeypatch.setattr(clock, "now", lambda: START)
    new_lead(workspace, 1, START)
    core_actions.create_user(workspace, "max", PASSWORD, Role.ADMIN)
    client = Client()
    client.login(username="max", password=PASSWORD)
    return client


# "①" and "²" pass str.isdigit and int() refuses them; the last is past a 64-bit id
@pytest.mark.parametrize("location", ["\u2460", "\u00b2", "99999999999999999999999", "-1"])
def test_a_location_that_is_no_row_id_shows_every_location(manager, location):
    everywhere = manager.get("/leads/?view=open")
    response = manager.get("/leads/", {"view": "open", "location": location})
    assert response.status_code == 200
    assert ">Pat1<" in response.content.decode()
    assert response.content.decode().count(">Pat1<") == everywhere.content.decode().count(">Pat1<")
