"""SMS deliverability warnings over the last day: the failure rate over 5 % (from 20 texts
on), an opt-out spike (STOPs over 1 % of the texts sent and more than twice the rate of
the 7 days before), and the carrier error codes that mean blocked as spam (30007) or
unreachable (30003, 30005, 30006) by name; shown on the SMS pages and the settings."""

from datetime import timedelta
from decimal import Decimal

import pytest

from pacer.messaging import sms_health
from pacer.messaging.models import InboundSms, SmsMessage

pytestmark = pytest.mark.django_db


def texts(workspace, at, n, *, failed=(), start=0):
    """``n`` texts taken by the provider at ``at``; ``failed`` the error codes of those
    then reported undelivered (the first ones)."""
    rows = []
    for i in range(n):
        code = failed[i] if i < len(failed) else None
        rows.append(
            SmsMessage(
                workspace=workspace,
                key=f"t{start + i}",
                to_number=f"+1555{start + i:07d}",
                text="Hi",
                status="failed" if code is not None else "sent",
                delivery="undelivered" if code is not None else "delivered",
                error_code=code or "",
                created_at=at,
                sent_at=at,
            )
        )
    SmsMessage.objects.bulk_create(rows)


def stops(workspace, at, n, start=0):
    InboundSms.objects.bulk_create(
        InboundSms(
            workspace=workspace,
            provider_id=f"in{start + i}",
            from_number=f"+1555{start + i:07d}",
            to_number="+15005550006",
            body="STOP",
            keyword="stop",
            outcome="stopped",
            received_at=at,
        )
        for i in range(n)
    )


def test_nothing_sent_raises_nothing(workspace, now):
    assert sms_health.deliverability(workspace) == {
        "taken": 0,
        "not_delivered": 0,
        "failure_rate": None,
        "stops": 0,
        "opt_out_rate": None,
        "baseline_opt_out_rate": None,
        "error_codes": {},
        "thresholds": {
            "sms_failure_percent": Decimal("5.00"),
            "sms_min_texts": 20,
            "sms_opt_out_percent": Decimal("1.00"),
            "sms_spike_factor": Decimal("2.00"),
            "sms_baseline_days": 7,
        },
        "warnings": [],
    }


def test_failures_opt_out_spike_and_carrier_codes_are_named(workspace, now):
    hour_ago, days_ago = now["at"] - timedelta(hours=1), now["at"] - timedelta(days=3)
    texts(workspace, hour_ago, 40, failed=["30007", "30007", "30003"])
    texts(workspace, days_ago, 100, failed=["30005"], start=100)  # before the last day
    stops(workspace, hour_ago, 1)
    stops(workspace, days_ago, 1, start=100)
    found = sms_health.deliverability(workspace)
    assert {k: v for k, v in found.items() if k not in ("warnings", "thresholds")} == {
        "taken": 40,
        "not_delivered": 3,
        "failure_rate": 3 / 40,
        "stops": 1,
        "opt_out_rate": 1 / 40,
        "baseline_opt_out_rate": 1 / 100,
        "error_codes": {"30007": 2, "30003": 1},
    }
    assert found["warnings"] == [
        "7.5% of the 40 texts sent in the last day were not delivered (over 5%): look at the "
        "error codes below and the numbers texted",
        "Opt-outs spiked: 1 STOP in the last day, 2.5% of the texts sent (the 7 days before: "
        "1.0%); check who is texted and how often",
        "1 text in the last day failed with error 30003 (unreachable destination handset): "
        "these numbers cannot be reached; remove them from the audience",
        "2 texts in the last day failed with error 30007 (blocked as spam by the carrier): "
        "carriers filter this sender; register the number (10DLC) or change the wording",
    ]


def test_below_the_thresholds_only_the_codes_are_named(workspace, now):
    hour_ago, days_ago = now["at"] - timedelta(hours=1), now["at"] - timedelta(days=2)
    texts(workspace, hour_ago, 19, failed=["30006", "21211", "21211"])  # too few for a rate
    texts(workspace, hour_ago - timedelta(days=1, minutes=1), 5, failed=["30007"], start=50)
    texts(workspace, days_ago, 100, start=100)
    stops(workspace, hour_ago, 1)  # 5.3% of 19; the week before 2.9%: no spike
    stops(workspace, days_ago, 3, start=100)
    found = sms_health.deliverability(workspace)
    assert (found["taken"], found["not_delivered"], found["error_codes"]) == (19, 3, {"30006": 1})
    assert found["warnings"] == [
        "1 text in the last day failed with error 30006 (landline or unreachable carrier): "
        "these numbers cannot be reached; remove them from the audience"
    ]


@pytest.mark.parametrize("url", ["/messages/sms/", "/messages/settings/"])
def test_the_warnings_are_shown_on_the_sms_pages(client, admin, workspace, now, url):
    texts(workspace, now["at"] - timedelta(hours=1), 2, failed=["30007"])
    client.force_login(admin)
    page = client.get(url).content.decode()
    section = page[page.index('id="sms-deliverability"') :]
    assert (
        "1 text in the last day failed with error 30007 (blocked as spam by the carrier)" in section
    )
