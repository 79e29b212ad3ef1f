"""Measurement in the platform: warehouse summaries in, ``pacer.analytics`` models out.

The warehouse (Ibis on DuckDB) reduces events and orders to journeys and per-customer
summaries; the models run in Python on those; CLV predictions are written back to the
contacts.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import numpy as np
import polars as pl
from django.db import transaction

from pacer.analytics.attribution import compare
from pacer.analytics.clv import BGNBD, CLVError, GammaGamma, discounted_clv, holdout_comparison
from pacer.analytics.journeys import JourneyError, Journeys
from pacer.analytics.rfm import rfm
from pacer.core import audit
from pacer.core.models import Workspace
from pacer.metrics.cube import SOURCES as CUBE_SOURCES
from pacer.metrics.refits import read_result, result_path, write_result
from pacer.metrics.summaries import customer_summary, journey_tables
from pacer.people.actions import record_predictions, record_rfm
from pacer.warehouse.store import Store
from pacer.warehouse.tables import schemas

WEEKS_90_DAYS = 90 / 7
NO_CAMPAIGN = " (no campaign)"
# what measurement reads: the cube's sources and the broadcasts' clicks (touchpoints)
SOURCES = {**CUBE_SOURCES, **schemas("message_clicks")}


def _instant(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _tables(store: Store):
    con = store.duckdb(list(SOURCES), SOURCES)
    return con, {name: con.table(name) for name in SOURCES}


def _campaign_label(channel: pl.Expr, campaign: pl.Expr) -> pl.Expr:
    """A touch or spend row's campaign; without one, its channel marked as such."""
    return pl.when(campaign != "").then(campaign).otherwise(channel + NO_CAMPAIGN)


def attribution_report(
    store: Store, workspace_id: int, start: date, end: date, *, by: str = "channel"
) -> pl.DataFrame:
    """Every attribution model side by side per channel (or per campaign, ``by``), for
    people first seen between ``start`` and ``end`` (inclusive), with the spend booked in
    that period and ROMI. The grouping column keeps the name ``channel``."""
    if end < start:
        raise JourneyError("end: must not be before start")
    if by not in ("channel", "campaign"):
        raise JourneyError("by: must be 'channel' or 'campaign'")
    snapshot = tuple(store.snapshot_key(name) for name in SOURCES)
    return _attribution(str(store.root), snapshot, workspace_id, start, end, by)


@lru_cache(maxsize=64)
def _attribution(
    root: str, snapshot: tuple, workspace_id: int, start: date, end: date, by: str
) -> pl.DataFrame:
    """``attribution_report``'s work, kept per snapshot of the source tables (in this
    process and on disk, ``pacer.metrics.refits``): the models are refitted only after a
    sync brought new data (or for a new range)."""
    path = result_path(root, snapshot, workspace_id, start, end, by)
    kept = read_result(path)
    if kept is not None:
        return kept
    result = _fit_attribution(Store(root), workspace_id, start, end, by)
    write_result(path, result)
    return result


def _fit_attribution(
    store: Store, workspace_id: int, start: date, end: date, by: str
) -> pl.DataFrame:
    con, tables = _tables(store)
    upper = _instant(end + timedelta(days=1))
    touches, outcomes = journey_tables(tables, workspace_id, _instant(start), upper)
    touches, outcomes = con.to_polars(touches), con.to_polars(outcomes)
    if touches.height == 0:
        raise JourneyError("journeys: nobody with tracked visits was first seen in this period")
    if by == "campaign":
        touches = touches.with_columns(
            channel=_campaign_label(pl.col("channel"), pl.col("campaign"))
        )
    milestones = ("lead", "opportunity")
    touches = touches.join(
        outcomes.select("journey_id", *(f"{m}_at" for m in milestones)), on="journey_id"
    )
    for milestone in milestones:
        # the touch that created the milestone: the last one at or before it
        last_before = (
            touches.filter(pl.col("timestamp") <= pl.col(f"{milestone}_at"))
            .group_by("journey_id")
            .agg(pl.col("timestamp").max().alias(f"{milestone}_touch"))
        )
        touches = touches.join(last_before, on="journey_id", how="left").with_columns(
            (pl.col("timestamp") == pl.col(f"{milestone}_touch")).fill_null(False).alias(milestone)
        )
    journeys = Journeys.from_frame(
        touches.drop([f"{m}_{s}" for m in milestones for s in ("at", "touch")]),
        outcomes.drop([f"{m}_at" for m in milestones]),
    )
    spend = booked_spend(store, workspace_id, start, end, by=by, connection=(con, tables))
    spend_by_channel = {
        row["channel"]: row["amount"]
        for row in spend.iter_rows(named=True)
        if row["channel"] in journeys.channels
    }
    return compare(journeys, spend=spend_by_channel)


