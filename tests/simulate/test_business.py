import json

import numpy as np

from pacer.analytics.clv import BGNBD
from pacer.simulate.business import EVENT_ORDER, generate
from pacer.simulate.config import SimConfig
from pacer.simulate.segment import SIGNUP_CONSENT_WORDING, message_count, messages

TINY = SimConfig(seed=3, contacts=800, months=3, locations=3)


def test_same_seed_same_business_other_seed_other_business():
    a, b, c = (
        generate(TINY),
        generate(TINY),
        generate(SimConfig(seed=4, contacts=800, months=3, locations=3)),
    )
    assert np.array_equal(a.event_time, b.event_time) and np.array_equal(
        a.order_total, b.order_total
    )
    assert a.truth == b.truth
    assert not np.array_equal(a.contact_first_seen, c.contact_first_seen)


def test_business_is_internally_consistent():
    business = generate(TINY)
    truth = business.truth["realised"]
    assert truth["contacts"] == business.n_contacts == 800
    assert (
        truth["orders"]
        == len(business.order_total)
        == int((business.event_kind == EVENT_ORDER).sum())
    )
    assert truth["revenue"] == float(business.order_total.sum())
    assert np.all(np.diff(business.event_time) >= 0)
    end = business.start + business.config.weeks * 7 * 86400
    assert business.event_time.max() < end and business.order_time.max() < end
    # every order total is the sum of its lines
    sums = np.bincount(business.line_order, weights=business.line_price * business.line_quantity)
    assert np.allclose(sums, business.order_total, atol=0.01)
    # only leads buy, and only after becoming a lead
    buyers = business.order_contact
    assert np.all(business.lead_at[buyers] >= 0)
    assert np.all(business.order_time >= business.lead_at[buyers])
    json.dumps(business.truth)  # the ground truth is JSON-serialisable


def test_repeat_purchases_follow_the_chosen_bgnbd_process():
    """Each buyer's repeat purchases in the T weeks after their first purchase follow
    BG/NBD(r, alpha, a, b): their mean matches E[X(T)] and the share of buyers without a
    repeat purchase matches P(X(T) = 0) = (alpha / (alpha + T))^r, both averaged over the
    buyers' own T, each within 4 standard errors (computed from the buyers)."""
    config = SimConfig(seed=11, contacts=60_000, months=12, locations=2)
    business = generate(config)
    end = business.start + config.weeks * 7 * 86_400
    _, first, orders = np.unique(business.order_contact, return_index=True, return_counts=True)
    weeks = (end - business.order_time[first]) / (7 * 86_400)  # orders are sorted by time
    repeats = orders - 1
    truth = BGNBD(config.bgnbd_r, config.bgnbd_alpha, config.bgnbd_a, config.bgnbd_b)
    expected = np.array([truth.expected_purchases_new_customer(t) for t in weeks])
    none = (config.bgnbd_alpha / (config.bgnbd_alpha + weeks)) ** config.bgnbd_r
    for residual in (repeats - expected, (repeats == 0) - none):
        standard_error = residual.std(ddof=1) / np.sqrt(len(residual))
        assert abs(residual.mean()) < 4 * standard_error


def test_segment_messages_are_valid_spec_payloads():
    business = generate(TINY)
    sample = list(messages(business))
    identifies = [m for m in sample if m["type"] == "identify"]
    consents = [m for m in sample if m.get("event") == "Consent Updated"]
    assert len(sample) == len(business.event_time) + len(consents)
    # the demo's progress bar counts to this (it used to count events: 26,131/24,953)
    assert message_count(business) == len(sample)
    assert len({m["messageId"] for m in sample}) == len(sample)
    # every lead's sign-up carries its email opt-in, same person, same moment
    assert [(m["userId"], m["timestamp"]) for m in consents] == [
        (m["userId"], m["timestamp"]) for m in identifies
    ]
    assert consents[0]["properties"] == {
        "channel": "email",
        "purpose": "marketing",
        "granted": True,
        "source": "website sign-up form",
        "wording": SIGNUP_CONSENT_WORDING,
    }
    kinds = {m["type"] for m in sample}
    assert kinds == {"page", "identify", "track"}
    identify = next(m for m in sample if m["type"] == "identify")
    assert identify["traits"]["email"].endswith("@example.test") and identify["userId"]
