"""The demo business's teams: members from its staff with a lead each, monthly KPI
targets for the performance and CX teams over the simulation's last three months (owned
by the workspace's first admin), a weekly review with a decision and a follow-up action,
and an NPS survey answered by a share of customers a day after their first order
(``pacer.simulate.experience``: scored by their location's service quality). A second NPS
survey is sent after each order by its trigger: it asks about the simulation's last four
weeks of orders (the worker sends those not due yet) and a share of the people it was sent
to answer, for the order's location. Loading again adds nothing.

No transaction spans the load (one did, and held SQLite's write lock for up to 19 s):
each step is its own, the answers go ``ANSWERS_PER_TRANSACTION`` at a time (recorded
once each, so a load broken off and run again records the rest), and the review's two
items go together."""

from datetime import UTC, datetime, timedelta

from django.db import transaction

from pacer.core import clock
from pacer.core import selectors as core
from pacer.core.models import Workspace
from pacer.messaging import actions as messaging
from pacer.messaging import selectors as messages
from pacer.people.selectors import contacts_by_user_id
from pacer.simulate.business import Business
from pacer.simulate.experience import survey_answers
from pacer.simulate.segment import user_id
from pacer.teams import actions, selectors, surveys, triggers
from pacer.teams.registry import month_start, shift_months

TARGETS = {
    "performance": (("leads", 400), ("cac", 120), ("romi", 0.5)),
    "cx": (("speed_to_lead", 15), ("sla_attainment", 0.9), ("repeat_rate", 0.3), ("nps", 30)),
}
SURVEY = "After the first visit (demo)"
AFTER_ORDERS = "After an order (demo)"
ASKED_WEEKS = 4
SENDER = ("Pacer demo", "care@demo.pacer.test")
ANSWERS_PER_TRANSACTION = 500
REVIEW_SOURCE, REVIEW_RATE, REVIEW_STREAM, REVIEW_DAYS = "google", 0.15, 2, 3


def _staff_teams(workspace: Workspace, owner: int | None) -> None:
    """Give every team without members some of the demo's staff (dealt round the teams,
    at least one each while there are any) with the first as its lead; the admin who
    owns the targets joins the teams that have them (and leads a team with no staff)."""
    staff = [m.pk for m in core.members(workspace) if m.role != "admin"]
    found = selectors.teams(workspace)
    for index, team in enumerate(found):
        if team.members.exists():
            continue
        own = staff[index :: len(found)]
        if not own and staff:  # fewer staff than teams: one shares
            own = [staff[index % len(staff)]]
        members = own + ([owner] if owner is not None and (team.key in TARGETS or not own) else [])
        if members:
            lead = own[0] if own else owner
            actions.update_team(
                team, name=team.name, purpose=team.purpose, member_ids=members, lead_id=lead
            )


def load_teams(workspace: Workspace, business: Business) -> dict[str, int]:
    """Targets, a review and survey answers for the demo; returns how many answers."""
    actions.create_default_teams(workspace)
    admins = [m for m in core.members(workspace) if m.role == "admin"]
    owner = admins[0].pk if admins else None
    end = datetime.fromtimestamp(int(business.order_time.max()), UTC).date()
    last = month_start(end)
    _staff_teams(workspace, owner)
    for key, targets in TARGETS.items():
        team = selectors.team(workspace, key)
        for back in range(3):
            for metric, target in targets:
                actions.set_target(
                    team,
                    metric=metric,
                    month=shift_months(last, -back),
                    target=target,
                    owner_id=owner,
                )
    cx = selectors.team(workspace, "cx")
    week = end - timedelta(days=end.weekday())
    if selectors.review(cx, week) is None and owner is not None:
        _add_review(cx, week, owner)
    survey = next((s for s in selectors.surveys(workspace) if s.name == SURVEY), None)
    if survey is None:
        survey = surveys.create_survey(workspace, name=SURVEY, kind="nps")
    answers = survey_answers(business)
    ids = contacts_by_user_id(workspace, [user_id(business, int(c)) for c in answers.contact])
    rows = [
        (ids[name], int(score), datetime.fromtimestamp(int(at), UTC))
        for contact, score, at in zip(answers.contact, answers.score, answers.time, strict=True)
        if (name := user_id(business, int(contact))) in ids
    ]
    answered = _record_answers(survey, rows)
    return {
        "answers": answered,
        "ratings": _load_ratings(workspace, business),
        **_survey_after_orders(workspace, business, end),
    }


