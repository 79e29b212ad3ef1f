"""Generate a franchise business with known ground truth, vectorised with NumPy.

Everything is drawn from one ``numpy.random.Generator`` seeded by ``SimConfig.seed``, so
the same config gives the same business, byte for byte.
"""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from pacer.simulate.config import SimConfig
from pacer.simulate.economics import economics
from pacer.simulate.leads import draw_leads, lead_truth
from pacer.simulate.places import location_name

DAY = 86_400
WEEK = 7 * DAY
EVENT_LANDING, EVENT_PAGE, EVENT_IDENTIFY, EVENT_ORDER = 0, 1, 2, 3
EVENT_EMAIL_DELIVERED, EVENT_EMAIL_OPENED, EVENT_EMAIL_CLICKED = 4, 5, 6
EVENT_EXPERIMENT_VIEWED, EVENT_SIGNUP = 7, 8
EXPERIMENT_KEY, EXPERIMENT_VARIANTS = "homepage-offer", ("control", "offer")
SIGNUP_EVENT = "Newsletter Signed Up"


@dataclass
class Business:
    """Columnar output. Times are integer seconds since the Unix epoch (UTC)."""

    config: SimConfig
    start: int
    channel_keys: list[str]
    campaign_names: list[str]
    location_codes: list[str]
    location_names: list[str]
    # contacts
    contact_location: np.ndarray
    contact_first_seen: np.ndarray
    contact_channel: np.ndarray  # index into channel_keys of the first (visible) touch
    contact_source: np.ndarray  # index into channel_keys of the channel that brought them
    contact_campaign: np.ndarray  # index into campaign_names (the name may be "")
    lead_at: np.ndarray  # -1 when never a lead
    contact_variant: np.ndarray  # index into EXPERIMENT_VARIANTS, -1 when not exposed
    response_hours: np.ndarray  # NaN when never a lead, inf when never answered
    lead_form: np.ndarray  # index into pacer.simulate.leads.FORMS, -1 when not a lead
    lead_phone: np.ndarray  # the lead form carried a phone number
    lead_postal_code: np.ndarray
    lead_probability: np.ndarray  # the true chance to convert (NaN when not a lead)
    # events (sorted by time)
    event_contact: np.ndarray
    event_time: np.ndarray
    event_kind: np.ndarray
    event_channel: np.ndarray  # -1 when the event carries no touch
    event_campaign: np.ndarray
    event_order: np.ndarray  # index into orders, -1 otherwise
    # orders and their lines
    order_contact: np.ndarray
    order_time: np.ndarray
    order_total: np.ndarray
    order_cost: np.ndarray
    line_order: np.ndarray
    line_product: np.ndarray
    line_quantity: np.ndarray
    line_price: np.ndarray
    # spend: one row per week × channel × location
    spend_week_start: np.ndarray
    spend_channel: np.ndarray
    spend_campaign: np.ndarray
    spend_location: np.ndarray
    spend_amount: np.ndarray
    truth: dict

    @property
    def n_contacts(self) -> int:
        return len(self.contact_location)


def _campaign_of(key: str, when: np.ndarray, paid: bool) -> np.ndarray:
    if not paid:
        return np.array([""] * len(when), dtype=object)
    dates = when.astype("datetime64[s]").astype("datetime64[M]").astype(int)
    years, quarters = dates // 12 + 1970, (dates % 12) // 3 + 1
    return np.array([f"{key}-{y}-q{q}" for y, q in zip(years, quarters, strict=True)], dtype=object)