def booked_spend(
    store: Store,
    workspace_id: int,
    start: date,
    end: date,
    *,
    by: str = "channel",
    connection=None,
) -> pl.DataFrame:
    """Spend booked to the days ``[start, end]`` per channel (or per campaign, ``by``,
    labelled as in ``attribution_report``), with the ``source_channel`` it was booked
    to (a campaign's channel)."""
    con, tables = connection or _tables(store)
    spend_table = tables["spend"]
    booked = spend_table.filter(
        (spend_table.workspace_id == workspace_id)
        & (spend_table.day >= start)
        & (spend_table.day <= end)
    )
    spend = con.to_polars(
        booked.group_by("channel", "campaign").aggregate(amount=booked.amount.sum())
    ).with_columns(source_channel=pl.col("channel"))
    if by == "campaign":
        spend = spend.with_columns(channel=_campaign_label(pl.col("channel"), pl.col("campaign")))
    return (
        spend.group_by("channel")
        .agg(pl.col("amount").sum(), pl.col("source_channel").first())
        .sort("channel")
    )


@dataclass
class CLVReport:
    purchases: BGNBD
    spend: GammaGamma
    customers: pl.DataFrame  # per customer: summary, p_alive, expected purchases, clv, rfm
    cohorts: pl.DataFrame  # per first-purchase month: customers, mean and total predicted CLV


def clv_report(store: Store, workspace_id: int, as_of: date, *, months: int = 12) -> CLVReport:
    """Fit BG/NBD and Gamma-Gamma on all purchases up to ``as_of`` and predict each
    customer's next 90 days and ``months``-month discounted CLV."""
    con, tables = _tables(store)
    summary = con.to_polars(customer_summary(tables, workspace_id, _instant(as_of)))
    if summary.height < 10:
        raise CLVError("customers: fewer than 10 customers with orders; nothing to fit")
    x, t_x, big_t, m = (summary[c].to_numpy() for c in ("x", "t_x", "T", "m"))
    purchases = BGNBD.fit(x, t_x, big_t)
    # Gamma-Gamma's likelihood needs a positive mean order value; repeat buyers whose
    # repeat orders were all free (m = 0) are valued by its formula at m = 0 but not fitted
    priced = (x > 0) & (m > 0)
    if priced.sum() < 10:
        raise CLVError(
            "customers: fewer than 10 repeat customers with paid orders; cannot fit spend"
        )
    try:
        spend = GammaGamma.fit(x[priced], m[priced])
    except CLVError as error:
        raise CLVError(
            f"spend model (Gamma-Gamma, {priced.sum()} repeat customers): {error}"
        ) from None
    customers = summary.with_columns(
        p_alive=pl.Series(purchases.probability_alive(x, t_x, big_t)),
        expected_purchases_90d=pl.Series(
            purchases.expected_purchases(WEEKS_90_DAYS, x, t_x, big_t)
        ),
        clv=pl.Series(discounted_clv(purchases, spend, x, t_x, big_t, m, periods=months)),
        cohort=pl.Series(
            [(as_of - timedelta(weeks=float(age))).strftime("%Y-%m") for age in big_t]
        ),
    )
    scores = rfm(
        customers.select(
            recency_days=(pl.col("T") - pl.col("t_x")) * 7,
            frequency=pl.col("x") + 1,
            monetary=pl.col("revenue"),
        )
    )
    customers = customers.with_columns(rfm=scores["rfm"], rfm_segment=scores["segment"])
    cohorts = (
        customers.group_by("cohort")
        .agg(
            customers=pl.len(),
            mean_clv=pl.col("clv").mean(),
            total_clv=pl.col("clv").sum(),
            mean_p_alive=pl.col("p_alive").mean(),
        )
        .sort("cohort")
    )
    return CLVReport(purchases, spend, customers, cohorts)


