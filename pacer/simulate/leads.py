"""Leads of the simulated business: when they arrive, how each location answers them, and
how the chance to convert decays with the delay of the first response.

The truth is a decay in wall-clock minutes ``t`` from the lead's arrival to its first
response, times a multiplier for what the lead brought (its form, a phone number):

    p(t, lead) = m(form) · m(phone) · (p0 · exp(−t / tau) + floor)

A lead never answered converts with ``m · floor``. ``p0``, ``tau`` and ``floor`` follow
from three chosen figures (``decay_parameters``): the chance at ``t = 0`` and the two
published ratios, that leads answered within an hour are ``ratio_next_hour`` (7) times as
likely to qualify as leads answered in the hour after, and ``ratio_day`` (60) times as
likely as leads answered a day or more later (Oldroyd, McElheran and Elkington, HBR 2011;
"within an hour" and "the hour after" read as the mean of p over [0, 60) and [60, 120)
minutes). The multipliers are scaled so their mean over leads is 1, so the curve over all
leads is exactly ``p0 · exp(−t/tau) + floor`` (``marginal_probability``).

Staff answer on shift only: a location's response habit is a log-normal number of
*working* minutes (its shift's open minutes), so a lead sent at night waits for the
morning; slow locations answer in hours and sometimes never. Hours of the day are the
location's own (``pacer.simulate.places``).
"""

from dataclasses import dataclass

import numpy as np

from pacer.simulate.places import local_seconds, location_zone, utc_offsets

DAY = 86_400
WEEK_MINUTES = 7 * 1440
FORMS = ("quote-request", "book-visit", "contact-us")


@dataclass(frozen=True)
class Decay:
    """``p(t) = p0 · exp(−t / tau) + floor``, ``t`` in minutes."""

    p0: float
    tau: float
    floor: float

    def probability(self, minutes: np.ndarray) -> np.ndarray:
        """The chance to convert after ``minutes`` (``inf``: never answered)."""
        t = np.asarray(minutes, dtype=np.float64)
        return self.p0 * np.exp(-t / self.tau) + self.floor

    def window_mean(self, low: float, high: float) -> float:
        """Mean of p over the minutes ``[low, high)``."""
        width = high - low
        decayed = np.exp(-low / self.tau) - np.exp(-high / self.tau)
        return float(self.p0 * self.tau * decayed / width + self.floor)


def decay_parameters(at_zero: float, ratio_next_hour: float, ratio_day: float) -> Decay:
    """The decay whose p(0) is ``at_zero``, whose first hour is ``ratio_next_hour`` times
    the second and ``ratio_day`` times the floor (a day later, p is the floor to 1e-21).

    Example
    -------
    >>> d = decay_parameters(0.6, 7.0, 60.0)
    >>> round(d.tau, 2), round(d.window_mean(0, 60) / d.window_mean(60, 120), 6)
    (29.22, 7.0)
    """
    if not 0 < at_zero < 1 or not 1 < ratio_next_hour < ratio_day:
        raise ValueError("need 0 < at_zero < 1 and 1 < ratio_next_hour < ratio_day")
    # With u = exp(−60/tau) and k = p0·tau/(60·floor): first hour / floor = k(1−u) + 1 and
    # second hour / floor = k·u(1−u) + 1.
    k_share = ratio_day - 1  # k(1 − u)
    u = (ratio_day / ratio_next_hour - 1) / k_share
    if not 0 < u < 1:
        raise ValueError("these ratios need a decay no exponential with a floor has")
    tau = 60 / np.log(1 / u)
    k = k_share / (1 - u)
    peak_over_floor = k * 60 / tau  # p0 / floor
    floor = at_zero / (peak_over_floor + 1)
    return Decay(float(at_zero - floor), float(tau), float(floor))


@dataclass(frozen=True)
class LeadDraws:
    """Per contact (only leads are filled; NaN / −1 / False elsewhere)."""

    lead_at: np.ndarray
    form: np.ndarray  # index into FORMS, −1 when not a lead
    has_phone: np.ndarray
    has_postal_code: np.ndarray
    response_minutes: np.ndarray  # wall-clock minutes to the first response; inf: never
    probability: np.ndarray  # the true chance to convert
    qualified: np.ndarray  # the draw against ``probability``


