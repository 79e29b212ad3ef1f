"""A broadcast's revenue as the measurement module attributes it
(``pacer.metrics.broadcast_revenue``), for its report beside revenue after click.

The two answer different questions, so the report shows both. Revenue after click
(``click_revenue``) counts in full every order a person placed in the window after
their first click: what the people who clicked went on to buy, current to the minute,
the same for every broadcast they clicked. The attributed figure splits each order over
all the person's touches in the same window (visits from ads and search, other
broadcasts) by the model chosen, so the broadcasts' shares of an order add up to at
most one order: figures that add up across broadcasts and channels, read from the
warehouse as of its last sync.
"""

from decimal import ROUND_HALF_UP, Decimal

from pacer.analytics.attribution import MODELS
from pacer.core.models import Workspace
from pacer.messaging import rules
from pacer.metrics.broadcast_revenue import broadcast_revenue
from pacer.metrics.labels import MODEL_LABELS
from pacer.metrics.summaries import broadcast_campaign
from pacer.warehouse.sync import default_store, last_sync
from pacer.web.filters import TABLE_PARAMS, Choice, FilterBar

DEFAULT_MODEL = "linear"
MODEL_CHOICES = [(model, MODEL_LABELS.get(model, model)) for model in MODELS]
CENT = Decimal("0.01")


def attributed_revenue(
    workspace: Workspace,
    channel: str,
    broadcast_id: int,
    model: str = DEFAULT_MODEL,
    lookback_days: int | None = None,
) -> dict:
    """The broadcast's (``channel`` ``email`` or ``sms``) attributed ``orders`` (a share,
    to two decimals) and ``revenue`` (to the cent) under ``model``, over ``lookback_days``
    (None: the workspace's attribution window), its ``other_currency_orders``, the
    ``currency``, the ``model`` and its ``model_label``, and ``synced_at`` (the
    warehouse's last sync, None before the first: then every figure is 0). A bad
    ``model`` or ``lookback_days`` raises ``JourneyError`` naming it."""
    days = (
        lookback_days
        if lookback_days is not None
        else rules.settings_of(workspace).attribution_days
    )
    found = broadcast_revenue(default_store(), workspace, model=model, lookback_days=days)
    figures = found.get(broadcast_campaign(channel, broadcast_id), {})
    run = last_sync()
    return {
        "model": model,
        "model_label": MODEL_LABELS.get(model, model),
        "lookback_days": days,
        "currency": workspace.currency,
        "orders": Decimal(str(figures.get("orders", 0.0))).quantize(CENT, ROUND_HALF_UP),
        "revenue": Decimal(str(figures.get("revenue", 0.0))).quantize(CENT, ROUND_HALF_UP),
        "other_currency_orders": figures.get("other_currency_orders", 0),
        "synced_at": run.finished_at if run is not None else None,
    }


def attribution_bar(request, keep: tuple[str, ...] = ()) -> FilterBar:
    """The report's choice of model (in the URL: ``model``), carrying the page's other
    parameters (``keep``) along."""
    choice = Choice("model", "Attribution model", MODEL_CHOICES, default=DEFAULT_MODEL)
    return FilterBar(request, [choice], keep=(*TABLE_PARAMS, *keep), html_id="attribution-filters")
