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
from pacer.demo.pipeline import BY_ORDER, BY_STALE, BY_TEAM, REASONS, STALE_AFTER
from pacer.leads.models import LeadForm, StageChange
from pacer.leads.report import CONVERSION_DAYS, speed_report
from pacer.leads.selectors import funnel, leads
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
LADDER = ["mql", "sql", "opportunity"]
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
    history = {}
    for lead_id, to_stage, at, by, reason in StageChange.objects.filter(
        workspace=workspace
    ).values_list("lead__contact__email", "to_stage", "at", "by", "reason"):
        history.setdefault(lead_id, []).append((to_stage, at, by, reason))
    finals = {}
    for email, created, responded, _, form, stage in made:
        truth = submissions[email]
        moves = sorted(history[email], key=lambda move: move[1])
        path = [to_stage for to_stage, *_ in moves]
        # the team moves each lead up the stages in order, none skipped, then closes it
        climbed = [s for s in path if s not in ("customer", "disqualified")]
        assert climbed == ["lead", *LADDER][: len(climbed)], (email, path)
        assert path[-1] == stage and path.count(stage) == 1
        bought = truth.converted and datetime.fromtimestamp(truth.converted_at, UTC) <= end
        stale = not truth.converted and created + STALE_AFTER <= end
        assert (stage == "customer") == bought, (email, path)
        assert (stage == "disqualified") == stale, (email, path)
        if bought:  # an opportunity, won at its first order
            assert climbed == ["lead", *LADDER]
            assert moves[-1][1:3] == (datetime.fromtimestamp(truth.converted_at, UTC), BY_ORDER)
        if stale:  # disqualified once stale, with the reason for how far it got
            to_stage, at, by, reason = moves[-1]
            stale_at = max(created + STALE_AFTER, (responded or created) + timedelta(days=1))
            assert (at, by) == (stale_at, BY_STALE)
            assert reason in REASONS[len(climbed) - 1]
        if stage not in ("customer", "disqualified"):  # open: younger than the stale mark
            assert created + STALE_AFTER > end or truth.converted
        finals[stage] = finals.get(stage, 0) + 1
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
            assert moves[1][:3] == ("mql", responded, BY_TEAM)  # the first call qualifies it
    assert counts["conversions"] == finals["customer"] > 0
    assert counts["disqualified"] == finals["disqualified"] > 0
    # every stage of the ladder is held by some open leads: the pipeline is being worked
    assert all(finals.get(key, 0) > 0 for key in ["lead", *LADDER]), finals
    again = load_leads(workspace, business, now=end)
    assert again["messages"]["accepted"] == 0 and again["responses"] == again["conversions"] == 0
    assert again["advanced"] == again["disqualified"] == 0
    assert leads(workspace).count() == len(submissions)
    assert StageChange.objects.filter(workspace=workspace).count() == sum(
        map(len, history.values())
    )


def test_the_funnel_narrows_stage_by_stage_as_a_worked_pipeline_does(workspace, loaded):
    """Each stage is reached by fewer leads than the one before, through every stage
    (no lead jumps from MQL to customer), and the page shows it."""
    business, end, counts = loaded
    start = end - timedelta(weeks=CONFIG.weeks)
    steps = {step.stage: step for step in funnel(workspace, start, end)[None]}
    reached = [steps[key].reached for key in ["lead", *LADDER, "customer"]]
    assert reached == sorted(reached, reverse=True) and len(set(reached)) == len(reached)
    assert reached[0] == leads(workspace).count() and reached[-1] == counts["conversions"]
    moved = StageChange.objects.filter(workspace=workspace, by=BY_TEAM)
    assert steps["opportunity"].reached == moved.filter(to_stage="opportunity").count()
    assert all(0 < steps[key].conversion < 1 for key in [*LADDER, "customer"])
    admin = core_actions.create_user(workspace, "ada", "correct-horse-1", Role.ADMIN)
    client = Client()
    client.force_login(admin)
    page = client.get(f"/leads/funnel/?start={start.date()}&end={(end - timedelta(days=1)).date()}")
    text = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    assert page.status_code == 200
    assert f"{reached[3]:,}" in text and f"{reached[4]:,}" in text


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