def _experiment(config: SimConfig, start: int, weeks: int, first_seen: np.ndarray):
    """Who is exposed to the A/B test (at their first visit), their variant, and who signs
    up (within a week). Its own random stream, so the rest of the business is unchanged."""
    rng = np.random.default_rng([config.seed, 1])
    opens = start + round((1 - config.experiment_share) * weeks) * WEEK
    exposed = np.flatnonzero((first_seen >= opens) & (first_seen + 1 < start + weeks * WEEK))
    variant = np.full(len(first_seen), -1, dtype=np.int64)
    variant[exposed] = rng.integers(0, len(EXPERIMENT_VARIANTS), len(exposed))
    rates = config.experiment_base_rate * np.array([1.0, 1.0 + config.experiment_lift])
    signed = exposed[rng.random(len(exposed)) < rates[variant[exposed]]]
    signup_time = first_seen[signed] + rng.integers(60, WEEK, len(signed))
    return variant, exposed, signed, signup_time, opens


def _experiment_truth(config: SimConfig, variant, exposed, signed, opens: int) -> dict:
    rates = [
        config.experiment_base_rate,
        config.experiment_base_rate * (1 + config.experiment_lift),
    ]
    return {
        "key": EXPERIMENT_KEY,
        "goal_event": SIGNUP_EVENT,
        "starts_at": iso(opens),
        "variants": list(EXPERIMENT_VARIANTS),
        "rates": rates,
        "absolute_lift": rates[1] - rates[0],
        "relative_lift": config.experiment_lift,
        "exposed": {
            name: int((variant[exposed] == i).sum()) for i, name in enumerate(EXPERIMENT_VARIANTS)
        },
        "converted": {
            name: int((variant[signed] == i).sum()) for i, name in enumerate(EXPERIMENT_VARIANTS)
        },
    }