def star_rating(score: int) -> int:
    """The stars (1-5) of a review whose writer would answer NPS with ``score`` (0-10).

    >>> [star_rating(s) for s in (0, 2, 3, 5, 6, 7, 8, 9, 10)]
    [1, 1, 2, 3, 3, 4, 4, 5, 5]
    """
    return 1 + (score >= 3) + (score >= 5) + (score >= 7) + (score >= 9)


def _load_ratings(workspace: Workspace, business: Business) -> int:
    """Public reviews (``REVIEW_SOURCE``) from a share of customers, ``REVIEW_DAYS`` after
    their first order, their stars as they would answer NPS (``survey_answers``' own
    stream ``REVIEW_STREAM``: low at a location of poor service); imported once each (by
    source and id). Returns how many are new."""
    written = survey_answers(business, answer_rate=REVIEW_RATE, seed=REVIEW_STREAM)
    rows = [
        {
            "location": business.location_codes[business.contact_location[contact]],
            "source": REVIEW_SOURCE,
            "external_id": f"demo-{int(contact)}",
            "rating": str(star_rating(int(score))),
            "date": datetime.fromtimestamp(int(at) + REVIEW_DAYS * 86400, UTC).date().isoformat(),
        }
        for contact, score, at in zip(written.contact, written.score, written.time, strict=True)
    ]
    return sum(
        surveys.record_ratings(workspace, rows[start : start + ANSWERS_PER_TRANSACTION])["created"]
        for start in range(0, len(rows), ANSWERS_PER_TRANSACTION)
    )


@transaction.atomic
def _add_review(cx, week, owner: int) -> None:
    """The week's review: a decision and its follow-up action, both or neither."""
    actions.add_review_item(
        cx,
        week=week,
        kind="decision",
        text="Every location answers new leads within 15 minutes",
    )
    actions.add_review_item(
        cx,
        week=week,
        kind="action",
        owner_id=owner,
        text="Review the slowest locations' shifts",
        due_on=week + timedelta(days=7),
    )


def _record_answers(survey, rows: list, location_of: dict | None = None) -> int:
    """``surveys.record_answers`` ``ANSWERS_PER_TRANSACTION`` at a time; how many were new."""
    return sum(
        surveys.record_answers(
            survey, rows[start : start + ANSWERS_PER_TRANSACTION], location_of=location_of
        )
        for start in range(0, len(rows), ANSWERS_PER_TRANSACTION)
    )


def _survey_after_orders(workspace: Workspace, business: Business, end) -> dict[str, int]:
    """The survey sent by its trigger after each order of the last ``ASKED_WEEKS`` weeks,
    and the simulated answers of those it was sent to; returns how many were sent and
    answered."""
    survey = next((s for s in selectors.surveys(workspace) if s.name == AFTER_ORDERS), None)
    if survey is not None and survey.responses.exists():
        return {"sent": 0, "answered": 0}  # loaded (a load broken off before has none)
    if survey is None:
        survey = _survey_with_trigger(workspace, end)
    before = len(selectors.sent_after_orders(survey))
    while triggers.run_trigger(survey.trigger.pk):  # a bounded run a transaction
        pass
    sent = selectors.sent_after_orders(survey)
    simulated = survey_answers(business, seed=1)
    ids = contacts_by_user_id(workspace, [user_id(business, int(c)) for c in simulated.contact])
    rows = [
        (ids[name], int(score), clock.now())
        for contact, score in zip(simulated.contact, simulated.score, strict=True)
        if (name := user_id(business, int(contact))) in ids and ids[name] in sent
    ]
    answered = _record_answers(survey, rows, location_of=sent)
    return {"sent": len(sent) - before, "answered": answered}


@transaction.atomic
def _survey_with_trigger(workspace: Workspace, end):
    """The survey after orders with its trigger, asking about the last ``ASKED_WEEKS``."""
    sender = next(
        (s for s in messages.senders(workspace) if s.from_email == SENDER[1]), None
    ) or messaging.save_sender(workspace, name=SENDER[0], from_email=SENDER[1])
    survey = surveys.create_survey(workspace, name=AFTER_ORDERS, kind="nps")
    trigger = triggers.save_trigger(survey, sender_id=sender.pk)
    since = datetime.combine(end - timedelta(weeks=ASKED_WEEKS), datetime.min.time(), UTC)
    triggers.ask_about_orders_since(trigger, min(since, clock.now()))
    return survey
