"""What experiments' actions promise beyond assignment's access rule (test_access.py):
the audit of a status change, the bounds of a unit id, and the salt's part in the
variant. Written to kill the mutants that survived ``make mutation`` of
pacer/experiments/actions.py (docs/testing.md)."""

from datetime import UTC, datetime

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.experiments import actions
from pacer.experiments.models import Experiment, Exposure

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 1, tzinfo=UTC)
VARIANTS = [{"key": "a", "weight": 1}, {"key": "b", "weight": 1}]


def running(workspace, key="hero"):
    experiment = actions.create_experiment(
        workspace, key=key, name="Hero", variants=VARIANTS, metric="revenue"
    )
    return actions.set_status(experiment, "running", now=START)


def test_starting_and_stopping_are_audited_with_the_status_before_and_after(workspace, admin):
    experiment = actions.create_experiment(
        workspace, key="hero", name="Hero", variants=VARIANTS, metric="revenue"
    )
    actions.set_status(experiment, "running", now=START, actor=admin)
    actions.set_status(experiment, "stopped", now=START, actor=admin)

    entries = AuditEntry.objects.filter(action__startswith="experiment.s").order_by("id")
    assert [(e.action, e.actor, e.before, e.after) for e in entries] == [
        ("experiment.start", admin, {"status": "draft"}, {"status": "running"}),
        ("experiment.stop", admin, {"status": "running"}, {"status": "stopped"}),
    ]


def test_a_unit_id_has_1_to_200_characters_once_trimmed(workspace):
    experiment = running(workspace)
    variant, new = actions.assign_unit(experiment, " " + "u" * 200 + " ", now=START)
    assert new and variant in ("a", "b")

    for unit_id in ("u" * 201, "   ", ""):
        with pytest.raises(ValidationFailed) as error:
            actions.assign_unit(experiment, unit_id, now=START)
        assert error.value.errors == {"unit_id": "must be 1-200 characters"}
    assert list(Exposure.objects.values_list("unit_id", flat=True)) == ["u" * 200]


def test_the_same_experiment_key_in_two_workspaces_splits_units_differently(workspace):
    # each experiment draws its own salt: a unit's variant is not the same everywhere
    # an experiment of that key runs (with one salt for all, 100 units would agree;
    # with two random salts they all agree with probability 2**-100)
    other = core_actions.create_workspace("Other", slug="other")
    here, there = running(workspace), running(other)
    units = [f"u-{i}" for i in range(100)]
    mine = [actions.assign_unit(here, u, now=START)[0] for u in units]
    theirs = [actions.assign_unit(there, u, now=START)[0] for u in units]
    assert mine != theirs
    assert [actions.assign_unit(here, u, now=START)[0] for u in units] == mine  # stable


# --- the design's checks and what a created experiment holds ---------------------------

KEY_RULE = "use 1-100 lowercase letters, digits, '-' or '_', starting with one"
VARIANT_RULE = "each key: 1-60 letters, digits, space, '.', '_' or '-'"
WEIGHT_RULE = "each weight must be a number above 0"
DESIGN = dict(key="ok", name="Ok", variants=VARIANTS, metric="conversion", goal_event="Signed Up")


def refusal(workspace, **change) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        actions.create_experiment(workspace, **{**DESIGN, **change})
    return refused.value.errors


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"key": "Bad"}, {"key": KEY_RULE}),
        ({"key": "-ok"}, {"key": KEY_RULE}),
        ({"key": "k" * 101}, {"key": KEY_RULE}),
        ({"name": " \t"}, {"name": "must not be empty"}),
        ({"name": "n" * 201}, {"name": "must be at most 200 characters"}),
        ({"variants": VARIANTS[:1]}, {"variants": "need a control and at least one variation"}),
        ({"variants": "a, b"}, {"variants": "need a control and at least one variation"}),
        ({"variants": ["a", "b"]}, {"variants": VARIANT_RULE}),
        ({"variants": [{"key": "a"}, {"key": " b", "weight": 1}]}, {"variants": VARIANT_RULE}),
        ({"variants": [{"key": "a"}, {"key": "b" * 61, "weight": 1}]}, {"variants": VARIANT_RULE}),
        ({"variants": [{"key": "a", "weight": 1}] * 2}, {"variants": "keys must be different"}),
        ({"variants": [{"key": "a"}, {"key": "b", "weight": 1}]}, {"variants": WEIGHT_RULE}),
        ({"variants": [{"key": "a", "weight": True}, VARIANTS[1]]}, {"variants": WEIGHT_RULE}),
        ({"variants": [{"key": "a", "weight": 0}, VARIANTS[1]]}, {"variants": WEIGHT_RULE}),
        ({"variants": [{"key": "a", "weight": -1}, VARIANTS[1]]}, {"variants": WEIGHT_RULE}),
        ({"variants": [{"key": "a", "weight": "1"}, VARIANTS[1]]}, {"variants": WEIGHT_RULE}),
        (
            {"variants": [{"key": "a", "weight": float("inf")}, VARIANTS[1]]},
            {"variants": WEIGHT_RULE},
        ),
        ({"metric": "clicks"}, {"metric": "must be one of conversion, revenue"}),
        ({"goal_event": " "}, {"goal_event": "name the track event that counts as a conversion"}),
        (
            {"key": "", "name": "", "variants": [], "metric": ""},
            {
                "key": KEY_RULE,
                "name": "must not be empty",
                "variants": "need a control and at least one variation",
                "metric": "must be one of conversion, revenue",
            },
        ),
    ],
)
def test_a_bad_design_is_refused_with_each_fields_reason_and_nothing_written(
    workspace, change, errors
):
    assert refusal(workspace, **change) == errors
    assert not Experiment.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="experiment.").exists()