def shifts(config) -> np.ndarray:
    """Open hours ``[location, weekday (Monday first), (open, close)]``; closed: (0, 0).

    Every location opens Monday to Saturday at ``shift_open_hour`` and closes at
    ``shift_close_hour`` (Saturday ``saturday_close_hour``); every third location (LOC03,
    LOC06, …) also opens on Sunday from 10 to 16. Hours are the location's local time
    (``pacer.simulate.places``: its city's with ``local_time``, else UTC).
    """
    out = np.zeros((config.locations, 7, 2), dtype=np.int64)
    out[:, :5] = (config.shift_open_hour, config.shift_close_hour)
    out[:, 5] = (config.shift_open_hour, config.saturday_close_hour)
    out[2::3, 6] = (10, 16)
    return out


def _open_minutes(hours: np.ndarray) -> np.ndarray:
    """One week (Monday 00:00 first) as 10,080 minutes, True when on shift."""
    minute_of_day = np.arange(1440)
    return np.concatenate([(minute_of_day >= o * 60) & (minute_of_day < c * 60) for o, c in hours])


def wall_minutes(arrival: np.ndarray, working: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Wall-clock minutes from ``arrival`` (seconds since the epoch) until ``working``
    open minutes of the weekly shift ``hours`` (``[weekday, (open, close)]``) have passed.

    Example
    -------
    >>> weekdays = np.array([(9, 17)] * 5 + [(0, 0)] * 2)
    >>> friday_4pm = 16 * 3600 + 1 * 86_400  # the epoch was a Thursday
    >>> wall_minutes(np.array([friday_4pm]), np.array([90.0]), weekdays).tolist()
    [3930.0]
    """
    open_week = _open_minutes(hours)
    per_week = int(open_week.sum())
    if per_week == 0:
        raise ValueError("hours: a location needs some open minutes")
    weeks = int(np.ceil(working.max(initial=0) / per_week)) + 2
    counted = np.concatenate([[0], np.cumsum(np.tile(open_week, weeks))])  # open before i
    minutes = arrival / 60 + 3 * 1440  # minutes since the Monday before the epoch
    start = np.floor(minutes).astype(np.int64) % WEEK_MINUTES
    fraction = minutes - np.floor(minutes)
    at_arrival = counted[start] + open_week[start] * fraction
    target = at_arrival + working
    j = np.searchsorted(counted, target, side="left")
    answered = (j - 1) + (target - counted[j - 1])
    return answered - (start + fraction)


def draw_leads(config, is_lead: np.ndarray, last_touch: np.ndarray, location: np.ndarray):
    """Lead arrival times, forms, response delays and outcomes from their own random
    stream (``[seed, 2]``). A lead is sent within a day after the contact's last visit, at
    an hour of the day drawn from ``lead_hour_weights``."""
    rng = np.random.default_rng([config.seed, 2])
    n = len(is_lead)
    hour_weights = np.asarray(config.lead_hour_weights, dtype=np.float64)
    hour = rng.choice(24, size=n, p=hour_weights / hour_weights.sum())
    at_day = hour * 3600 + rng.integers(0, 3600, n)  # the location's clock
    earliest = last_touch + 30
    at_day_utc = at_day - utc_offsets(config, earliest, location)
    lead_at = np.where(is_lead, earliest + (at_day_utc - earliest) % DAY, -1)

    form_p = np.asarray(config.lead_form_shares, dtype=np.float64)
    form = np.where(is_lead, rng.choice(len(FORMS), size=n, p=form_p / form_p.sum()), -1)
    has_phone = is_lead & (rng.random(n) < config.lead_phone_share)
    has_postal_code = is_lead & (rng.random(n) < config.lead_postal_code_share)

    weak = np.isin(location + 1, config.weak_locations)
    median = np.where(weak, config.weak_response_minutes_median, config.response_minutes_median)
    working = median * rng.lognormal(0.0, config.response_sigma, n)
    never = is_lead & (
        rng.random(n) < np.where(weak, config.weak_never_answer_share, config.never_answer_share)
    )
    response = np.full(n, np.nan)
    open_hours = shifts(config)
    local_at = local_seconds(config, lead_at, location)
    for loc in range(config.locations):
        rows = np.flatnonzero(is_lead & ~never & (location == loc))
        response[rows] = wall_minutes(local_at[rows], working[rows], open_hours[loc])
    response[never] = np.inf

    multiplier = lead_multiplier(config, form, has_phone)
    decay = truth_decay(config)
    probability = np.where(
        is_lead, multiplier * decay.probability(np.nan_to_num(response, nan=np.inf)), np.nan
    )
    qualified = is_lead & (rng.random(n) < np.nan_to_num(probability))
    return LeadDraws(lead_at, form, has_phone, has_postal_code, response, probability, qualified)


def truth_decay(config) -> Decay:
    return decay_parameters(
        config.lead_convert_at_zero, config.lead_ratio_next_hour, config.lead_ratio_day
    )


def lead_multiplier(config, form: np.ndarray, has_phone: np.ndarray) -> np.ndarray:
    """m(form) · m(phone), scaled so its mean under the chosen shares is 1."""
    form_p = np.asarray(config.lead_form_shares, dtype=np.float64)
    form_p = form_p / form_p.sum()
    form_m = np.asarray(config.lead_form_effects, dtype=np.float64)
    phone_m = np.array([1.0, config.lead_phone_effect])
    mean = float(form_p @ form_m) * float(
        (1 - config.lead_phone_share) + config.lead_phone_share * config.lead_phone_effect
    )
    return form_m[np.maximum(form, 0)] * phone_m[has_phone.astype(np.int64)] / mean


def lead_truth(config, draws: LeadDraws, location: np.ndarray) -> dict:
    """The chosen parameters of the leads and what they gave, for ``Business.truth``."""
    decay = truth_decay(config)
    is_lead = draws.lead_at >= 0
    weak = np.isin(location + 1, config.weak_locations)
    finite = is_lead & np.isfinite(draws.response_minutes)

    def median(rows):
        return float(np.median(draws.response_minutes[rows])) if rows.any() else None

    return {
        "decay": {
            "form": "p(t) = multiplier * (p0 * exp(-t / tau) + floor), t in minutes",
            "p0": decay.p0,
            "tau_minutes": decay.tau,
            "floor": decay.floor,
            "at_zero": config.lead_convert_at_zero,
            "first_hour_over_second": decay.window_mean(0, 60) / decay.window_mean(60, 120),
            "first_hour_over_a_day": decay.window_mean(0, 60) / decay.floor,
        },
        "multipliers": {
            "forms": dict(zip(FORMS, config.lead_form_effects, strict=True)),
            "form_shares": dict(zip(FORMS, config.lead_form_shares, strict=True)),
            "phone": config.lead_phone_effect,
            "phone_share": config.lead_phone_share,
            "scaled_to_mean_one": True,
        },
        "response": {
            "median_working_minutes": config.response_minutes_median,
            "weak_median_working_minutes": config.weak_response_minutes_median,
            "sigma": config.response_sigma,
            "never_share": config.never_answer_share,
            "weak_never_share": config.weak_never_answer_share,
            "realised_median_minutes": median(finite & ~weak),
            "realised_weak_median_minutes": median(finite & weak),
            "realised_never": int((is_lead & ~finite).sum()),
        },
        "zones": {f"LOC{i + 1:02d}": location_zone(config, i) for i in range(config.locations)},
        "shifts": {
            f"LOC{i + 1:02d}": [list(map(int, day)) for day in hours]
            for i, hours in enumerate(shifts(config))
        },
        "hour_weights": list(config.lead_hour_weights),
        "realised": {
            "leads": int(is_lead.sum()),
            "qualified": int((is_lead & draws.qualified).sum()),
            "expected_qualified": float(np.nansum(draws.probability[is_lead])),
        },
    }


def expected_probability(
    config,
    lead_at: np.ndarray,
    location: np.ndarray,
    form: np.ndarray,
    has_phone: np.ndarray,
    *,
    samples: int = 400,
    seed: int = 0,
) -> np.ndarray:
    """The true chance to convert as known when the lead arrives: ``p(t, lead)`` averaged
    over the location's response habit (``samples`` draws of it, never answered
    included). The best any score that does not know the delay can do."""
    rng = np.random.default_rng([config.seed, 3, seed])
    weak = np.isin(location + 1, config.weak_locations)
    median = np.where(weak, config.weak_response_minutes_median, config.response_minutes_median)
    never = np.where(weak, config.weak_never_answer_share, config.never_answer_share)
    decay, open_hours = truth_decay(config), shifts(config)
    mean_decay = np.zeros(len(lead_at))
    for loc in np.unique(location):
        rows = np.flatnonzero(location == loc)
        arrival = np.repeat(local_seconds(config, lead_at[rows], location[rows]), samples)
        working = np.repeat(median[rows], samples) * rng.lognormal(
            0.0, config.response_sigma, arrival.size
        )
        delay = wall_minutes(arrival, working, open_hours[loc])
        answered = decay.probability(delay).reshape(len(rows), samples).mean(axis=1)
        mean_decay[rows] = (1 - never[rows]) * answered + never[rows] * decay.floor
    return lead_multiplier(config, form, has_phone) * mean_decay
