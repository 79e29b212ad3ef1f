"""A survey's "send after an order" trigger on its page and over the REST API: set only
by managers, refused settings shown with the field and reason (nothing written), and the
sent / answered / response rate figures by the order's location."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.models import Role
from pacer.messaging import actions as messaging
from pacer.people.actions import upsert_locations
from pacer.teams import surveys, triggers
from pacer.teams.models import SurveyAsk, SurveyResponse, SurveyTrigger

pytestmark = pytest.mark.django_db
PASSWORD = "long-password-1"
T0 = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def setup(workspace):
    upsert_locations(workspace, [{"code": "n", "name": "North"}, {"code": "s", "name": "South"}])
    sender = messaging.save_sender(workspace, name="Acme", from_email="care@acme.test")
    survey = surveys.create_survey(workspace, name="After your order", kind="nps")
    clients, tokens = {}, {}
    for role in (Role.MARKETER, Role.ANALYST, Role.STAFF):
        user = core.create_user(workspace, f"user-{role}", PASSWORD, role)
        clients[role] = Client()
        clients[role].login(username=user.username, password=PASSWORD)
        tokens[role] = core.issue_api_key(workspace, "personal", "t", user=user)[1]
    return survey, sender, clients, tokens


def form(sender, **changes) -> dict:
    return {
        "enabled": "1",
        "delay_days": "2",
        "send_from": "09:00",
        "send_until": "18:00",
        "locations": "s",
        "ask_again_after_days": "90",
        "sender_id": str(sender.pk),
        "purpose": "marketing",
        **changes,
    }


def test_managers_set_the_trigger_on_the_survey_page(workspace, setup):
    survey, sender, clients, _ = setup
    url = f"/experience/surveys/{survey.pk}/trigger/"
    page = clients[Role.MARKETER].get(f"/experience/surveys/{survey.pk}/")
    assert page.status_code == 200
    assert b"Nothing sent after an order or visit yet." in page.content
    assert b'id="trigger-form"' in page.content

    refused = clients[Role.MARKETER].post(
        url, form(sender, delay_days="99", send_until="08:00", locations="s, nowhere")
    )
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "must be a whole number from 0 to 60" in text
    assert "must be later in the day than send_from" in text
    assert "no location with code &#x27;nowhere&#x27;" in text
    assert 'value="99"' in text  # the form is shown again as typed
    assert not SurveyTrigger.objects.exists()

    assert clients[Role.ANALYST].post(url, form(sender)).status_code == 403
    assert (
        b'id="trigger-form"'
        not in clients[Role.ANALYST].get(f"/experience/surveys/{survey.pk}/").content
    )
    assert not SurveyTrigger.objects.exists()

    saved = clients[Role.MARKETER].post(url, form(sender, delay_days="3"))
    assert saved.status_code == 302
    trigger = SurveyTrigger.objects.get()
    south = workspace.location_set.get(code="s")
    assert (trigger.delay_days, trigger.location_ids, trigger.sender_id) == (
        3,
        [south.pk],
        sender.pk,
    )
    shown = clients[Role.MARKETER].get(f"/experience/surveys/{survey.pk}/").content.decode()
    assert 'value="3"' in shown and 'value="s"' in shown


def test_the_page_and_the_api_count_sent_and_answered_by_the_orders_location(
    workspace, setup, monkeypatch
):
    survey, sender, clients, tokens = setup
    monkeypatch.setattr(clock, "now", lambda: T0)
    triggers.save_trigger(survey, sender_id=sender.pk)
    north, south = (workspace.location_set.get(code=c).pk for c in ("n", "s"))
    for n, (location, status) in enumerate(
        [(south, "sent"), (south, "sent"), (south, "skipped"), (north, "sent")], start=1
    ):
        SurveyAsk.objects.create(
            workspace=workspace,
            survey=survey,
            contact_id=n,
            order_id=n,
            location_id=location,
            due_at=T0,
            status=status,
            asked_at=T0 if status == "sent" else None,
        )
    SurveyResponse.objects.create(
        workspace=workspace,
        survey=survey,
        contact_id=1,
        location_id=south,
        score=10,
        answered_at=T0 + timedelta(hours=1),
    )
    page = clients[Role.ANALYST].get(f"/experience/surveys/{survey.pk}/").content.decode()
    assert "33.3%" in page  # the response rate: 1 answer of 3 sent
    assert "50.0%" in page and "0.0%" in page  # South 1 of 2, North 0 of 1

    def api(method, body=None, role=Role.MARKETER):
        return getattr(Client(), method)(
            f"/api/teams/surveys/{survey.pk}/trigger",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens[role]}",
        )

    found = api("get", role=Role.ANALYST).json()
    assert {k: found[k] for k in ("sent", "answered", "delay_days", "locations")} == {
        "sent": 3,
        "answered": 1,
        "delay_days": 2,
        "locations": [],
    }
    assert found["response_rate"] == pytest.approx(1 / 3)
    assert found["by_location"] == [
        {"location": "North", "sent": 1, "skipped": 0, "answered": 0, "response_rate": 0.0},
        {"location": "South", "sent": 2, "skipped": 1, "answered": 1, "response_rate": 0.5},
    ]

    refused = api("put", {"sender_id": sender.pk, "locations": ["nowhere"]})
    assert refused.status_code == 422
    assert "locations" in str(refused.json())
    assert api("put", {"sender_id": sender.pk}, role=Role.ANALYST).status_code == 403
    assert SurveyTrigger.objects.get().delay_days == 2
    changed = api("put", {"sender_id": sender.pk, "delay_days": 5, "locations": ["n"]})
    assert changed.status_code == 200
    assert (changed.json()["delay_days"], changed.json()["locations"]) == (5, ["n"])

    other = surveys.create_survey(workspace, name="No trigger", kind="csat")
    missing = Client().get(
        f"/api/teams/surveys/{other.pk}/trigger",
        HTTP_AUTHORIZATION=f"Bearer {tokens[Role.MARKETER]}",
    )
    assert missing.status_code == 404
