"""The demo business's teams: monthly KPI targets for the performance and CX teams over
the simulation's last three months (owned by the workspace's first admin), a weekly
review with a decision and a follow-up action, and an NPS survey answered by a share of
customers a day after their first order (``pacer.simulate.experience``: scored by their
location's service quality). Loading again adds nothing."""

from datetime import UTC, datetime, timedelta

from django.db import transaction

from pacer.core import selectors as core
from pacer.core.models import Workspace
from pacer.people.selectors import contacts_by_user_id
from pacer.simulate.business import Business
from pacer.simulate.experience import survey_answers
from pacer.simulate.segment import user_id
from pacer.teams import actions, selectors, surveys
from pacer.teams.registry import month_start, shift_months

TARGETS = {
    "performance": (("leads", 400), ("cac", 120), ("romi", 0.5)),
    "cx": (("speed_to_lead", 15), ("sla_attainment", 0.9), ("repeat_rate", 0.3), ("nps", 30)),
}
SURVEY = "After the first visit (demo)"


@transaction.atomic
def load_teams(workspace: Workspace, business: Business) -> dict[str, int]:
    """Targets, a review and survey answers for the demo; returns how many answers."""
    actions.create_default_teams(workspace)
    admins = [m for m in core.members(workspace) if m.role == "admin"]
    owner = admins[0].pk if admins else None
    end = datetime.fromtimestamp(int(business.order_time.max()), UTC).date()
    last = month_start(end)
    for key, targets in TARGETS.items():
        team = selectors.team(workspace, key)
        if owner is not None:
            actions.update_team(
                team, name=team.name, purpose=team.purpose, member_ids=[owner], lead_id=owner
            )
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
    return {"answers": surveys.record_answers(survey, rows)}
