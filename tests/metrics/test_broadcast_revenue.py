"""Revenue attributed to broadcasts through the measurement module: broadcast clicks are
touches of the warehouse's journeys (email and SMS, each under its broadcast), and each
order placed within the lookback after a click is split over the person's touches by the
chosen model. Hand-computed journeys; merged contacts count as one person; orders in
another currency are counted apart."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest

from pacer.analytics.journeys import JourneyError
from pacer.messaging import actions
from pacer.messaging.models import Click, SmsBroadcast
from pacer.metrics.analysis import attribution_report
from pacer.metrics.broadcast_revenue import broadcast_revenue
from pacer.people.models import Contact, Order
from pacer.warehouse.sync import default_store, sync

# the clicks' rows reach the warehouse as each driver hands them over (SQLite: ISO text)
pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]

CLICKED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _contact(workspace, name, merged_into=None):
    return Contact.objects.create(
        workspace=workspace,
        email=f"{name}@x.test",
        merged_into=merged_into,
        first_seen_at=datetime(2026, 1, 5, tzinfo=UTC),
    )


def _order(contact, placed_at, total, currency="USD"):
    Order.objects.create(
        workspace=contact.workspace,
        external_id=f"o-{contact.pk}-{placed_at:%d%H%M}-{currency}",
        contact=contact,
        placed_at=placed_at,
        total=Decimal(total),
        currency=currency,
    )


def _click(contact, at, email=None, sms=None):
    Click.objects.create(
        workspace=contact.workspace,
        contact_id=contact.pk,
        channel="email" if email else "sms",
        broadcast=email,
        sms_broadcast=sms,
        at=at,
    )


@pytest.fixture
def story(workspace):
    """ada: clicks email E, orders 100 a day later. bob: clicks E, then SMS S an hour
    later, orders 40 a day after that, and 50 eight days after his last click (outside a
    7-day lookback). dee clicks E and is merged into cy, who orders 30 two days later:
    the click and the order are one person's. eve clicks E and orders 99 in EUR (apart) and 10
    before her click (not after it). fay clicks nothing and orders 500."""
    template = actions.save_template(workspace, name="Spring", subject="Hi", html="<p>x</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    email = actions.create_broadcast(
        workspace, name="E", template_id=template.pk, sender_id=sender.pk, audience={"all": True}
    )
    sms = SmsBroadcast.objects.create(workspace=workspace, name="S", text="x", created_at=CLICKED)
    ada, bob, cy, eve, fay = (_contact(workspace, n) for n in ("ada", "bob", "cy", "eve", "fay"))
    dee = _contact(workspace, "dee", merged_into=cy)
    _click(ada, CLICKED, email=email)
    _order(ada, CLICKED + timedelta(days=1), "100.00")
    _click(bob, CLICKED, email=email)
    _click(bob, CLICKED + timedelta(hours=1), sms=sms)
    _order(bob, CLICKED + timedelta(days=1, hours=1), "40.00")
    _order(bob, CLICKED + timedelta(days=8, hours=1), "50.00")
    _click(dee, CLICKED, email=email)
    _order(cy, CLICKED + timedelta(days=2), "30.00")
    _click(eve, CLICKED, email=email)
    _order(eve, CLICKED + timedelta(days=1), "99.00", currency="EUR")
    _order(eve, CLICKED - timedelta(minutes=1), "10.00")
    _order(fay, CLICKED + timedelta(days=1), "500.00")
    firsts = {ada: timedelta(days=1), bob: timedelta(days=1, hours=1), cy: timedelta(days=2)}
    firsts |= {eve: -timedelta(minutes=1), fay: timedelta(days=1)}
    for contact, after in firsts.items():  # what the people domain keeps: the first order
        Contact.objects.filter(pk=contact.pk).update(customer_at=CLICKED + after)
    sync()
    return {"email": f"email broadcast {email.pk}", "sms": f"sms broadcast {sms.pk}"}


def test_each_model_credits_the_orders_after_a_click_to_the_broadcasts(workspace, story):
    email, sms = story["email"], story["sms"]

    def figures(model, lookback_days=7):
        found = broadcast_revenue(
            default_store(), workspace, model=model, lookback_days=lookback_days
        )
        return {
            label: (round(f["orders"], 6), round(f["revenue"], 6), f["other_currency_orders"])
            for label, f in found.items()
        }

    # linear: ada's 100 and cy's 30 to E alone (dee's click is cy's),
    # bob's 40 half to E and half to S; eve's EUR order apart; no other order counts
    assert figures("linear") == {email: (2.5, 150.0, 1), sms: (0.5, 20.0, 0)}
    # bob clicked E first and S last
    assert figures("first_touch") == {email: (3.0, 170.0, 1), sms: (0.0, 0.0, 0)}
    assert figures("last_touch") == {email: (2.0, 130.0, 1), sms: (1.0, 40.0, 0)}
    # Shapley splits bob's order over his two broadcasts as linear does
    assert figures("shapley") == figures("linear")
    # a lookback of 9 days reaches bob's second order (8 days after S, 8 days 1 hour
    # after E): 50 more, split in two
    assert figures("linear", 9) == {email: (3.0, 175.0, 1), sms: (1.0, 45.0, 0)}


def test_a_bad_model_or_lookback_is_refused_naming_it(workspace):
    with pytest.raises(JourneyError, match="^model: must be one of"):
        broadcast_revenue(default_store(), workspace, model="last_click")
    for bad in (0, 91, 2.5, True):
        with pytest.raises(JourneyError, match="^lookback_days: "):
            broadcast_revenue(default_store(), workspace, lookback_days=bad)


def test_no_click_no_figures(workspace):
    fay = _contact(workspace, "fay")
    _order(fay, CLICKED, "500.00")
    sync()
    assert broadcast_revenue(default_store(), workspace) == {}


def test_broadcast_clicks_are_touches_of_the_attribution_report(workspace, story):
    table = attribution_report(
        default_store(), workspace.pk, date(2026, 1, 1), date(2026, 3, 31), by="campaign"
    )
    linear = {r["channel"]: r for r in table.filter(pl.col("model") == "linear").to_dicts()}
    # first orders (the conversion of these journeys): ada 100 after E; bob 40 after E
    # and S; cy 30 after E (dee's click, merged into cy); eve's first order came before her
    # click, so her only touch (after it) is not on the journey
    assert set(linear) == {story["email"], story["sms"]}
    assert (linear[story["email"]]["conversions"], linear[story["email"]]["revenue"]) == (
        2.5,
        150.0,
    )
    assert (linear[story["sms"]]["conversions"], linear[story["sms"]]["revenue"]) == (0.5, 20.0)
    by_channel = attribution_report(
        default_store(), workspace.pk, date(2026, 1, 1), date(2026, 3, 31)
    )
    channels = set(by_channel["channel"].to_list())
    assert channels == {"email", "sms"}