def generate(config: SimConfig) -> Business:
    """Simulate the business ``config`` describes; ``Business.truth`` holds the ground truth.

    Example
    -------
    >>> business = generate(SimConfig(contacts=500, months=3))
    >>> business.n_contacts
    500
    """
    rng = np.random.default_rng(config.seed)
    start = int(datetime.fromisoformat(config.start).replace(tzinfo=UTC).timestamp())
    weeks = config.weeks
    end = start + weeks * WEEK
    channels = config.channels
    keys = [c.key for c in channels]
    n_channels = len(channels)

    # Spend -> adstock -> saturation -> weekly demand per channel, times the season.
    t = np.arange(weeks)
    season = yearly_season(config, start + t * WEEK + WEEK // 2)
    spend_season = 1 + config.spend_season_share * (season - 1)
    spend = np.zeros((n_channels, weeks))
    for i, ch in enumerate(channels):
        noise = rng.lognormal(0, 0.25, weeks)
        flight = (rng.random(weeks // 4 + 1) < 0.6).repeat(4)[:weeks] if not ch.digital else 1
        spend[i] = ch.weekly_spend * spend_season * noise * flight
    adstock = np.zeros_like(spend)
    for w in range(weeks):
        adstock[:, w] = spend[:, w] + (adstock[:, w - 1] * [c.theta for c in channels] if w else 0)
    half = np.array([c.half_saturation for c in channels])[:, None]
    slope = np.array([c.slope for c in channels])[:, None]
    hill = adstock**slope / (adstock**slope + half**slope)
    beta = np.array([c.beta for c in channels])[:, None]
    base = np.array([c.base for c in channels])[:, None]
    from_spend = season * beta * hill
    demand = season * base + from_spend
    scale = config.contacts / demand.sum()

    # Contacts: a (channel, week) cell each, in proportion to demand; the day of the week
    # by the weekday weights (counted from the start's weekday).
    cell = rng.choice(demand.size, size=config.contacts, p=(demand / demand.sum()).ravel())
    source_channel, week = np.divmod(cell, weeks)
    weekday = np.roll(np.asarray(config.weekday_weights, dtype=np.float64), -_weekday(start))
    day = rng.choice(7, size=config.contacts, p=weekday / weekday.sum())
    first_seen = start + week * WEEK + day * DAY + rng.integers(0, DAY, config.contacts)
    visible = source_channel.copy()
    offline = np.array([not c.digital for c in channels])
    direct, organic = keys.index("direct"), keys.index("organic_search")
    moved = offline[visible]
    visible[moved] = np.where(rng.random(moved.sum()) < 0.6, direct, organic)
    loc_weights = rng.dirichlet(np.full(config.locations, config.location_concentration))
    location = rng.choice(config.locations, size=config.contacts, p=loc_weights)
    weak = np.isin(np.arange(config.locations) + 1, config.weak_locations)

    # Journeys: the first touch plus extra digital touches.
    digital = np.flatnonzero(~offline)
    mix = demand[digital].sum(axis=1)
    extra = rng.poisson(config.mean_extra_touches, config.contacts)
    touch_contact = np.concatenate(
        [np.arange(config.contacts), np.repeat(np.arange(config.contacts), extra)]
    )
    extra_channel = digital[rng.choice(len(digital), size=extra.sum(), p=mix / mix.sum())]
    touch_channel = np.concatenate([visible, extra_channel])
    gaps = rng.exponential(3 * DAY, extra.sum()).astype(np.int64)
    cum = np.zeros(extra.sum(), dtype=np.int64)
    if extra.sum():
        grouped = np.repeat(np.arange(config.contacts), extra)
        csum = np.cumsum(gaps)
        offsets = np.concatenate([[0], np.cumsum(extra)[:-1]])
        first_of_group = csum[offsets[grouped]] - gaps[offsets[grouped]]
        cum = csum - first_of_group
    touch_time = np.concatenate([first_seen, first_seen[touch_contact[config.contacts :]] + cum])
    keep = touch_time < end
    touch_contact, touch_channel, touch_time = (
        touch_contact[keep],
        touch_channel[keep],
        touch_time[keep],
    )

    # Lead conversion: logistic in the distinct channels a journey touched.
    effects = np.array([c.lead_effect for c in channels])
    pairs = np.unique(touch_contact * n_channels + touch_channel)
    logit = config.lead_intercept + np.bincount(
        pairs // n_channels, weights=effects[pairs % n_channels], minlength=config.contacts
    )
    is_lead = rng.random(config.contacts) < 1 / (1 + np.exp(-logit))
    last_touch = np.zeros(config.contacts, dtype=np.int64)
    np.maximum.at(last_touch, touch_contact, touch_time)

    # Lead arrivals, response delays by each location's shifts and habits, and conversion
    # that decays with the delay (pacer/simulate/leads.py, its own random stream).
    lead_draws = draw_leads(config, is_lead, last_touch, location)
    lead_at = lead_draws.lead_at
    lead_at[lead_at >= end] = -1
    is_lead = lead_at >= 0
    is_customer = is_lead & lead_draws.qualified
    answered_after = np.where(
        np.isfinite(lead_draws.response_minutes), lead_draws.response_minutes, 0
    )
    first_buy = (
        lead_at
        + (np.nan_to_num(answered_after) * 60).astype(np.int64)
        + rng.exponential(3 * DAY, config.contacts).astype(np.int64)
    )
    is_customer &= first_buy < end

    # Repeat purchases: BG/NBD with weekly rate λ ~ Gamma(r, α) and dropout p ~ Beta(a, b).
    buyers = np.flatnonzero(is_customer)
    lam = rng.gamma(config.bgnbd_r, 1 / config.bgnbd_alpha, len(buyers))
    p_drop = rng.beta(config.bgnbd_a, config.bgnbd_b, len(buyers))
    poor_service = np.isin(location[buyers] + 1, config.poor_service_locations)
    p_drop[poor_service] += (1 - p_drop[poor_service]) * config.poor_service_dropout
    # its own stream, so a business without poor service draws exactly as before
    never_back = poor_service & (
        np.random.default_rng([config.seed, 3]).random(len(buyers)) < config.poor_service_dropout
    )
    basket = np.zeros(config.contacts)
    basket[buyers] = rng.beta(config.basket_a, config.basket_b, len(buyers))
    purchase_contact = [buyers]
    purchase_time = [first_buy[buyers]]
    now = first_buy[buyers].astype(np.float64)
    alive = ~never_back
    while alive.any():
        now = now + rng.exponential(1.0, len(buyers)) / np.maximum(lam, 1e-12) * WEEK
        alive &= now < end
        purchase_contact.append(buyers[alive])
        purchase_time.append(now[alive].astype(np.int64))
        alive &= rng.random(len(buyers)) >= p_drop
    order_contact = np.concatenate(purchase_contact)
    order_time = np.concatenate(purchase_time)
    by_time = np.argsort(order_time, kind="stable")
    order_contact, order_time = order_contact[by_time], order_time[by_time]
    n_orders = len(order_contact)

    # Lines: product choice by monthly price multipliers and chosen elasticities.
    products = config.products
    n_lines = 1 + rng.binomial(2, basket[order_contact])
    line_order = np.repeat(np.arange(n_orders), n_lines)
    months = config.months + 1
    multiplier = 1 + rng.uniform(
        -config.price_promo_spread, config.price_promo_spread / 2, (months, len(products))
    )
    weights = np.array([p.weight for p in products])
    elasticity = np.array([p.elasticity for p in products])
    share = weights * multiplier**elasticity
    share /= share.sum(axis=1, keepdims=True)
    line_month = np.minimum((order_time[line_order] - start) // (30 * DAY), months - 1)
    line_product = np.empty(len(line_order), dtype=np.int64)
    draws = rng.random(len(line_order))
    for m in range(months):
        rows = np.flatnonzero(line_month == m)
        line_product[rows] = np.minimum(
            np.searchsorted(np.cumsum(share[m]), draws[rows]), len(products) - 1
        )
    base_price = np.array([p.price for p in products])
    line_price = np.round(base_price[line_product] * multiplier[line_month, line_product], 2)
    line_quantity = 1 + rng.poisson(0.2, len(line_order))
    unit_cost = np.array([p.unit_cost for p in products])
    order_total = np.round(
        np.bincount(line_order, weights=line_price * line_quantity, minlength=n_orders), 2
    )
    order_cost = np.round(
        np.bincount(
            line_order, weights=unit_cost[line_product] * line_quantity, minlength=n_orders
        ),
        2,
    )

    # Email: scheduled sends to leads; opens; clicks bring a tracked visit back.
    sends_at = np.array(
        [
            start + d * DAY + 10 * 3600
            for d in range(0, weeks * 7, max(1, 30 // config.email_sends_per_month))
        ]
    )
    leads = np.flatnonzero(is_lead)
    first_send = np.searchsorted(sends_at, lead_at[leads])
    counts = len(sends_at) - first_send
    mail_contact = np.repeat(leads, counts)
    mail_index = (
        np.concatenate([np.arange(f, len(sends_at)) for f in first_send])
        if len(leads)
        else np.array([], dtype=np.int64)
    )
    mail_time = sends_at[mail_index] if len(mail_index) else np.array([], dtype=np.int64)
    opened = rng.random(len(mail_contact)) < config.email_open_rate
    clicked = opened & (rng.random(len(mail_contact)) < config.email_click_rate)
    open_time = mail_time + rng.integers(60, 2 * DAY, len(mail_time))
    click_time = open_time + rng.integers(5, 600, len(mail_time))
    email_key = keys.index("email")

    # Page views: a landing page per touch and per email click, then internal pages.
    land_contact = np.concatenate([touch_contact, mail_contact[clicked]])
    land_time = np.concatenate([touch_time, click_time[clicked]])
    land_channel = np.concatenate([touch_channel, np.full(clicked.sum(), email_key)])
    campaigns = np.empty(len(land_contact), dtype=object)
    for i, ch in enumerate(channels):
        rows = np.flatnonzero(land_channel == i)
        campaigns[rows] = _campaign_of(ch.key, land_time[rows], ch.weekly_spend > 0)
    inner = rng.poisson(max(config.pages_per_touch - 1, 0), len(land_contact))
    page_contact = np.repeat(land_contact, inner)
    page_time = np.repeat(land_time, inner) + rng.integers(10, 900, inner.sum())

    campaign_names, campaign_index = np.unique(campaigns.astype(str), return_inverse=True)
    contact_campaign = campaign_index[: config.contacts]  # the first touches come first

    experiment, exposed, signed, signup_time, opens = _experiment(config, start, weeks, first_seen)
    parts = [
        (land_contact, land_time, EVENT_LANDING, land_channel, campaign_index, -1),
        (exposed, first_seen[exposed] + 1, EVENT_EXPERIMENT_VIEWED, -1, -1, -1),
        (signed, signup_time, EVENT_SIGNUP, -1, -1, -1),
        (page_contact, page_time, EVENT_PAGE, -1, -1, -1),
        (leads, lead_at[leads], EVENT_IDENTIFY, -1, -1, -1),
        (order_contact, order_time, EVENT_ORDER, -1, -1, np.arange(n_orders)),
        (mail_contact, mail_time, EVENT_EMAIL_DELIVERED, -1, -1, -1),
        (mail_contact[opened], open_time[opened], EVENT_EMAIL_OPENED, -1, -1, -1),
        (mail_contact[clicked], click_time[clicked], EVENT_EMAIL_CLICKED, -1, -1, -1),
    ]
    ev = {k: [] for k in ("contact", "time", "kind", "channel", "campaign", "order")}
    for contact_ids, times, kind, channel, campaign, order in parts:
        n = len(contact_ids)
        ev["contact"].append(contact_ids.astype(np.int64))
        ev["time"].append(times.astype(np.int64))
        ev["kind"].append(np.full(n, kind, dtype=np.int8))
        for name, value in (("channel", channel), ("campaign", campaign), ("order", order)):
            ev[name].append(np.broadcast_to(np.asarray(value, dtype=np.int64), (n,)).copy())
    ev = {k: np.concatenate(v) for k, v in ev.items()}
    keep = ev["time"] < end
    ev = {k: v[keep] for k, v in ev.items()}
    by_time = np.lexsort((ev["kind"], ev["time"]))
    ev = {k: v[by_time] for k, v in ev.items()}

    # Spend rows: weekly per channel, split over locations by their weights.
    paid = [i for i, c in enumerate(channels) if c.weekly_spend > 0]
    sw, sc, sl, sa = [], [], [], []
    for i in paid:
        for loc in range(config.locations):
            sw.append(start + t * WEEK)
            sc.append(np.full(weeks, i))
            sl.append(np.full(weeks, loc))
            sa.append(np.round(spend[i] * config.spend_scale * loc_weights[loc], 2))
    spend_week = np.concatenate(sw)
    spend_channel = np.concatenate(sc)
    spend_campaign_names = (
        np.concatenate([_campaign_of(keys[i], spend_week[spend_channel == i], True) for i in paid])
        if paid
        else np.array([], dtype=object)
    )
    lookup = {name: j for j, name in enumerate(campaign_names)}
    extra_names = sorted(set(spend_campaign_names) - set(lookup))
    campaign_names = list(campaign_names) + extra_names
    lookup = {name: j for j, name in enumerate(campaign_names)}
    spend_campaign = np.array([lookup[n] for n in spend_campaign_names], dtype=np.int64)

    truth = {
        "seed": config.seed,
        "start": config.start,
        "weeks": weeks,
        "contacts_per_demand_unit": scale,
        "channels": {
            ch.key: {
                **asdict(ch),
                "total_spend": float(spend[i].sum() * config.spend_scale),
                "contacts_from_spend": float(scale * from_spend[i].sum()),
                "contacts_from_base": float(scale * (season * base[i, 0]).sum()),
            }
            for i, ch in enumerate(channels)
        },
        "lead_model": {
            "intercept": config.lead_intercept,
            "effects": {c.key: c.lead_effect for c in channels},
        },
        "leads": lead_truth(config, lead_draws, location),
        "bgnbd": {
            "r": config.bgnbd_r,
            "alpha": config.bgnbd_alpha,
            "a": config.bgnbd_a,
            "b": config.bgnbd_b,
            "time_unit": "week",
        },
        "products": {
            p.sku: {"price": p.price, "unit_cost": p.unit_cost, "elasticity": p.elasticity}
            for p in products
        },
        "email": {
            "open_rate": config.email_open_rate,
            "click_rate_of_opens": config.email_click_rate,
        },
        "experiment": _experiment_truth(
            config, experiment, exposed, signed[signup_time < end], opens
        ),
        "locations": {f"LOC{i + 1:02d}": float(w) for i, w in enumerate(loc_weights)},
        "weak_locations": [f"LOC{i + 1:02d}" for i in np.flatnonzero(weak)],
        "poor_service_locations": [
            f"LOC{n:02d}" for n in sorted(config.poor_service_locations) if n <= config.locations
        ],
        "season": {
            "amplitude": config.season_amplitude,
            "peak_day_of_year": config.season_peak_day,
            "spend_share_of_amplitude": config.spend_season_share,
            "weekday_weights_monday_first": list(config.weekday_weights),
        },
        "realised": {
            "contacts": int(config.contacts),
            "leads": int(is_lead.sum()),
            "customers": int(len(buyers)),
            "orders": int(n_orders),
            "revenue": float(order_total.sum()),
            "events": int(len(ev["time"])),
            "spend": float(sum(a.sum() for a in sa)),
        },
    }
    business = Business(
        config=config,
        start=start,
        channel_keys=keys,
        campaign_names=campaign_names,
        location_codes=[f"LOC{i + 1:02d}" for i in range(config.locations)],
        location_names=[location_name(i) for i in range(config.locations)],
        contact_location=location,
        contact_first_seen=first_seen,
        contact_channel=visible,
        contact_source=source_channel,
        contact_campaign=contact_campaign,
        lead_at=lead_at,
        contact_variant=experiment,
        response_hours=np.where(is_lead, lead_draws.response_minutes / 60, np.nan),
        lead_form=np.where(is_lead, lead_draws.form, -1),
        lead_phone=is_lead & lead_draws.has_phone,
        lead_postal_code=is_lead & lead_draws.has_postal_code,
        lead_probability=np.where(is_lead, lead_draws.probability, np.nan),
        event_contact=ev["contact"],
        event_time=ev["time"],
        event_kind=ev["kind"],
        event_channel=ev["channel"],
        event_campaign=ev["campaign"],
        event_order=ev["order"],
        order_contact=order_contact,
        order_time=order_time,
        order_total=order_total,
        order_cost=order_cost,
        line_order=line_order,
        line_product=line_product,
        line_quantity=line_quantity,
        line_price=line_price,
        spend_week_start=spend_week,
        spend_channel=spend_channel,
        spend_campaign=spend_campaign,
        spend_location=np.concatenate(sl),
        spend_amount=np.concatenate(sa),
        truth=truth,
    )
    spend_share = np.divide(from_spend, demand, out=np.zeros_like(demand), where=demand > 0)
    truth["economics"] = economics(business, spend_share)
    return business


def yearly_season(config: SimConfig, times: np.ndarray) -> np.ndarray:
    """The yearly demand multiplier at ``times`` (seconds since the epoch, UTC)."""
    day_of_year = (
        (times.astype("datetime64[s]") - times.astype("datetime64[s]").astype("datetime64[Y]"))
        .astype("timedelta64[D]")
        .astype(np.int64)
    )
    angle = 2 * np.pi * (day_of_year - config.season_peak_day) / 365.25
    return 1 + config.season_amplitude * np.cos(angle)


def _weekday(seconds: int) -> int:
    """0 for Monday … 6 for Sunday (the Unix epoch was a Thursday)."""
    return (seconds // DAY + 3) % 7


def iso(seconds: int) -> str:
    return (
        (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=int(seconds)))
        .isoformat()
        .replace("+00:00", "Z")
    )
