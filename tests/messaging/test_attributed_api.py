"""A broadcast's attributed revenue over the REST API
(``GET /api/messaging/broadcasts/{id}/attributed-revenue`` and its SMS twin): the page's
figures under the model and lookback asked for (default: linear over the sending rules'
window), bad parameters refused naming them, another workspace's broadcast not found,
the permission gate in front."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from pacer.core import actions as core_actions
from pacer.messaging import rules
from pacer.messaging.models import Click, SmsBroadcast
from pacer.people.models import Contact, Order
from pacer.warehouse.sync import last_sync, sync
from tests.messaging.test_api import bearer
from tests.messaging.test_scheduling import make_broadcast

# the clicks' rows reach the warehouse as each driver hands them over (SQLite: ISO text)
pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]

CLICKED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
NOT_WHOLE = "Input should be a valid integer, unable to parse string as an integer"
NAMED_MODELS = (
    "'first_touch', 'last_touch', 'linear', 'time_decay', 'position_based', 'w_shaped', "
    "'full_path', 'markov' or 'shapley'"
)


@pytest.fixture
def get(client, workspace):
    headers = {role: bearer(workspace, role) for role in ("marketer", "analyst")}

    def send(path, role="marketer", **query):
        return client.get(f"/api/messaging{path}", query, **headers[role])

    return send


def _buyer(workspace, name, clicks, orders):
    """A contact who clicks (broadcast field, broadcast, hours after ``CLICKED``) and
    orders (hours after ``CLICKED``, total, currency)."""
    contact = Contact.objects.create(
        workspace=workspace, email=f"{name}@x.test", first_seen_at=CLICKED - timedelta(days=30)
    )
    for field, broadcast, hours in clicks:
        channel = "email" if field == "broadcast" else "sms"
        Click.objects.create(
            workspace=workspace,
            contact_id=contact.pk,
            channel=channel,
            at=CLICKED + timedelta(hours=hours),
            **{field: broadcast},
        )
    for i, (hours, total, currency) in enumerate(orders):
        Order.objects.create(
            workspace=workspace,
            external_id=f"o-{name}-{i}",
            contact=contact,
            placed_at=CLICKED + timedelta(hours=hours),
            total=Decimal(total),
            currency=currency,
        )


@pytest.fixture
def story(workspace):
    """ada clicks E and orders 100 a day later; bob clicks E, then S an hour later, and
    orders 40 a day after that and 50 eight days after S; eve clicks E and orders 99 in
    EUR (not modelled, counted apart)."""
    email = make_broadcast(workspace)
    sms = SmsBroadcast.objects.create(workspace=workspace, name="S", text="x", created_at=CLICKED)
    _buyer(workspace, "ada", [("broadcast", email, 0)], [(24, "100.00", "USD")])
    _buyer(
        workspace,
        "bob",
        [("broadcast", email, 0), ("sms_broadcast", sms, 1)],
        [(25, "40.00", "USD"), (8 * 24 + 1, "50.00", "USD")],
    )
    _buyer(workspace, "eve", [("broadcast", email, 0)], [(24, "99.00", "EUR")])
    sync()
    return email, sms


def _figures(response) -> tuple:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["orders"], body["revenue"], body["other_currency_orders"]


def test_the_attributed_revenue_of_email_and_sms_broadcasts(get, workspace, story):
    email, sms = story
    email_path = f"/broadcasts/{email.pk}/attributed-revenue"
    sms_path = f"/sms/broadcasts/{sms.pk}/attributed-revenue"
    answer = get(email_path).json()
    synced_at = datetime.fromisoformat(answer.pop("synced_at"))
    # the API gives the sync's time to the millisecond
    assert timedelta(0) <= last_sync().finished_at - synced_at < timedelta(milliseconds=1)
    # linear over the default 7 days: ada's 100 to E; bob's 40 half to E, half to S;
    # his 50 is 8 days after S (and E): outside the lookback
    assert answer == {
        "broadcast_id": email.pk,
        "channel": "email",
        "model": "linear",
        "model_label": "Linear",
        "lookback_days": 7,
        "currency": "USD",
        "orders": "1.50",
        "revenue": "120.00",
        "other_currency_orders": 1,
    }
    assert _figures(get(sms_path)) == ("0.50", "20.00", 0)
    assert get(sms_path).json()["channel"] == "sms"
    # bob's 40: all to his last click (S) or his first (E)
    assert _figures(get(email_path, model="last_touch")) == ("1.00", "100.00", 1)
    assert _figures(get(sms_path, model="last_touch")) == ("1.00", "40.00", 0)
    # 9 days reach bob's 50, split in two: asked for, or as the sending rules' window
    assert _figures(get(email_path, lookback_days=9)) == ("2.00", "145.00", 1)
    assert _figures(get(sms_path, lookback_days=9)) == ("1.00", "45.00", 0)
    rules.save_settings(workspace, time_zone="UTC", cap_count=0, cap_days=1, attribution_days=9)
    assert get(sms_path).json()["lookback_days"] == 9
    assert _figures(get(sms_path)) == ("1.00", "45.00", 0)
    assert _figures(get(sms_path, lookback_days=7)) == ("0.50", "20.00", 0)


def test_before_the_first_sync_every_figure_is_zero(get, workspace):
    email = make_broadcast(workspace)
    body = get(f"/broadcasts/{email.pk}/attributed-revenue").json()
    assert (body["orders"], body["revenue"], body["other_currency_orders"]) == ("0.00", "0.00", 0)
    assert body["synced_at"] is None


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"model": "last_click"}, {"model": "'last_click' is not one of " + NAMED_MODELS}),
        ({"lookback_days": 0}, {"lookback_days": "Input should be greater than or equal to 1"}),
        ({"lookback_days": 91}, {"lookback_days": "Input should be less than or equal to 90"}),
        ({"lookback_days": "2.5"}, {"lookback_days": NOT_WHOLE}),
    ],
)
def test_a_bad_model_or_lookback_is_refused_naming_it(get, workspace, query, errors):
    email = make_broadcast(workspace)
    sms = SmsBroadcast.objects.create(workspace=workspace, name="S", text="x", created_at=CLICKED)
    for path in (
        f"/broadcasts/{email.pk}/attributed-revenue",
        f"/sms/broadcasts/{sms.pk}/attributed-revenue",
    ):
        refused = get(path, **query)
        assert refused.status_code == 422, refused.content
        found = refused.json()["errors"]
        assert found == errors


def test_another_workspaces_broadcast_is_not_found(get, workspace):
    other = core_actions.create_workspace("Other", slug="other")
    email = make_broadcast(other)
    sms = SmsBroadcast.objects.create(workspace=other, name="S", text="x", created_at=CLICKED)
    theirs = Contact.objects.create(workspace=other, email="o@x.test")
    Click.objects.create(
        workspace=other, contact_id=theirs.pk, channel="email", broadcast=email, at=CLICKED
    )
    sync()
    for path, field in (
        (f"/broadcasts/{email.pk}/attributed-revenue", "broadcast_id"),
        (f"/sms/broadcasts/{sms.pk}/attributed-revenue", "broadcast_id"),
    ):
        missing = get(path)
        assert missing.status_code == 404, missing.content
        assert list(missing.json()["errors"]) == [field]


def test_only_who_may_view_messaging_reads_it(get, workspace):
    email = make_broadcast(workspace)
    path = f"/broadcasts/{email.pk}/attributed-revenue"
    assert get(path, role="analyst").status_code == 403
    assert get(path).status_code == 200