@transaction.atomic
def write_back_clv(workspace: Workspace, report: CLVReport, *, actor=None) -> int:
    """Store each customer's predictions and RFM scores on their contact; returns how many
    were updated."""
    updated = record_predictions(
        workspace,
        {
            row["customer"]: (
                float(row["clv"]),
                float(row["p_alive"]),
                float(row["expected_purchases_90d"]),
            )
            for row in report.customers.iter_rows(named=True)
        },
    )
    record_rfm(
        workspace,
        {
            row["customer"]: (row["rfm"], row["rfm_segment"])
            for row in report.customers.iter_rows(named=True)
        },
    )
    params = report.purchases
    audit.record(
        workspace,
        "contacts.clv_refresh",
        workspace,
        actor=actor,
        after={
            "customers": updated,
            "r": params.r,
            "alpha": params.alpha,
            "a": params.a,
            "b": params.b,
            "log_likelihood": params.diagnostics.log_likelihood if params.diagnostics else None,
            "mean_clv": float(np.mean(report.customers["clv"].to_numpy())),
        },
    )
    return updated


@dataclass(frozen=True)
class HoldoutReport:
    calibration_end: date
    purchases: BGNBD  # fitted on the calibration period only
    table: pl.DataFrame  # holdout_comparison: per calibration purchases, actual vs predicted


def clv_holdout_report(
    store: Store, workspace_id: int, as_of: date, *, holdout_weeks: int
) -> HoldoutReport:
    """Fit BG/NBD on purchases up to ``as_of - holdout_weeks`` and compare its prediction
    of the next ``holdout_weeks`` with what customers then bought."""
    if not 1 <= holdout_weeks <= 104:
        raise CLVError("holdout_weeks: must be between 1 and 104")
    calibration_end = as_of - timedelta(weeks=holdout_weeks)
    con, tables = _tables(store)
    summary = con.to_polars(
        customer_summary(tables, workspace_id, _instant(calibration_end), _instant(as_of))
    )
    if summary.height < 10:
        raise CLVError("customers: fewer than 10 customers with orders before the holdout")
    x, t_x, big_t, later = (summary[c].to_numpy() for c in ("x", "t_x", "T", "x_holdout"))
    purchases = BGNBD.fit(x, t_x, big_t)
    table = holdout_comparison(purchases, x, t_x, big_t, later, float(holdout_weeks))
    return HoldoutReport(calibration_end, purchases, table)


ATTRIBUTION_MEASURES = ("revenue", "conversions", "roas", "romi")


def attribution_pivot(
    credits: pl.DataFrame, spend: pl.DataFrame, measure: str, untrackable: frozenset
) -> list[dict]:
    """One row per channel or campaign with every model's ``measure`` in a column
    ``m_<model>`` (from ``attribution_report``), its ``spend`` (from ``booked_spend``,
    which also brings the groups nobody arrived by), and ``trackable``: False for a group
    of an ``untrackable`` channel with no tracked touch, whose model cells are then None."""
    if measure not in ATTRIBUTION_MEASURES:
        raise JourneyError(f"measure: must be one of {', '.join(ATTRIBUTION_MEASURES)}")
    booked = {r["channel"]: r for r in spend.iter_rows(named=True)}
    rows: dict[str, dict] = {}
    for credit in credits.iter_rows(named=True):
        group = credit["channel"]
        row = rows.setdefault(
            group,
            {
                "group": group,
                "channel": booked.get(group, {}).get("source_channel", group),
                "spend": booked.get(group, {}).get("amount", 0.0),
                "trackable": True,
            },
        )
        row[f"m_{credit['model']}"] = credit[measure]
        row[f"revenue_{credit['model']}"] = credit["revenue"]
    models = credits["model"].unique(maintain_order=True).to_list()
    for group, item in booked.items():
        if group in rows:
            continue
        # spend, but nobody arrived by it: no credit under any model
        trackable = item["source_channel"] not in untrackable
        paid = item["amount"] > 0
        nothing = {"revenue": 0.0, "conversions": 0.0, "roas": 0.0, "romi": -1.0}[measure]
        value = nothing if trackable and (paid or measure in ("revenue", "conversions")) else None
        rows[group] = {
            "group": group,
            "channel": item["source_channel"],
            "spend": item["amount"],
            "trackable": trackable,
            **{f"m_{model}": value for model in models},
            **{f"revenue_{model}": 0.0 for model in models},
        }
    return sorted(rows.values(), key=lambda r: r["group"])
