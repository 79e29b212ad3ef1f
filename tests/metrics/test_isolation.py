"""Workspaces never mix: in the shared warehouse tables (and the operational database),
each workspace's KPIs, attribution, CLV and experiment results are exactly what its data
gives alone.

Both workspaces hold a simulated business of the same seed (so the same message ids, user
ids, emails, order ids, campaign keys, location codes and experiment key) but of different
sizes, hence different people and behaviour; merges on top; and the same hand-built merged
business (tests/merged_business.py), identical in both; and Pacer-assigned exposures to
the experiment by anonymous ids both workspaces know. The warehouse is synced between the
phases of each, so it holds rows under merged-away contacts too.

"Alone": workspace A's warehouse is synced before B exists. B's is the shared warehouse's
rows of B copied into a fresh store (the sync copies rows as they are; the queries are
under test), and B's experiment is analysed again after A is deleted.
"""

import math
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pyarrow.compute as pc
import pytest

from pacer.core import actions
from pacer.core.models import Workspace
from pacer.experiments import selectors as experiments
from pacer.experiments.actions import assign_unit
from pacer.metrics.analysis import attribution_report, clv_holdout_report, clv_report
from pacer.metrics.cube import CUBE_TABLE, SOURCES, refresh_cube
from pacer.metrics.selectors import KpiFilter, kpi_report
from pacer.metrics.summaries import customer_summary
from pacer.simulate.business import EXPERIMENT_KEY, generate
from pacer.simulate.config import SimConfig
from pacer.simulate.segment import anonymous_id
from pacer.warehouse.store import Store
from pacer.warehouse.sync import sync
from pacer.warehouse.tables import registered
from tests.merged_business import hand_merged_business, simulated_with_merges

pytestmark = pytest.mark.django_db

CONFIGS = {"a": SimConfig(contacts=600, locations=3), "b": SimConfig(contacts=520, locations=3)}
START = date.fromisoformat(SimConfig().start)
END = START + timedelta(weeks=SimConfig().weeks)
NOW = datetime.combine(END, datetime.min.time(), tzinfo=UTC)  # when experiments are read


def build(workspace: Workspace, stores: list[Store]) -> None:
    def between():
        for store in stores:
            sync(store)

    business = generate(CONFIGS[workspace.slug])
    assert simulated_with_merges(workspace, business, between, pairs=8) == 8
    hand_merged_business(workspace, between)
    # Pacer's own assignments too, by anonymous ids that both workspaces know
    experiment = experiments.experiment(workspace, EXPERIMENT_KEY)
    opened = datetime.fromisoformat(business.truth["experiment"]["starts_at"])
    for contact in range(0, 200, 5):
        assign_unit(experiment, anonymous_id(business, contact), now=opened)
    for store in stores:
        sync(store, after_sync=refresh_cube)


def copy_of(source: Store, target: Store, workspace: Workspace) -> Store:
    """A fresh store with only the workspace's rows of ``source``."""
    for spec in registered().values():
        if not source.exists(spec.name):  # a table the sync had no rows for yet
            continue
        table = source.arrow(spec.name)
        target.replace(spec.name, table.filter(pc.equal(table["workspace_id"], workspace.pk)))
    refresh_cube(target)
    return target


def results(store: Store, workspace: Workspace) -> dict:
    """Everything measured for the workspace, in comparable form."""
    cube = store.arrow(CUBE_TABLE)
    cube = cube.filter(pc.equal(cube["workspace_id"], workspace.pk))
    location = workspace.location_set.order_by("pk").first().pk
    kpis = {
        str(f): asdict(kpi_report(store, workspace.pk, f))
        for f in (
            KpiFilter(),
            KpiFilter(grain="week"),
            KpiFilter(channel="paid_search", start=date(2025, 6, 1)),
            KpiFilter(location_id=location),
            KpiFilter(campaign="brand"),
        )
    }
    con = store.duckdb(list(SOURCES), SOURCES)
    tables = {name: con.table(name) for name in SOURCES}
    clv = clv_report(store, workspace.pk, END)
    holdout = clv_holdout_report(store, workspace.pk, END, holdout_weeks=13)
    return {
        "cube": sorted(tuple(row.values()) for row in cube.to_pylist()),
        "kpis": kpis,
        "attribution by channel": attribution_report(store, workspace.pk, START, END).to_dicts(),
        "attribution by campaign": attribution_report(
            store, workspace.pk, START, END, by="campaign"
        ).to_dicts(),
        "clv summary": con.to_polars(customer_summary(tables, workspace.pk, NOW))
        .sort("customer")
        .to_dicts(),
        "clv fit": (asdict(clv.purchases), asdict(clv.spend), clv.customers.to_dicts()),
        "clv holdout": (asdict(holdout.purchases), holdout.table.to_dicts()),
    }


# Fitted models: inputs equal to the last bits move the optimum within its tolerance.
FITTED = ("/clv fit", "/clv holdout")


def assert_same(found, expected, path: str = "") -> None:
    """Equal; floats to 1e-9 relative (sums of the same numbers in another order), or to
    1e-6 under a fitted model (a leak moves these by far more)."""
    if isinstance(expected, dict):
        assert list(found) == list(expected), path
        for key in expected:
            assert_same(found[key], expected[key], f"{path}/{key}")
    elif isinstance(expected, list | tuple):
        assert len(found) == len(expected), path
        for index, (x, y) in enumerate(zip(found, expected, strict=True)):
            assert_same(x, y, f"{path}[{index}]")
    elif isinstance(expected, float) and isinstance(found, float):
        tolerance = 1e-6 if path.startswith(FITTED) else 1e-9
        assert math.isclose(found, expected, rel_tol=tolerance, abs_tol=tolerance), (
            path,
            found,
            expected,
        )
    else:
        assert found == expected, (path, found, expected)


def experiment_results(workspace: Workspace) -> dict:
    experiment = experiments.experiment(workspace, EXPERIMENT_KEY)
    return asdict(experiments.report(experiment, now=NOW))


@pytest.mark.slow
def test_each_workspace_measures_what_it_measures_alone(tmp_path):
    a = actions.create_workspace("A", slug="a")
    alone_a, shared = Store(tmp_path / "alone-a"), Store(tmp_path / "shared")
    build(a, [alone_a, shared])
    expected_a, expected_a_experiment = results(alone_a, a), experiment_results(a)

    b = actions.create_workspace("B", slug="b")
    build(b, [shared])
    assert_same(results(shared, a), expected_a)
    assert_same(experiment_results(a), expected_a_experiment)

    expected_b = results(copy_of(shared, Store(tmp_path / "alone-b"), b), b)
    assert_same(results(shared, b), expected_b)
    b_experiment = experiment_results(b)
    a.delete()
    assert_same(experiment_results(b), b_experiment)

    # the premise: the two workspaces share identifiers but not their numbers
    assert expected_a["kpis"] != expected_b["kpis"]
    assert b_experiment["counts"] != expected_a_experiment["counts"]
