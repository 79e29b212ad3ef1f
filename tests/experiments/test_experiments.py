"""Experiments on the platform: design, assignment with exposure logging, results."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from pacer.analytics.experiments import ArmStats, assign, cuped, welch
from pacer.cli import main
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.experiments import actions
from pacer.experiments.models import Experiment, Exposure
from pacer.experiments.selectors import report

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 1, tzinfo=UTC)


def make(workspace, key="checkout", metric="conversion", goal="Signed Up", variants=None):
    experiment = actions.create_experiment(
        workspace,
        key=key,
        name="New checkout",
        variants=variants or [{"key": "control", "weight": 1}, {"key": "treatment", "weight": 1}],
        metric=metric,
        goal_event=goal,
    )
    return actions.set_status(experiment, "running", now=START)


def at(hours: float) -> str:
    return (START + timedelta(hours=hours)).isoformat()


def viewed(unit: str, variation: str, hours: float) -> dict:
    return {
        "type": "track",
        "messageId": f"view-{unit}-{variation}-{hours}",
        "userId": unit,
        "event": "Experiment Viewed",
        "properties": {"experiment_id": "checkout", "variation_id": variation},
        "timestamp": at(hours),
    }


def signed_up(unit: str, hours: float) -> dict:
    return {
        "type": "track",
        "messageId": f"goal-{unit}-{hours}",
        "userId": unit,
        "event": "Signed Up",
        "timestamp": at(hours),
    }


def test_bad_designs_are_refused_by_field_and_nothing_is_written(workspace):
    cases = [
        (dict(key="Bad Key!"), "key"),
        (dict(variants=[{"key": "control", "weight": 1}]), "variants"),
        (dict(variants=[{"key": "a", "weight": 1}, {"key": "a", "weight": 1}]), "variants"),
        (dict(variants=[{"key": "a", "weight": 1}, {"key": "b", "weight": 0}]), "variants"),
        (dict(metric="clicks"), "metric"),
        (dict(goal_event=" "), "goal_event"),
    ]
    base = dict(
        key="ok",
        name="n",
        variants=[{"key": "a", "weight": 1}, {"key": "b", "weight": 1}],
        metric="conversion",
        goal_event="Signed Up",
    )
    for change, field in cases:
        with pytest.raises(ValidationFailed) as raised:
            actions.create_experiment(workspace, **{**base, **change})
        assert field in raised.value.errors
    assert not Experiment.objects.exists()
    assert not AuditEntry.objects.filter(action="experiment.create").exists()
    actions.create_experiment(workspace, **base)
    with pytest.raises(ValidationFailed, match="key: 'ok' is already an experiment"):
        actions.create_experiment(workspace, **base)


def test_variants_text_parses_weights_and_names_bad_ones():
    assert actions.parse_variants("control:60, new:40") == [
        {"key": "control", "weight": 60.0},
        {"key": "new", "weight": 40.0},
    ]
    assert actions.parse_variants("a, b") == [
        {"key": "a", "weight": 1.0},
        {"key": "b", "weight": 1.0},
    ]
    with pytest.raises(ValidationFailed, match="variants: 'x' is not a number"):
        actions.parse_variants("a:x, b")


def test_status_moves_draft_running_stopped_only(workspace):
    experiment = make(workspace)
    assert experiment.status == "running" and experiment.started_at == START
    with pytest.raises(ValidationFailed, match="a running experiment cannot become running"):
        actions.set_status(experiment, "running", now=START)
    stopped = actions.set_status(experiment, "stopped", now=START + timedelta(days=7))
    assert stopped.stopped_at == START + timedelta(days=7)
    with pytest.raises(ValidationFailed, match="a stopped experiment cannot become running"):
        actions.set_status(stopped, "running", now=START)
    assert list(
        AuditEntry.objects.filter(action__startswith="experiment.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["experiment.create", "experiment.start", "experiment.stop"]


def test_assignment_is_deterministic_and_logs_one_exposure_per_unit(workspace):
    experiment = make(workspace)
    variant, new = actions.assign_unit(experiment, "user-7", now=START)
    assert new is True
    expected = assign("checkout", "user-7", [1.0, 1.0], salt=experiment.salt)
    assert variant == ["control", "treatment"][expected]
    assert actions.assign_unit(experiment, "user-7", now=START + timedelta(hours=1)) == (
        variant,
        False,
    )
    exposure = Exposure.objects.get()
    assert (exposure.unit_id, exposure.variant, exposure.exposed_at) == ("user-7", variant, START)


def test_assignment_follows_the_weights(workspace):
    experiment = make(
        workspace, variants=[{"key": "control", "weight": 3}, {"key": "treatment", "weight": 1}]
    )
    # A fixed salt makes the draw reproducible (a random one fails the SRM check 1% of runs)
    experiment.salt = "0123456789abcdef"
    experiment.save(update_fields=["salt"])
    for i in range(4000):
        actions.assign_unit(experiment, f"u{i}", now=START)
    counts = {v: Exposure.objects.filter(variant=v).count() for v in ("control", "treatment")}
    assert sum(counts.values()) == 4000
    assert 2850 < counts["control"] < 3150  # 3,000 expected; sd 27
    summary = report(experiment, now=START)
    assert summary.srm_p_value > 0.01 and summary.sample_ratio_mismatch is False
    assert summary.result is None and "variance" in summary.problem  # nobody converted yet


def test_draft_or_stopped_experiment_assigns_nothing(workspace):
    draft = actions.create_experiment(
        workspace,
        key="later",
        name="Later",
        variants=[{"key": "a", "weight": 1}, {"key": "b", "weight": 1}],
        metric="revenue",
    )
    with pytest.raises(ValidationFailed, match="experiment: 'later' is draft, not running"):
        actions.assign_unit(draft, "user-1", now=START)
    with pytest.raises(ValidationFailed, match="unit_id: must be 1-200 characters"):
        actions.assign_unit(make(workspace), " ", now=START)
    assert not Exposure.objects.exists()


def test_conversion_results_from_exposures_and_events(workspace, tracker):
    experiment = make(workspace)
    control = ["c1", "c2", "c3", "c4"]
    treatment = ["t1", "t2", "t3", "t4"]
    messages = [viewed(u, "control", 1) for u in control]
    messages += [viewed(u, "treatment", 1) for u in treatment]
    messages += [viewed("c1", "treatment", 5)]  # a later view does not move c1
    messages += [viewed("x1", "nonexistent", 1)]  # an unknown variation is ignored
    messages += [signed_up("c1", 2), signed_up("c1", 3)]  # counts once: conversion is 0/1
    messages += [signed_up("c2", -24)]  # before exposure: the CUPED covariate only
    messages += [signed_up(u, 10) for u in ("t1", "t2", "t3")]
    messages += [signed_up("t4", 24 * 40)]  # after the experiment stopped
    assert tracker.batch(messages).json()["accepted"] == len(messages)
    experiment = actions.set_status(experiment, "stopped", now=START + timedelta(days=30))

    result = report(experiment, now=timezone.now())
    assert result.counts == {"control": 4, "treatment": 4}
    assert result.means == {"control": 0.25, "treatment": 0.75}
    expected = welch(ArmStats.from_values([1, 0, 0, 0]), ArmStats.from_values([1, 1, 1, 0]))
    variation = result.result.variations[0]
    assert variation.comparison.absolute == pytest.approx(0.5)
    assert variation.comparison.p_value == pytest.approx(expected.p_value, rel=1e-12)
    # the covariate: c2 signed up 25 hours before its exposure, nobody else before theirs
    (control_mean, _), (treatment_mean, _) = cuped(
        [
            ArmStats.from_values([1, 0, 0, 0], x=[0, 1, 0, 0]),
            ArmStats.from_values([1, 1, 1, 0], x=[0, 0, 0, 0]),
        ]
    )
    assert [e.variation for e in result.cuped] == ["treatment"]
    assert result.cuped[0].absolute == pytest.approx(treatment_mean - control_mean, rel=1e-12)
    assert result.cuped[0].absolute != pytest.approx(0.5)  # the adjustment did something


def test_api_exposure_and_a_later_segment_view_of_the_same_person_count_once(workspace, tracker):
    experiment = make(workspace)
    variant, _ = actions.assign_unit(experiment, "u-1", now=START)
    tracker.batch([signed_up("u-1", -48)])  # the unit becomes a known contact
    tracker.batch([viewed("u-1", "control" if variant == "treatment" else "treatment", 3)])
    result = report(experiment, now=START + timedelta(days=1))
    assert sum(result.counts.values()) == 1 and result.counts[variant] == 1


def test_revenue_results_sum_orders_after_exposure(workspace, tracker):
    experiment = make(workspace, key="checkout", metric="revenue")

    def order(unit, hours, total):
        return {
            "type": "track",
            "messageId": f"order-{unit}-{hours}",
            "userId": unit,
            "event": "Order Completed",
            "properties": {"order_id": f"o-{unit}-{hours}", "total": total},
            "timestamp": at(hours),
        }

    tracker.batch(
        [viewed(u, "control", 0) for u in ("c1", "c2")]
        + [viewed(u, "treatment", 0) for u in ("t1", "t2")]
        + [order("c1", 1, 10), order("c1", 2, 5), order("c2", -5, 99)]
        + [order("t1", 1, 20), order("t2", 3, 30)]
    )
    result = report(experiment, now=START + timedelta(days=2))
    assert result.means == {"control": 7.5, "treatment": 25.0}
    assert result.result.variations[0].comparison.absolute == pytest.approx(17.5)


def test_too_few_units_gives_a_reason_instead_of_numbers(workspace, tracker):
    experiment = make(workspace)
    tracker.batch([viewed("c1", "control", 1)])
    result = report(experiment, now=START + timedelta(days=1))
    assert result.result is None and result.problem == "every variant needs 2 exposed units"
    assert result.counts == {"control": 1, "treatment": 0}


def test_pages_create_start_and_show_results_with_srm_warning(client, workspace, admin, tracker):
    client.force_login(admin)
    bad = client.post(
        "/experiments/", {"key": "", "name": "", "variants": "a", "metric": "conversion"}
    )
    assert bad.status_code == 422 and b"Key: use 1-100 lowercase" in bad.content
    assert not Experiment.objects.exists()
    response = client.post(
        "/experiments/",
        {
            "key": "checkout",
            "name": "New checkout",
            "variants": "control:50, treatment:50",
            "metric": "conversion",
            "goal_event": "Signed Up",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/experiments/checkout/"
    client.post("/experiments/checkout/status/", {"status": "running"})
    assert Experiment.objects.get().status == "running"
    # 40 control views against 10 treatment views under a planned 50/50 split
    tracker.batch(
        [viewed(f"c{i}", "control", 1) for i in range(40)]
        + [viewed(f"t{i}", "treatment", 1) for i in range(10)]
        + [signed_up(f"c{i}", 2) for i in range(8)]
        + [signed_up(f"t{i}", 2) for i in range(4)]
    )
    page = client.get("/experiments/checkout/").content.decode()
    assert 'id="srm-warning"' in page and 'id="chart-experiment"' in page
    assert "20.0%" in page and "40.0%" in page  # conversion rates 8/40 and 4/10
    # the lift signed, differences of rates in percentage points, never a bare 0.0000
    (row,) = re.findall(r"<tbody>\s*<tr><td>treatment</td>(.*?)</tr>", page, re.S)
    cells = re.findall(r'<td class="num">(.*?)</td>', row, re.S)
    assert cells[0] == "+100.0%" and re.fullmatch(r"[-+]?[\d.]+% to \+[\d.]+%", cells[1])
    assert re.fullmatch(r"(< 0\.0001|0\.\d{4})", cells[2]) and cells[4].endswith(" pp")
    assert re.fullmatch(r"[-+][\d.]+ pp to \+[\d.]+ pp", cells[5]), cells
    assert "checkout" in client.get("/experiments/").content.decode()


def test_cli_reports_an_experiment_by_key(workspace, tracker, capsys):
    make(workspace)
    tracker.batch(
        [viewed(u, "control", 1) for u in ("c1", "c2")]
        + [viewed(u, "treatment", 1) for u in ("t1", "t2")]
        + [signed_up("c1", 2), signed_up("t1", 2), signed_up("t2", 2)]
    )
    assert main(["analyze", "experiment", "--workspace", "acme", "--key", "checkout"]) == 0
    out = capsys.readouterr().out
    assert "control 2 units, mean 0.5000, treatment 2 units, mean 1.0000" in out
    assert "SRM p-value 1.00000" in out and "│ control │ treatment │" in out
    key_args = ["analyze", "experiment", "--workspace", "acme", "--key", "checkout"]
    assert main([*key_args, "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["name"], row["relative"]) == ("treatment", 1.0)
    assert main(["analyze", "experiment", "--workspace", "acme", "--key", "nope"]) == 2
    assert "--key: no experiment 'nope' in workspace 'acme'" in capsys.readouterr().err
