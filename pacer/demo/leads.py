"""The simulated leads, loaded through the leads capture path.

Each simulated submission becomes the messages ``pacer.leads.actions.capture`` would
accept (``messages_for``: the same validation, identity and attribution), received at
the simulated time; the change feed turns each "Lead Created" into a lead. Then each
lead's first response is logged as a call at the simulated delay, and the team moves it
through the stages in order (``pacer.demo.pipeline``): won at the contact's first order,
or disqualified with a reason once stale; only what is due by now. Last, the
workspace's predictive lead score is fitted.
"""

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from pacer.analytics.lead_model import LeadModelError
from pacer.core.models import Workspace
from pacer.demo import pipeline
from pacer.demo.pace import catch_up_in_steps
from pacer.ingest.actions import ingest
from pacer.leads import predictive, scoring
from pacer.leads.actions import messages_for, move_stage
from pacer.leads.followup import log_activity
from pacer.leads.forms import save_form
from pacer.leads.selectors import leads
from pacer.leads.stages import first_open_stage, stages
from pacer.simulate.business import Business
from pacer.simulate.leads import FORMS
from pacer.simulate.segment import LeadSubmission, lead_submissions

# lead messages ingested at a time: each call makes one change batch, which the leads
# subscriber turns into leads in one transaction (pacer.demo.pace: 1,000 messages held
# SQLite's write lock 7-13 s at load 13; a quarter of that, a quarter of the hold)
BATCH = 250
OUTCOMES = ("Talked it through; booking a visit", "Left a voicemail", "Sent the price list")
FORM_TITLES = {
    "quote-request": "Request a quote",
    "book-visit": "Book a visit",
    "contact-us": "Contact us",
}


# Fit points a marketer would give before seeing any outcome: someone booking a visit or
# asking for a quote means to buy, "contact us" is often a question, and a phone number
# can be called. The simulator does make the form and the phone number predictive (its
# lead_form_effects and lead_phone_effect); the postal code carries nothing there, and is
# kept because a marketer would give it points too. Fixed beforehand, not fitted.
SCORE_RULES = (
    {"name": "Gave a phone number", "kind": "fit", "field": "phone", "points": 10},
    {"name": "Gave a postal code", "kind": "fit", "field": "postalCode", "points": 5},
    {"name": "Booked a visit", "kind": "fit", "field": "form", "value": "book-visit", "points": 15},
    {
        "name": "Asked for a quote",
        "kind": "fit",
        "field": "form",
        "value": "quote-request",
        "points": 10,
    },
)


def _make_score_rules(workspace: Workspace) -> None:
    """The rule score the predictive score is reported beside (once per workspace)."""
    scoring.add_missing_rules(workspace, SCORE_RULES)


def _make_forms(workspace: Workspace, now: datetime) -> None:
    """The lead forms the simulated submissions name, as a marketer would have built them."""
    for key in FORMS:
        optional = ("phone", "first_name", "postal_code")
        fields = {"email": "required"} | dict.fromkeys(optional, "optional")
        save_form(workspace, {"key": key, "title": FORM_TITLES[key], "fields": fields}, now=now)


def _moment(seconds: float) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def load_leads(
    workspace: Workspace,
    business: Business,
    *,
    now: datetime | None = None,
    on_progress: Callable[[int], None] | None = None,
    fit_score: bool = True,
    staff_password: str | None = None,
) -> dict:
    """Capture the business's leads, then log their first responses and conversions up
    to ``now``, then (``fit_score``) fit the predictive lead score. With a
    ``staff_password``, each location gets its staff first (``pacer.demo.lead_staff``)
    and the leads their owners. Returns counts; loading again adds nothing."""
    now = now or timezone.now()
    _make_forms(workspace, now)
    _make_score_rules(workspace)
    submissions = lead_submissions(business)
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0, "suppressed": 0}
    batch: list[dict] = []
    for index, submission in enumerate(submissions, start=1):
        received = _moment(submission.at)
        batch += messages_for(workspace, submission.data, source="form", received_at=received)[1]
        if len(batch) >= BATCH or index == len(submissions):
            for result in ingest(workspace, batch, received_at=timezone.now()):
                counts[result.status] += 1
            batch = []
    catch_up_in_steps()  # the leads subscriber makes each lead from its event
    agents = {}
    if staff_password is not None:
        from pacer.demo.lead_staff import load_staff

        agents = load_staff(workspace, business, staff_password, now)
    responded, advanced, converted, lost = _follow_up(
        workspace, submissions, now, on_progress, business.config.seed
    )
    version = "not fitted"
    try:
        if fit_score:
            version = predictive.fit_workspace(workspace, now).version
    except LeadModelError as error:  # too little history yet (a tiny demo)
        version = f"not fitted: {error}"
    return {
        "messages": counts,
        "responses": responded,
        "advanced": advanced,
        "conversions": converted,
        "disqualified": lost,
        "predictive_model": version,
        **agents,
    }


def _follow_up(
    workspace, submissions: list[LeadSubmission], now, on_progress, seed: int
) -> tuple[int, int, int, int]:
    """Log each lead's simulated first answer, then move it on as the team would
    (``pacer.demo.pipeline``): up the open stages, won at its first order, or
    disqualified once stale; only what is due by ``now``. Returns (answered, moved on
    through an open stage, won, disqualified)."""
    by_email = {s.data["email"]: s for s in submissions}
    listed = stages(workspace)
    won = next((stage.key for stage in listed if stage.kind == "won"), None)
    lost = next((stage.key for stage in listed if stage.kind == "lost"), None)
    first = first_open_stage(workspace)
    keys = [stage.key for stage in listed if stage.kind == "open"]
    ladder = keys[keys.index(first) + 1 :]
    rows = leads(workspace).values_list(
        "id", "contact__email", "created_at", "first_response_at", "stage"
    )
    counts = {"responses": 0, "advanced": 0, "won": 0, "lost": 0}
    for lead_id, email, created, first_response, stage in list(rows):
        submission = by_email.get(email)
        if submission is None:
            continue
        never = math.isinf(submission.response_minutes)
        answered_at = None if never else created + timedelta(minutes=submission.response_minutes)
        if first_response is None and answered_at is not None and answered_at <= now:
            log_activity(
                workspace,
                lead_id,
                "call",
                at=answered_at,
                outcome=OUTCOMES[submission.contact % len(OUTCOMES)],
            )
            counts["responses"] += 1
        if won and lost:
            planned = pipeline.plan(
                seed=seed,
                contact=submission.contact,
                created=created,
                answered_at=answered_at,
                converted_at=submission.converted_at if submission.converted else None,
                ladder=ladder,
                won=won,
                lost=lost,
            )
            for move in pipeline.next_moves(planned, stage, first, now):
                move_stage(
                    workspace, lead_id, move.stage, at=move.at, by=move.by, reason=move.reason
                )
                kind = "won" if move.stage == won else "lost" if move.stage == lost else "advanced"
                counts[kind] += 1
        if on_progress:
            on_progress(1)
    return counts["responses"], counts["advanced"], counts["won"], counts["lost"]
