"""Survey answers of the simulated business, driven by each location's service quality.

Each customer answers an NPS survey after their first order with probability
``answer_rate``. At a location of good service the score is drawn from ``GOOD`` (mostly
promoters: NPS about +45); at a location in ``config.poor_service_locations`` from
``POOR`` (mostly detractors: NPS about −45). Its own random stream: the business's other
draws do not change.
"""

from dataclasses import dataclass

import numpy as np

from pacer.simulate.business import Business

SCORES = np.arange(11)
# shares of the scores 0..10
GOOD = np.array([0.01, 0.01, 0.01, 0.02, 0.02, 0.03, 0.05, 0.10, 0.15, 0.25, 0.35])
POOR = np.array([0.08, 0.07, 0.08, 0.10, 0.10, 0.12, 0.10, 0.10, 0.10, 0.08, 0.07])


def expected_nps(shares: np.ndarray) -> float:
    """The NPS a score distribution gives on average.

    Examples
    --------
    >>> round(expected_nps(GOOD), 1), round(expected_nps(POOR), 1)
    (45.0, -50.0)
    """
    return float(100 * (shares[9:].sum() - shares[:7].sum()))


@dataclass(frozen=True)
class SurveyAnswers:
    contact: np.ndarray  # the answering contact's index
    score: np.ndarray  # 0-10
    time: np.ndarray  # seconds since the epoch: a day after the first order


def survey_answers(business: Business, *, answer_rate: float = 0.3, seed: int = 0) -> SurveyAnswers:
    """One NPS answer from a share ``answer_rate`` of customers, a day after their first
    order, scored by their location's service quality.

    Examples
    --------
    >>> from pacer.simulate.business import generate
    >>> from pacer.simulate.config import SimConfig
    >>> business = generate(SimConfig(contacts=2000, months=3, poor_service_locations=(1,)))
    >>> answers = survey_answers(business)
    >>> bool(answers.score.min() >= 0 and answers.score.max() <= 10)
    True
    """
    if not 0 < answer_rate <= 1:
        raise ValueError("answer_rate: must be above 0 and at most 1")
    rng = np.random.default_rng([business.config.seed, 2, seed])
    customers, first = np.unique(business.order_contact, return_index=True)
    answering = rng.random(len(customers)) < answer_rate
    customers, first = customers[answering], first[answering]
    poor = np.isin(business.contact_location[customers] + 1, business.config.poor_service_locations)
    score = np.where(
        poor,
        rng.choice(SCORES, size=len(customers), p=POOR / POOR.sum()),
        rng.choice(SCORES, size=len(customers), p=GOOD / GOOD.sum()),
    )
    return SurveyAnswers(
        contact=customers, score=score, time=business.order_time[first] + 24 * 3600
    )
