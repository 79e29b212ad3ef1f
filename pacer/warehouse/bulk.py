"""Write a simulated business straight into the warehouse tables as Arrow (no operational DB).

The HTTP and ingest paths are what real traffic uses; this path exists to build the
1M-contact / 20M-event warehouses the benchmarks measure, in seconds instead of hours.
"""

import numpy as np
import pyarrow as pa

from pacer.simulate.business import (
    EVENT_EMAIL_CLICKED,
    EVENT_EMAIL_DELIVERED,
    EVENT_EMAIL_OPENED,
    EVENT_EXPERIMENT_VIEWED,
    EVENT_IDENTIFY,
    EVENT_LANDING,
    EVENT_ORDER,
    EVENT_PAGE,
    EVENT_SIGNUP,
    SIGNUP_EVENT,
    Business,
)
from pacer.warehouse.store import Store
from pacer.warehouse.tables import table as table_spec

KIND_TYPE = {
    EVENT_LANDING: "page",
    EVENT_PAGE: "page",
    EVENT_IDENTIFY: "identify",
    EVENT_ORDER: "track",
    EVENT_EMAIL_DELIVERED: "track",
    EVENT_EMAIL_OPENED: "track",
    EVENT_EMAIL_CLICKED: "track",
    EVENT_EXPERIMENT_VIEWED: "track",
    EVENT_SIGNUP: "track",
}
KIND_EVENT = {
    EVENT_ORDER: "Order Completed",
    EVENT_EMAIL_DELIVERED: "Email Delivered",
    EVENT_EMAIL_OPENED: "Email Opened",
    EVENT_EMAIL_CLICKED: "Email Link Clicked",
    EVENT_EXPERIMENT_VIEWED: "Experiment Viewed",
    EVENT_SIGNUP: SIGNUP_EVENT,
}


def _lookup(values: list[str], index: np.ndarray) -> pa.Array:
    """Strings by index (-1 -> ""), as a dictionary array decoded to plain strings."""
    dictionary = pa.array([*values, ""])
    codes = np.where(index < 0, len(values), index).astype(np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(codes), dictionary).cast(pa.string())


def _ts(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    micros = pa.array(seconds.astype(np.int64) * 1_000_000, mask=None if valid is None else ~valid)
    return micros.cast(pa.timestamp("us", tz="UTC"))


def business_tables(business: Business, workspace_id: int) -> dict[str, pa.Table]:
    n_events = len(business.event_time)
    kinds = business.event_kind.astype(np.int64)
    type_names = [KIND_TYPE[k] for k in range(len(KIND_TYPE))]
    event_names = [KIND_EVENT.get(k, "") for k in range(len(KIND_TYPE))]
    ws = lambda n: pa.array(np.full(n, workspace_id, dtype=np.int64))  # noqa: E731
    events = pa.table(
        {
            "id": pa.array(np.arange(1, n_events + 1, dtype=np.int64)),
            "workspace_id": ws(n_events),
            "contact_id": pa.array(business.event_contact + 1),
            "message_id": pa.array(np.char.add("sim-", np.arange(n_events).astype(str))),
            "type": _lookup(type_names, kinds),
            "event": _lookup(event_names, kinds),
            "name": _lookup(["Home", "Services"], np.where(kinds <= 1, kinds, -1)),
            "timestamp": _ts(business.event_time),
            "received_at": _ts(business.event_time),
            "channel": _lookup(business.channel_keys, business.event_channel),
            "utm_source": _lookup([], np.full(n_events, -1)),
            "utm_medium": _lookup([], np.full(n_events, -1)),
            "utm_campaign": _lookup(business.campaign_names, business.event_campaign),
            "properties": _lookup(["{}"], np.zeros(n_events, dtype=np.int64)),
        },
        schema=table_spec("events").schema,
    )
    n_orders = len(business.order_time)
    n = business.n_contacts
    first_order = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_order, business.order_contact, business.order_time)
    is_customer = first_order < np.iinfo(np.int64).max
    order_count = np.bincount(business.order_contact, minlength=n)
    revenue = np.bincount(business.order_contact, weights=business.order_total, minlength=n)
    location_ids = business.contact_location.astype(np.int64) + 1
    orders = pa.table(
        {
            "id": pa.array(np.arange(1, n_orders + 1, dtype=np.int64)),
            "workspace_id": ws(n_orders),
            "contact_id": pa.array(business.order_contact.astype(np.int64) + 1),
            "location_id": pa.array(location_ids[business.order_contact]),
            "external_id": pa.array(np.char.add("ord-", np.arange(n_orders).astype(str))),
            "placed_at": _ts(business.order_time),
            "total": pa.array(business.order_total),
            "cost": pa.array(business.order_cost),
        },
        schema=table_spec("orders").schema,
    )
    stage = np.where(is_customer, 1, np.where(business.lead_at >= 0, 0, -1))
    contacts = pa.table(
        {
            "id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
            "workspace_id": ws(n),
            "canonical_id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
            "location_id": pa.array(location_ids),
            "lifecycle_stage": _lookup(["lead", "customer"], stage),
            "first_seen_at": _ts(business.contact_first_seen),
            "lead_at": _ts(np.maximum(business.lead_at, 0), business.lead_at >= 0),
            "customer_at": _ts(np.where(is_customer, first_order, 0), is_customer),
            "order_count": pa.array(order_count.astype(np.int64)),
            "revenue": pa.array(revenue),
            "acquisition_channel": _lookup(business.channel_keys, business.contact_channel),
            "acquisition_campaign": _lookup(business.campaign_names, business.contact_campaign),
        },
        schema=table_spec("contacts").schema,
    )
    n_spend = len(business.spend_amount)
    spend = pa.table(
        {
            "id": pa.array(np.arange(1, n_spend + 1, dtype=np.int64)),
            "workspace_id": ws(n_spend),
            "day": _ts(business.spend_week_start).cast(pa.date32()),
            "channel": _lookup(business.channel_keys, business.spend_channel),
            "campaign": _lookup(business.campaign_names, business.spend_campaign),
            "location_id": pa.array(business.spend_location.astype(np.int64) + 1),
            "amount": pa.array(business.spend_amount),
        },
        schema=table_spec("spend").schema,
    )
    n_loc = len(business.location_codes)
    locations = pa.table(
        {
            "id": pa.array(np.arange(1, n_loc + 1, dtype=np.int64)),
            "workspace_id": ws(n_loc),
            "code": pa.array(business.location_codes),
            "name": pa.array(business.location_names),
        },
        schema=table_spec("locations").schema,
    )
    return {
        "events": events,
        "orders": orders,
        "contacts": contacts,
        "spend": spend,
        "locations": locations,
    }


def write_business(store: Store, business: Business, workspace_id: int) -> dict[str, int]:
    """Replace the store's source tables with the business; returns row counts."""
    counts = {}
    for name, table in business_tables(business, workspace_id).items():
        store.replace(name, table)
        counts[name] = table.num_rows
    return counts
