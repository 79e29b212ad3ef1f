"""Variance alerts to owners: exact alerts on a fixed day (overspend, underspend, pacing
with the workspace's thresholds), each once per line, month and kind, emailed to the
owner of the node or its nearest owned ancestor, shown on the node page; thresholds are
refused by field with nothing changed."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from pacer.core import clock, outbox
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.planning.alerts import check_all, check_workspace, set_alert_thresholds
from pacer.planning.budget_actions import planning_settings
from pacer.planning.close_actions import close_month
from pacer.planning.models import VarianceAlert
from tests.planning.alerts_fixture import DUE_ON_MID_MARCH, MID_MARCH, PASSWORD, raised

pytestmark = pytest.mark.django_db


def test_the_due_alerts_are_raised_once_and_mailed_to_the_owner(workspace, alert_lines):
    found = check_workspace(workspace, MID_MARCH)
    assert len(found) == 3
    assert raised(workspace) == DUE_ON_MID_MARCH
    assert mail.outbox == []  # queued in the staff outbox, sent by its loop
    assert outbox.send_due() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["olga@example.test"]
    assert mail.outbox[0].subject == "Budget alerts: 3 of your plan lines need a look"
    assert "Pacing: Social · 2026-03 · Paid social: spent 8,000.00" in mail.outbox[0].body
    # the next run, and the next days, raise and send nothing again
    assert check_workspace(workspace, MID_MARCH) == []
    assert check_workspace(workspace, date(2026, 3, 16)) == []
    assert outbox.send_due() == 0
    assert len(mail.outbox) == 1
    assert VarianceAlert.objects.count() == 3


def test_thresholds_and_the_calendar_decide_what_is_due(workspace, alert_lines):
    # before day 7 of a month there is no pacing; the month before is finished
    early = {a.kind for a in check_workspace(workspace, date(2026, 3, 6))}
    assert early == {"underspend", "overspend"}
    VarianceAlert.objects.all().delete()
    set_alert_thresholds(
        workspace,
        {"overspend_tolerance": "0.3", "underspend_below": "0.2", "pacing_tolerance": "0.7"},
    )
    # 25% over, 20% spent (not below 20%), 65% ahead: all within the new thresholds
    assert check_workspace(workspace, MID_MARCH) == []
    set_alert_thresholds(
        workspace,
        {"overspend_tolerance": "0", "underspend_below": "0.9", "pacing_tolerance": "0.2"},
    )
    close_month(workspace, "2026-02")
    assert {a.kind for a in check_workspace(workspace, MID_MARCH)} == {"pacing", "overspend"}
    # April: March finished 80% spent (underspend), April's invoiced 2,500 on 2,000 was raised
    april = {(a.line.channel, a.kind) for a in check_workspace(workspace, date(2026, 4, 2))}
    assert april == {("paid_social", "underspend"), ("email", "underspend")}


def test_the_worker_loop_checks_every_workspace_on_the_clocks_day(
    workspace, alert_lines, monkeypatch
):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 15, 12, tzinfo=UTC))
    assert check_all() == 3
    assert check_all() == 0


def test_alerts_show_on_the_node_page(workspace, alert_lines, alert_owner):
    check_workspace(workspace, MID_MARCH)
    client = Client()
    client.login(username="olga", password=PASSWORD)
    text = client.get(f"/plans/{alert_lines['leaf'].pk}/").content.decode()
    assert 'id="node-sent-alerts"' in text
    assert "invoiced 2,500.00 is 500.00 over the plan of 2,000.00" in text
    assert "ahead of pace (165%)" in text
    assert "spent 1,000.00 of 5,000.00" not in text  # the program's line, not this node's


def test_bad_thresholds_are_refused_by_field_and_nothing_changes(workspace, admin):
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        set_alert_thresholds(
            workspace,
            {"overspend_tolerance": "-0.1", "underspend_below": "NaN", "pacing_tolerance": "0"},
        )
    assert set(refused.value.errors) == {
        "overspend_tolerance",
        "underspend_below",
        "pacing_tolerance",
    }
    with pytest.raises(ValidationFailed) as refused:
        set_alert_thresholds(
            workspace,
            {"overspend_tolerance": "0.12345", "underspend_below": "0.5", "pacing_tolerance": ""},
        )
    assert set(refused.value.errors) == {"overspend_tolerance", "pacing_tolerance"}
    rules = planning_settings(workspace)
    assert (rules.overspend_tolerance, rules.underspend_below) == (Decimal(0), Decimal("0.9"))
    assert AuditEntry.objects.count() == before
    client = Client()
    client.login(username="ada", password=PASSWORD)
    client.post(
        "/budgets/alerts/",
        {"overspend_tolerance": "0.1", "underspend_below": "0.8", "pacing_tolerance": "0.25"},
    )
    rules = planning_settings(workspace)
    names = ("overspend_tolerance", "underspend_below", "pacing_tolerance")
    assert [getattr(rules, n) for n in names] == [Decimal("0.1"), Decimal("0.8"), Decimal("0.25")]
