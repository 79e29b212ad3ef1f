"""Revenue attributed to broadcasts by the measurement module's models.

Each order placed within the lookback after a click on a broadcast's tracked link (email
or SMS, by the same person: contacts merged into one count as one) is a converted journey
of its own; its touches are every touch of the person in the lookback up to the order:
visits that carry a channel (each under its ``utm_campaign``, else its channel) and
clicks on broadcasts (each under its broadcast, ``broadcast_campaign``), the visit a
click lands on not counted apart (``summaries.person_touches``). The chosen model
(``pacer.analytics.attribution``: any of ``MODELS``) splits each order's one conversion
and its total over those touches; a broadcast's figures are what its clicks were
credited. Only journeys that converted are modelled (every journey here is an order), so
Markov's removal effect of a broadcast is the share of orders it touched.

Orders in another currency than the workspace's are not modelled (their totals cannot be
added); each broadcast counts those it touched apart (``other_currency_orders``).
Read from the warehouse as of its last sync; results are kept per snapshot of the tables
read, model and lookback.
"""

import re
from functools import lru_cache

import polars as pl

from pacer.analytics.attribution import MODELS, AttributionConfig, attribute
from pacer.analytics.journeys import JourneyError, Journeys
from pacer.core.models import Workspace
from pacer.metrics.analysis import SOURCES
from pacer.metrics.summaries import order_journey_tables
from pacer.people import selectors as people
from pacer.warehouse.store import Store

MAX_LOOKBACK_DAYS = 90
BROADCAST_LABEL = re.compile(r"(email|sms) broadcast \d+")  # as broadcast_campaign names them


def broadcast_revenue(
    store: Store, workspace: Workspace, *, model: str = "linear", lookback_days: int = 7
) -> dict[str, dict]:
    """Per broadcast (keyed ``broadcast_campaign(channel, id)``) with a credited click:
    ``orders`` (its share of orders, a fraction), ``revenue`` (its share of their totals,
    in the workspace's currency) and ``other_currency_orders``. Raises ``JourneyError``
    naming ``model`` or ``lookback_days`` when either is not one this takes."""
    if not isinstance(model, str) or model not in MODELS:
        raise JourneyError(f"model: must be one of {', '.join(MODELS)}")
    if isinstance(lookback_days, bool) or not isinstance(lookback_days, int):
        raise JourneyError("lookback_days: must be a whole number of days")
    if not 1 <= lookback_days <= MAX_LOOKBACK_DAYS:
        raise JourneyError(f"lookback_days: must be from 1 to {MAX_LOOKBACK_DAYS}")
    snapshot = tuple(store.snapshot_key(name) for name in SOURCES)
    found = _fitted(
        str(store.root), snapshot, workspace.pk, workspace.currency, model, lookback_days
    )
    return {label: dict(figures) for label, figures in found.items()}


@lru_cache(maxsize=64)
def _fitted(
    root: str, snapshot: tuple, workspace_id: int, currency: str, model: str, lookback: int
) -> dict[str, dict]:
    store = Store(root)
    con = store.duckdb(list(SOURCES), SOURCES)
    tables = {name: con.table(name) for name in SOURCES}
    touches, orders = order_journey_tables(tables, workspace_id, lookback)
    touches, orders = con.to_polars(touches), con.to_polars(orders)
    if orders.height == 0:
        return {}
    apart = _other_currency(workspace_id, currency, orders)
    touches = touches.with_columns(
        channel=pl.when(pl.col("campaign") != "")
        .then(pl.col("campaign"))
        .otherwise(pl.col("channel") + " (no campaign)")
    )
    results: dict[str, dict] = {}
    counted = touches.filter(pl.col("journey_id").is_in(list(apart)))
    for label in counted.unique(["journey_id", "channel"])["channel"].to_list():
        if _is_broadcast(label):
            entry = results.setdefault(label, _empty())
            entry["other_currency_orders"] += 1
    touches = touches.filter(~pl.col("journey_id").is_in(list(apart)))
    orders = orders.filter(~pl.col("journey_id").is_in(list(apart)))
    if orders.height == 0:
        return results
    journeys = Journeys.from_frame(
        touches.select("journey_id", "channel", "timestamp"),
        orders.select(
            "journey_id",
            converted=pl.lit(True),
            value=pl.col("value"),
            converted_at=pl.col("placed_at"),
        ),
    )
    credit = attribute(journeys, AttributionConfig(model=model))
    for label, conversions, revenue in zip(
        credit.channels, credit.conversions, credit.revenue, strict=True
    ):
        if _is_broadcast(label):
            entry = results.setdefault(label, _empty())
            entry["orders"], entry["revenue"] = float(conversions), float(revenue)
    return results


def _empty() -> dict:
    return {"orders": 0.0, "revenue": 0.0, "other_currency_orders": 0}


def _is_broadcast(label: str) -> bool:
    return BROADCAST_LABEL.fullmatch(label) is not None


def _other_currency(workspace_id: int, currency: str, orders: pl.DataFrame) -> set[int]:
    """The ids of ``orders`` placed in another currency than ``currency`` (the warehouse
    keeps no currency: read from the orders as stored, by id, only those)."""
    workspace = Workspace(pk=workspace_id)
    return people.orders_in_other_currency(workspace, orders["journey_id"].to_list(), currency)
