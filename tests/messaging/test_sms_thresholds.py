"""The SMS deliverability warnings over the REST API (figures, thresholds and warnings,
behind the gate) and their thresholds, set by an admin only, on the sending-rules page
and over the API: a value out of range is refused naming the field and the reason, and
nothing changes; the warnings follow the thresholds set."""

from datetime import timedelta
from decimal import Decimal

import pytest

from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from pacer.messaging import rules, sms_health
from pacer.messaging.models import MessagingSettings
from tests.messaging.test_api import bearer
from tests.messaging.test_sms_health import stops, texts

pytestmark = pytest.mark.django_db

URL = "/api/messaging/sms/deliverability"
DEFAULTS = {
    "sms_failure_percent": "5.00",
    "sms_min_texts": 20,
    "sms_opt_out_percent": "1.00",
    "sms_spike_factor": "2.00",
    "sms_baseline_days": 7,
}
LOWER = {
    "sms_failure_percent": "2.5",
    "sms_min_texts": 10,
    "sms_opt_out_percent": "0.5",
    "sms_spike_factor": "1.5",
    "sms_baseline_days": 3,
}


def test_the_api_gives_the_figures_thresholds_and_warnings_behind_the_gate(client, workspace, now):
    hour_ago = now["at"] - timedelta(hours=1)
    texts(workspace, hour_ago, 19, failed=["30007"])  # 5.3 % undelivered, too few to warn
    stops(workspace, hour_ago, 1)  # 5.3 % opted out, none before: a spike
    answer = client.get(URL, **bearer(workspace, "marketer"))
    assert answer.status_code == 200
    assert answer.json() == {
        "taken": 19,
        "not_delivered": 1,
        "failure_rate": 1 / 19,
        "stops": 1,
        "opt_out_rate": 1 / 19,
        "baseline_opt_out_rate": None,
        "error_codes": [{"code": "30007", "name": "blocked as spam by the carrier", "texts": 1}],
        "thresholds": DEFAULTS,
        "warnings": [
            "Opt-outs spiked: 1 STOP in the last day, 5.3% of the texts sent (the 7 days "
            "before: none); check who is texted and how often",
            "1 text in the last day failed with error 30007 (blocked as spam by the carrier): "
            "carriers filter this sender; register the number (10DLC) or change the wording",
        ],
    }
    assert client.get(URL, **bearer(workspace, "staff")).status_code == 403
    assert client.get(URL).status_code == 401


def test_only_an_admin_sets_the_thresholds_and_the_warnings_follow_them(client, workspace, now):
    texts(workspace, now["at"] - timedelta(hours=1), 19, failed=["30007"])
    put = f"{URL}/thresholds"
    marketer = client.put(
        put, LOWER, content_type="application/json", **bearer(workspace, "marketer")
    )
    assert marketer.status_code == 403
    assert not MessagingSettings.objects.exists()

    admin = bearer(workspace, "admin")
    answer = client.put(put, LOWER, content_type="application/json", **admin)
    assert answer.status_code == 200, answer.content
    assert answer.json()["thresholds"] == {
        "sms_failure_percent": "2.50",
        "sms_min_texts": 10,
        "sms_opt_out_percent": "0.50",
        "sms_spike_factor": "1.50",
        "sms_baseline_days": 3,
    }
    # 19 texts now reach the minimum, and 5.3 % is over 2.5 %
    assert answer.json()["warnings"][0] == (
        "5.3% of the 19 texts sent in the last day were not delivered (over 2.5%): look at "
        "the error codes below and the numbers texted"
    )
    for bad, field in [
        ({"sms_failure_percent": "0"}, "sms_failure_percent"),
        ({"sms_failure_percent": "100.01"}, "sms_failure_percent"),
        ({"sms_failure_percent": "1.234"}, "sms_failure_percent"),
        ({"sms_min_texts": 0}, "sms_min_texts"),
        ({"sms_spike_factor": "0.5"}, "sms_spike_factor"),
        ({"sms_baseline_days": 91}, "sms_baseline_days"),
        ({"sms_opt_out_percent": "NaN"}, "sms_opt_out_percent"),
    ]:
        refused = client.put(put, {**LOWER, **bad}, content_type="application/json", **admin)
        assert refused.status_code == 422, bad
        assert field in refused.content.decode(), bad
    assert sms_health.thresholds_of(workspace)["sms_failure_percent"] == Decimal("2.50")


def test_the_action_names_each_bad_field_with_its_reason_and_saves_nothing(workspace):
    with pytest.raises(ValidationFailed) as refused:
        rules.save_sms_thresholds(
            workspace,
            sms_failure_percent="five",
            sms_min_texts="-1",
            sms_opt_out_percent="0.001",
            sms_spike_factor=True,
            sms_baseline_days="x" * 30,
        )
    assert refused.value.errors == {
        "sms_failure_percent": "must be a number",
        "sms_min_texts": "must be a whole number from 1 to 1000000",
        "sms_opt_out_percent": "must be from 0.01 to 100 with at most two decimals",
        "sms_spike_factor": "must be a number",
        "sms_baseline_days": "must be a whole number from 1 to 90",
    }
    assert not MessagingSettings.objects.exists()


def test_the_settings_page_lets_an_admin_set_them_and_shows_a_marketer_what_they_are(
    client, workspace, admin, now
):
    client.force_login(admin)
    page = client.get("/messages/settings/").content.decode()
    assert 'id="sms-thresholds-form"' in page and 'value="5.00"' in page
    bad = client.post(
        "/messages/settings/",
        {"form": "sms-thresholds", **LOWER, "sms_failure_percent": "200"},
    )
    assert bad.status_code == 422
    assert "must be from 0.01 to 100 with at most two decimals" in bad.content.decode()
    assert not MessagingSettings.objects.exists()
    saved = client.post("/messages/settings/", {"form": "sms-thresholds", **LOWER})
    assert saved.status_code == 302 and saved["Location"].endswith("#sms-thresholds")
    assert sms_health.thresholds_of(workspace)["sms_min_texts"] == 10

    marketer = core.create_user(workspace, "mia", "correct-horse-1", "marketer")
    client.force_login(marketer)
    page = client.get("/messages/settings/").content.decode()
    assert 'id="sms-thresholds-form"' not in page
    assert "Warned when over 2.50% of the day" in page
    refused = client.post("/messages/settings/", {"form": "sms-thresholds", **DEFAULTS})
    assert refused.status_code == 403
    assert sms_health.thresholds_of(workspace)["sms_min_texts"] == 10
