"""The predictive refit survives kills: a real ``refit_due`` process (the
``lead-predictive`` loop) is killed with SIGKILL with the model's run, every lead's
prediction and the audit entry written, before COMMIT.

The guarantee: a refit is whole or not made. After the kill there is no run, no audit
entry and no lead carries a prediction; the next pass refits (no run within the day),
writing the same predictions an undisturbed fit of the same leads makes (in a second
workspace), and a pass after that refits nothing and changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry
from pacer.leads import predictive
from pacer.leads.models import Lead, LeadModelRun
from pacer.people.models import Contact
from tests.core.loop_processes import SIGKILL, run_loop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
AT = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
LOOP = "pacer.leads.predictive.refit_due"
SETTLED, RECENT = 240, 12
CHANNELS = ("paid_search", "email", "social")


def leads_of(workspace) -> None:
    """Leads settled two months ago (email ones convert more) and a few recent ones."""
    rows = []
    for n in range(SETTLED + RECENT):
        channel = CHANNELS[n % 3]
        won = n < SETTLED and (n % 4 == 0 or (channel == "email" and n % 5 < 2))
        created = AT - timedelta(days=60 if n < SETTLED else 1, minutes=n)
        contact = Contact.objects.create(workspace=workspace, email=f"p{n}@x.test")
        rows.append(
            Lead(
                workspace=workspace,
                contact=contact,
                event_id=n + 1,
                created_at=created,
                source="form",
                channel=channel,
                form="demo" if n % 2 else "quote",
                stage="customer" if won else "lead",
                stage_changed_at=created,
            )
        )
    Lead.objects.bulk_create(rows)


def state(workspace) -> tuple:
    leads = Lead.objects.filter(workspace=workspace).order_by("event_id")
    return (
        list(LeadModelRun.objects.filter(workspace=workspace).values_list("version", "scored")),
        AuditEntry.objects.filter(workspace=workspace, action="leads.predictive").count(),
        list(leads.values_list("predicted", "predicted_version", "predicted_reasons")),
    )


def test_a_killed_refit_is_whole_or_not_made(workspace):
    twin = core_actions.create_workspace("Twin", slug="twin")
    leads_of(workspace)
    leads_of(twin)
    predictive.fit_workspace(twin, AT)  # undisturbed; fitted now, so the loop skips it
    before = state(workspace)
    assert before[:2] == ([], 0)
    assert {version for _, version, _ in before[2]} == {""}

    status, output = run_loop(LOOP, AT, fault="leads.predictive.fitted:1")
    assert status == SIGKILL, output
    assert state(workspace) == before

    assert run_loop(LOOP, AT) == (0, "1\n")
    runs, audits, predictions = state(workspace)
    ((version, scored),) = runs
    assert (audits, scored) == (1, SETTLED + RECENT)
    assert {v for _, v, _ in predictions} == {version}
    assert state(workspace) == state(twin)
    assert run_loop(LOOP, AT + timedelta(hours=1)) == (0, "0\n")
    assert state(workspace) == state(twin)
