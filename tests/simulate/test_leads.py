"""The simulated leads: arrival pattern, shifts, response habits and the decay of
conversion with the response delay, each checked against the chosen parameters; the
statistical checks allow 4 standard errors computed from the sample."""

from dataclasses import replace

import numpy as np
import pytest

from pacer.analytics.speed_to_lead import fit_exponential_decay
from pacer.simulate.business import DAY, generate
from pacer.simulate.config import SimConfig
from pacer.simulate.leads import decay_parameters, lead_multiplier, truth_decay, wall_minutes
from pacer.simulate.segment import lead_submissions

SIGMAS = 4
WEEKDAYS_9_TO_17 = np.array([(9, 17)] * 5 + [(0, 0)] * 2)
MONDAY = 4 * DAY  # 1970-01-05


@pytest.fixture(scope="module")
def big():
    return generate(SimConfig(seed=3, contacts=60_000))


def test_decay_parameters_give_the_published_ratios():
    decay = decay_parameters(0.68, 7.0, 60.0)
    assert decay.p0 + decay.floor == pytest.approx(0.68)
    assert decay.window_mean(0, 60) / decay.window_mean(60, 120) == pytest.approx(7.0)
    assert decay.window_mean(0, 60) / decay.probability(1440) == pytest.approx(60.0, rel=1e-9)
    with pytest.raises(ValueError, match="ratio"):
        decay_parameters(0.5, 70.0, 60.0)


def test_staff_answer_in_working_minutes_of_their_shift():
    arrivals = np.array(
        [MONDAY + 10 * 3600, MONDAY + 16 * 3600 + 1800, MONDAY + 4 * 86_400 + 20 * 3600]
    )
    working = np.array([15.0, 60.0, 10.0])
    # Monday 10:00 + 15 min; Monday 16:30 -> 30 min that day, 30 min Tuesday from 9:00;
    # Friday 20:00 (closed) -> Monday 9:10.
    expected = [15.0, (24 * 60 - 16.5 * 60) + 9.5 * 60, 4 * 60 + 48 * 60 + 9 * 60 + 10]
    assert wall_minutes(arrivals, working, WEEKDAYS_9_TO_17).tolist() == pytest.approx(expected)


def test_the_same_seed_gives_the_same_leads_and_another_seed_others():
    config = SimConfig(seed=5, contacts=1500, months=3, locations=4)
    a, b = lead_submissions(generate(config)), lead_submissions(generate(config))
    c = lead_submissions(generate(replace(config, seed=6)))
    assert a == b and len(a) > 300
    assert [s.data for s in a] != [s.data for s in c]
    assert [s.at for s in a] == sorted(s.at for s in a)
    assert len({s.data["submission_id"] for s in a}) == len(a)


def test_leads_arrive_by_the_hour_of_day_weights(big):
    config = big.config
    hours = (big.lead_at[big.lead_at >= 0] % DAY) // 3600
    share = np.bincount(hours, minlength=24) / hours.size
    chosen = np.asarray(config.lead_hour_weights) / sum(config.lead_hour_weights)
    se = np.sqrt(chosen * (1 - chosen) / hours.size)
    assert np.all(np.abs(share - chosen) < SIGMAS * se)


def test_weak_locations_answer_in_hours_and_miss_more(big):
    config = big.config
    leads = big.lead_at >= 0
    weak = np.isin(big.contact_location + 1, config.weak_locations)
    minutes = big.response_hours * 60
    answered = leads & np.isfinite(minutes)
    assert np.median(minutes[answered & ~weak]) < 30
    assert np.median(minutes[answered & weak]) > 120
    for rows, share in (
        (leads & weak, config.weak_never_answer_share),
        (leads & ~weak, config.never_answer_share),
    ):
        never = np.isinf(minutes[rows]).mean()
        assert abs(never - share) < SIGMAS * np.sqrt(share * (1 - share) / rows.sum())


def test_multipliers_average_one_so_the_curve_over_all_leads_is_the_decay():
    config = SimConfig()
    forms = np.repeat([0, 1, 2], 2)
    phones = np.tile([False, True], 3)
    weights = np.repeat(config.lead_form_shares, 2) * np.tile(
        [1 - config.lead_phone_share, config.lead_phone_share], 3
    )
    mean = float(weights @ lead_multiplier(config, forms, phones)) / sum(config.lead_form_shares)
    assert mean == pytest.approx(1.0)
    assert lead_multiplier(config, forms, phones).max() * truth_decay(config).probability(0) < 1


def test_conversions_follow_the_true_probabilities(big):
    leads = big.lead_at >= 0
    customer = np.isin(np.arange(big.n_contacts), big.order_contact)
    end = big.start + big.config.weeks * 7 * DAY
    settled = leads & (big.lead_at < end - 28 * DAY)  # first orders come days after
    p = big.lead_probability[settled]
    assert abs(customer[settled].sum() - p.sum()) < SIGMAS * np.sqrt(np.sum(p * (1 - p)))


def test_the_decay_fitted_to_the_leads_recovers_the_truth(big):
    truth = big.truth["leads"]["decay"]
    end = big.start + big.config.weeks * 7 * DAY
    minutes = big.response_hours * 60
    rows = (big.lead_at >= 0) & (big.lead_at < end - 28 * DAY) & np.isfinite(minutes)
    customer = np.isin(np.arange(big.n_contacts), big.order_contact)
    fit = fit_exponential_decay(minutes[rows], customer[rows].astype(float))
    for fitted, se, chosen in zip(
        (fit.p0, fit.tau, fit.floor),
        fit.standard_errors,
        (truth["p0"], truth["tau_minutes"], truth["floor"]),
        strict=True,
    ):
        assert abs(fitted - chosen) < SIGMAS * se
