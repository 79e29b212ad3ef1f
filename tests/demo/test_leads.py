"""The demo's leads go through the real capture path, and the speed-to-lead figures Pacer
computes from them recover the simulator's truth.

Statistical checks allow 4 standard errors (or the matching likelihood-ratio quantile)
computed from the leads loaded here (about 1,000 answered leads), so the tolerance
shrinks as the sample grows."""

import math
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.test import Client
from scipy.stats import chi2, norm

from pacer.analytics.speed_to_lead import fit_exponential_decay
from pacer.core import actions as core_actions
from pacer.core.models import Role
from pacer.demo.leads import load_leads
from pacer.demo.loader import load_business
from pacer.leads.models import LeadForm, StageChange
from pacer.leads.report import CONVERSION_DAYS, speed_report
from pacer.leads.selectors import leads
from pacer.people.models import Consent
from pacer.simulate.business import EVENT_IDENTIFY, generate
from pacer.simulate.config import SimConfig
from pacer.simulate.leads import truth_decay
from pacer.simulate.segment import SIGNUP_CONSENT_WORDING, lead_submissions

SIGMAS = 4
FOUR_SIGMA_TAIL = 2 * norm.sf(SIGMAS)
CONFIG = SimConfig(
    seed=11, contacts=3600, months=3, locations=4, weak_locations=(2, 4), start="2026-01-05"
)
SETTLE = timedelta(days=28)  # a converted lead's first order comes days after


@pytest.fixture(scope="module")
def loaded(module_workspace):
    """The simulated business and its leads, loaded once for the module's tests."""
    business = generate(CONFIG)
    end = datetime.fromtimestamp(business.start + CONFIG.weeks * 7 * 86_400, UTC)
    load_business(module_workspace, business)
    counts = load_leads(module_workspace, business, now=end)
    return business, end, counts


@pytest.fixture
def workspace(module_workspace, db):
    return module_workspace


def _outcomes(workspace, end):
    rows = leads(workspace).filter(created_at__lt=end - SETTLE, first_response_at__isnull=False)
    minutes, converted = [], []
    for lead in rows.select_related("contact"):
        minutes.append((lead.first_response_at - lead.created_at).total_seconds() / 60)
        customer_at = lead.contact.customer_at
        converted.append(
            lead.stage == "customer"
            or customer_at is not None
            and lead.created_at <= customer_at <= lead.created_at + timedelta(days=CONVERSION_DAYS)
        )
    return np.array(minutes), np.array(converted, dtype=float)


def test_every_simulated_lead_is_captured_once_with_its_simulated_response(workspace, loaded):
    business, end, counts = loaded
    submissions = {s.data["email"]: s for s in lead_submissions(business)}
    made = list(
        leads(workspace).values_list(
            "contact__email", "created_at", "first_response_at", "location_id", "form", "stage"
        )
    )
    assert len(made) == len(submissions) == counts["messages"]["accepted"] // 2
    assert counts["predictive_model"].startswith("lr-iso-")  # the demo fits the score
    # the forms the leads came through exist, as a marketer would have built them
    assert dict(LeadForm.objects.filter(workspace=workspace).values_list("key", "title")) == {
        "quote-request": "Request a quote",
        "book-visit": "Book a visit",
        "contact-us": "Contact us",
    }
    quiet = 0
    for email, created, responded, _, form, stage in made:
        truth = submissions[email]
        # a lead that never converts is closed 45 days after it came, like a manager would
        gone_quiet = not truth.converted and created + timedelta(days=45) <= end
        assert (stage == "disqualified") == gone_quiet, (email, stage)
        quiet += gone_quiet
        assert form == truth.data["form"]
        assert created == datetime.fromtimestamp(truth.at, UTC)
        if (
            math.isinf(truth.response_minutes)
            or created + timedelta(minutes=truth.response_minutes) > end
        ):
            assert responded is None
        else:
            delay = (responded - created).total_seconds() / 60
            assert delay == pytest.approx(truth.response_minutes, abs=1e-3)
    assert counts["went_quiet"] == quiet > 0
    assert set(
        StageChange.objects.filter(workspace=workspace, to_stage="disqualified").values_list(
            "reason", "by"
        )
    ) == {("Went quiet: no reply in 45 days", "demo: went quiet")}
    again = load_leads(workspace, business, now=end)
    assert again["messages"]["accepted"] == 0 and again["responses"] == again["conversions"] == 0
    assert again["went_quiet"] == 0
    assert leads(workspace).count() == len(submissions)


def _log_likelihood(p, y):
    return float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))


def test_the_report_shows_two_slow_locations_and_the_fitted_decay_recovers_the_truth(
    workspace, loaded
):
    business, end, _ = loaded
    report = speed_report(workspace, end - timedelta(weeks=CONFIG.weeks), end)
    medians = sorted((s.median, loc) for loc, s in report.by_location.items())
    fast, slow = medians[:2], medians[2:]
    assert min(m for m, _ in slow) > 10 * max(m for m, _ in fast)
    assert report.fit is not None and report.gain.extra_conversions > 0
    admin = core_actions.create_user(workspace, "ada", "correct-horse-1", Role.ADMIN)
    client = Client()
    client.force_login(admin)
    start = (end - timedelta(weeks=CONFIG.weeks)).date()
    page = client.get(f"/leads/speed/?start={start}&end={(end - timedelta(days=1)).date()}")
    text = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    assert f"Fitted on {report.fit.leads} answered leads" in text
    assert f"every {report.fit.tau:.0f} minutes" in text
    assert f"about {report.gain.extra_conversions:.1f} more would have converted" in text

    # The true curve is not rejected by a likelihood-ratio test at the 4-sigma level
    # (chi-squared, 3 parameters; valid with the floor at its bound of 0, where the
    # standard errors are not), while the same curve with tau tripled is.
    minutes, converted = _outcomes(workspace, end)
    fit = fit_exponential_decay(minutes, converted)
    decay = truth_decay(business.config)
    critical = chi2.ppf(1 - FOUR_SIGMA_TAIL, df=3)
    truth_statistic = 2 * (
        fit.log_likelihood - _log_likelihood(decay.probability(minutes), converted)
    )
    slower = replace(decay, tau=3 * decay.tau)
    wrong_statistic = 2 * (
        fit.log_likelihood - _log_likelihood(slower.probability(minutes), converted)
    )
    assert truth_statistic < critical < wrong_statistic
    # What answering every lead within 15 minutes is worth, fitted vs true (the
    # standard error from the fit's interval).
    gain = fit.impact(minutes, within=15)
    slow_minutes = minutes[minutes > 15]
    true_gain = float(np.sum(decay.probability(15) - decay.probability(slow_minutes)))
    se = (gain.interval[1] - gain.interval[0]) / (2 * 1.959963984540054)
    assert abs(gain.extra_conversions - true_gain) < SIGMAS * se


def test_every_simulated_sign_up_gives_its_email_opt_in_with_the_wording(workspace, loaded):
    """The business emails its leads every month: each sign-up's consent is recorded, as
    the form worded it, so the demo's broadcasts and consent segments have an audience."""
    business, _, _ = loaded
    signups = int((business.event_kind == EVENT_IDENTIFY).sum())
    made = Consent.objects.filter(workspace=workspace, source="website sign-up form")
    assert made.count() == signups > 0
    assert set(made.values_list("channel", "purpose", "granted", "wording")) == {
        ("email", "marketing", True, SIGNUP_CONSENT_WORDING)
    }
    assert made.values("contact").distinct().count() == signups
