"""The economics of a simulated business, derived from its own arrays.

Every figure here can be recomputed from the ``Business`` (orders, spend rows, contacts),
except the split of a channel's contacts between its spend and its base demand, which
needs the truth the simulator drew them from: ``spend_share[channel, week]`` is the
share of that channel's demand in that week that its spend created (the rest is base
demand that would have come anyway). docs/simulator.md explains each figure.
"""

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from pacer.simulate.business import Business

WEEK = 7 * 86_400
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den else None


def economics(business: "Business", spend_share: np.ndarray) -> dict:
    """Revenue, margin, spend and return, overall, per channel and per location.

    ROMI is (gross profit − spend) / spend, with gross profit = revenue − cost of goods,
    as the KPI pages define it. ``romi`` overall is blended (all gross profit, whatever
    brought the customer); a channel's ``romi`` is incremental: the gross profit of the
    contacts its spend brought (each contact weighted by ``spend_share`` of its source
    channel in its first week) against the channel's spend.
    """
    n = business.n_contacts
    keys = business.channel_keys
    profit = business.order_total - business.order_cost
    contact_profit = np.bincount(business.order_contact, weights=profit, minlength=n)
    contact_orders = np.bincount(business.order_contact, minlength=n)
    customer = contact_orders > 0
    lead = business.lead_at >= 0
    week = (business.contact_first_seen - business.start) // WEEK
    from_spend = spend_share[business.contact_source, week]
    spend = np.bincount(business.spend_channel, weights=business.spend_amount, minlength=len(keys))
    revenue = float(business.order_total.sum())
    cost = float(business.order_cost.sum())
    total_spend = float(business.spend_amount.sum())
    gross_profit = revenue - cost
    channels = {}
    for i, key in enumerate(keys):
        source = business.contact_source == i
        profit_from_spend = float((from_spend * contact_profit)[source].sum())
        channels[key] = {
            "spend": float(spend[i]),
            "contacts": int(source.sum()),
            "customers": int((source & customer).sum()),
            "customers_first_touch": int((customer & (business.contact_channel == i)).sum()),
            "customers_from_spend": float(from_spend[source & customer].sum()),
            "gross_profit_from_spend": profit_from_spend,
            "romi": _ratio(profit_from_spend - spend[i], spend[i]),
        }
    incremental = sum(c["gross_profit_from_spend"] for c in channels.values())
    return {
        "revenue": revenue,
        "cost": cost,
        "gross_profit": gross_profit,
        "gross_margin": _ratio(gross_profit, revenue),
        "spend": total_spend,
        "spend_share_of_revenue": _ratio(total_spend, revenue),
        "romi": _ratio(gross_profit - total_spend, total_spend),
        "incremental_romi": _ratio(incremental - total_spend, total_spend),
        "contacts": n,
        "leads": int(lead.sum()),
        "customers": int(customer.sum()),
        "orders": int(len(business.order_total)),
        "orders_per_customer": _ratio(len(business.order_total), customer.sum()),
        "repeat_share": _ratio((contact_orders >= 2).sum(), customer.sum()),
        "average_order_value": _ratio(revenue, len(business.order_total)),
        "cac": _ratio(total_spend, customer.sum()),
        "channels": channels,
        "locations": _locations(business, profit, customer, lead),
        "seasonality": _seasonality(business),
    }


def _locations(business: "Business", profit, customer, lead) -> dict:
    where = business.contact_location
    order_where = where[business.order_contact]
    weak = set(business.truth["weak_locations"])
    out = {}
    for i, code in enumerate(business.location_codes):
        here = where == i
        spend = float(business.spend_amount[business.spend_location == i].sum())
        gross_profit = float(profit[order_where == i].sum())
        leads = lead & here
        out[code] = {
            "weak": code in weak,
            "contacts": int(here.sum()),
            "leads": int(leads.sum()),
            "customers": int((customer & here).sum()),
            "lead_to_customer": _ratio((customer & here).sum(), leads.sum()),
            "median_response_hours": (
                float(np.median(business.response_hours[leads])) if leads.any() else None
            ),
            "spend": spend,
            "revenue": float(business.order_total[order_where == i].sum()),
            "gross_profit": gross_profit,
            "romi": _ratio(gross_profit - spend, spend),
        }
    return out


def _seasonality(business: "Business") -> dict:
    """New contacts by calendar month and by weekday (UTC)."""
    seen = business.contact_first_seen.astype("datetime64[s]")
    months, counts = np.unique(seen.astype("datetime64[M]").astype(str), return_counts=True)
    weekday = (business.contact_first_seen // 86_400 + 3) % 7  # the epoch was a Thursday
    return {
        "contacts_by_month": dict(zip(months.tolist(), counts.tolist(), strict=True)),
        "contacts_by_weekday": dict(
            zip(WEEKDAYS, np.bincount(weekday, minlength=7).tolist(), strict=True)
        ),
    }