def test_a_key_already_used_in_the_workspace_is_refused_by_name(workspace):
    actions.create_experiment(workspace, **DESIGN)
    assert refusal(workspace, name="Again") == {
        "key": "'ok' is already an experiment in this workspace"
    }
    assert Experiment.objects.count() == 1


def test_a_design_at_every_bound_is_accepted_as_given(workspace, admin):
    variants = [
        {"key": "Control 1.a_b-c", "weight": 0.5, "note": "dropped"},
        {"key": "v" * 60, "weight": 3},
    ]
    experiment = actions.create_experiment(
        workspace,
        key=" 0" + "k" * 99 + " ",
        name=" " + "n" * 200 + " ",
        variants=variants,
        metric="revenue",
        goal_event=" " + "g" * 250,
        hypothesis="  cheaper shipping sells more \n",
        actor=admin,
    )
    experiment.refresh_from_db()
    assert experiment.key == "0" + "k" * 99
    assert experiment.name == "n" * 200
    assert experiment.hypothesis == "cheaper shipping sells more"
    assert experiment.variants == [
        {"key": "Control 1.a_b-c", "weight": 0.5},
        {"key": "v" * 60, "weight": 3.0},
    ]
    assert [type(v["weight"]) for v in experiment.variants] == [float, float]
    assert experiment.goal_event == "g" * 200
    assert (experiment.status, experiment.started_at, experiment.stopped_at) == (
        "draft",
        None,
        None,
    )
    assert len(experiment.salt) == 16 and int(experiment.salt, 16) >= 0
    entry = AuditEntry.objects.get(action__startswith="experiment.")
    assert (entry.action, entry.actor, entry.object_id) == (
        "experiment.create",
        admin,
        str(experiment.pk),
    )
    assert entry.after["key"] == experiment.key and entry.after["salt"] == experiment.salt
    assert entry.after["variants"] == experiment.variants and entry.before is None


def test_a_revenue_experiment_needs_no_goal_and_a_conversion_one_counts_orders_by_default(
    workspace,
):
    revenue = actions.create_experiment(
        workspace, key="rev", name="Rev", variants=VARIANTS, metric="revenue", goal_event=""
    )
    conversion = actions.create_experiment(
        workspace, key="conv", name="Conv", variants=VARIANTS, metric="conversion"
    )
    assert (revenue.goal_event, conversion.goal_event) == ("", "Order Completed")
    revenue.refresh_from_db()
    assert revenue.hypothesis == ""  # none given, none made up


@pytest.mark.parametrize(
    ("status", "move", "reason"),
    [
        ("draft", "stopped", "a draft experiment cannot become stopped"),
        ("draft", "draft", "a draft experiment cannot become draft"),
        ("running", "draft", "a running experiment cannot become draft"),
        ("stopped", "stopped", "a stopped experiment cannot become stopped"),
    ],
)
def test_a_status_move_other_than_start_or_stop_is_refused_and_changes_nothing(
    workspace, status, move, reason
):
    experiment = actions.create_experiment(workspace, **DESIGN)
    if status != "draft":
        actions.set_status(experiment, "running", now=START)
    if status == "stopped":
        actions.set_status(experiment, "stopped", now=START)
    audited = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        actions.set_status(experiment, move, now=START.replace(day=9))
    assert refused.value.errors == {"status": reason}
    experiment.refresh_from_db()
    assert experiment.status == status and AuditEntry.objects.count() == audited
    assert experiment.started_at == (None if status == "draft" else START)
    assert experiment.stopped_at == (START if status == "stopped" else None)


def test_stopping_keeps_the_start_time_and_starting_sets_no_stop_time(workspace):
    experiment = actions.create_experiment(workspace, **DESIGN)
    started = actions.set_status(experiment, "running", now=START)
    assert (started.started_at, started.stopped_at) == (START, None)
    stopped = actions.set_status(started, "stopped", now=START.replace(day=8))
    stopped.refresh_from_db()
    assert (stopped.status, stopped.started_at, stopped.stopped_at) == (
        "stopped",
        START,
        START.replace(day=8),
    )


@pytest.mark.parametrize(
    ("text", "variants"),
    [
        ("a : 2 , b", [{"key": "a", "weight": 2.0}, {"key": "b", "weight": 1.0}]),
        ("a,, ,b:0.5,", [{"key": "a", "weight": 1.0}, {"key": "b", "weight": 0.5}]),
        ("", []),
    ],
)
def test_variants_text_is_split_on_commas_and_colons_and_trimmed(text, variants):
    assert actions.parse_variants(text) == variants


@pytest.mark.parametrize(
    ("text", "weight"), [("a: x , b", "x"), ("a:1:2, b", "1:2"), ("a:, b:two", "two")]
)
def test_a_weight_that_is_not_a_number_is_named_in_the_refusal(text, weight):
    with pytest.raises(ValidationFailed) as refused:
        actions.parse_variants(text)
    assert refused.value.errors == {"variants": f"'{weight}' is not a number (write key:weight)"}


def test_a_stopped_experiment_assigns_nothing_and_says_so(workspace):
    experiment = running(workspace)
    actions.set_status(experiment, "stopped", now=START)
    experiment.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        actions.assign_unit(experiment, "u-1", now=START)
    assert refused.value.errors == {"experiment": "'hero' is stopped, not running"}
    assert not Exposure.objects.exists()
