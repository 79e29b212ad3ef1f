"""Pages that compare parts of the business: every location side by side, and customer
cohorts by first-order month."""

from django.shortcuts import render
from django.urls import reverse

from pacer.core.channels import CHANNELS
from pacer.core.permissions import page
from pacer.metrics.customers import cohort_retention, total_rates
from pacer.metrics.labels import channel_label, showing
from pacer.metrics.selectors import KpiFilter, by_location
from pacer.metrics.views import data_bounds
from pacer.people import selectors as people
from pacer.warehouse.sync import default_store
from pacer.web.filters import Choice, DateRange, FilterBar
from pacer.web.tables import Column, Table

# A location is weak when, against the whole business, it earns clearly less on its
# marketing, buys customers much dearer, or keeps them much less: each reason is named in
# its row. Relative, so that a business with every location under water still shows
# which are the weakest.
ROMI_GAP = 0.10  # ROMI more than 10 percentage points below the business's
CAC_LIMIT = 1.5  # × the business's CAC
REPEAT_LIMIT = 2 / 3  # × the business's repeat rate


def _channel_choice() -> Choice:
    return Choice(
        "channel",
        "Channel",
        [(key, channel_label(key)) for key in CHANNELS],
        blank="All channels",
    )


def weak_reasons(row: dict, overall: dict) -> list[str]:
    """Why a location's row is weak against the whole business (empty: it is not)."""
    reasons = []
    romi, whole_romi = row["romi"], overall["romi"]
    if romi is not None and whole_romi is not None and romi < whole_romi - ROMI_GAP:
        reasons.append(f"ROMI more than {ROMI_GAP * 100:.0f} points below the business's")
    if row["cac"] is not None and overall["cac"] and row["cac"] > CAC_LIMIT * overall["cac"]:
        reasons.append(f"CAC over {CAC_LIMIT:g}× the business's")
    rate, whole = row["repeat_rate"], overall["repeat_rate"]
    if rate is not None and whole and rate < REPEAT_LIMIT * whole:
        reasons.append("repeat rate under ⅔ of the business's")
    return reasons


def _overall(rows: list[dict], rates) -> dict:
    spend = sum(r["spend"] for r in rows)
    customers = sum(r["new_customers"] for r in rows)
    profit = sum(r["gross_profit"] for r in rows)
    return {
        "cac": spend / customers if customers else None,
        "romi": (profit - spend) / spend if spend else None,
        "repeat_rate": rates.repeat_rate if rates else None,
    }


def _locations(request) -> dict:
    """The comparison's filters, its table (every location) and the ones to watch."""
    bounds = data_bounds(request.workspace.pk)
    places = people.locations(request.workspace)
    bar = FilterBar(
        request,
        [
            DateRange(data_end=bounds[1] if bounds else None, default="all"),
            _channel_choice(),
        ],
        html_id="locations-filters",
    )
    start, end, channel = bar.values["start"], bar.values["end"], bar.values["channel"]
    store = default_store()
    rows = by_location(store, request.workspace.pk, KpiFilter(start, end, channel=channel))
    names = {place.pk: place.name for place in places}
    shown = ("leads", "new_customers", "revenue", "spend")
    rows = [r for r in rows if r["location_id"] or any(r[k] for k in shown)]
    # each customer counts under one location, so the locations' counts add up to all
    rates = total_rates({r["location_id"]: r["person_rates"] for r in rows if r["person_rates"]})
    overall = _overall(rows, rates)
    for row in rows:
        row["name"] = names.get(row["location_id"], "No location")
        row["weak"] = "; ".join(weak_reasons(row, overall)) or "—"
    present = {row["location_id"] for row in rows}
    for place in places:  # a location with nothing in the range still gets its row
        if place.pk not in present:
            rows.append(
                {"location_id": place.pk, "name": place.name, "weak": "No activity"}
                | dict.fromkeys(("leads", "new_customers", "revenue", "spend"), 0.0)
                | dict.fromkeys(("cac", "romi", "repeat_rate", "retention"))
            )
    table = Table(
        request,
        rows,
        [
            Column("name", "Location", sortable=True),
            Column("leads", "Leads", format="count", sortable=True),
            Column("new_customers", "New customers", format="count", sortable=True),
            Column("revenue", "Revenue", format="money", sortable=True),
            Column("spend", "Spend", format="money", sortable=True),
            Column("cac", "CAC", format="money", sortable=True),
            Column("romi", "ROMI", format="percent", sortable=True),
            Column("repeat_rate", "Repeat rate", format="percent", sortable=True),
            Column("retention", "Retention", format="percent", sortable=True, visible=False),
            Column("weak", "Watch", sortable=True),
        ],
        default_sort="-revenue",
        per_page=50,
        csv_url=reverse("locations-export"),
        caption="Every location side by side",
        empty_title="No locations with data in this range.",
        empty_hint="Widen the dates, or add locations to contacts, orders and spend.",
        html_id="locations",
    )
    weak = sorted(r["name"] for r in rows if r["weak"] not in ("—",))
    return {
        "bar": bar,
        "table": table,
        "weak": weak,
        "showing": showing(start, end, bounds),
        "cac_limit": f"{CAC_LIMIT:g}",
        "romi_gap": f"{ROMI_GAP * 100:.0f}",
    }


@page("reports.view")
def locations(request):
    return render(request, "metrics/locations.html", _locations(request))


@page("reports.view")
def locations_export(request):
    """The comparison as CSV: every location, in the order and with the columns shown."""
    return _locations(request)["table"].csv_response("locations.csv")


def _heat(share: float | None) -> str:
    """A cell's background: the larger the share, the deeper the blue (dark text stays
    readable on every shade)."""
    if share is None:
        return ""
    return f"background: rgb(37 99 235 / {0.06 + 0.5 * share:.2f})"


@page("reports.view")
def cohorts(request):
    bounds = data_bounds(request.workspace.pk)
    places = people.locations(request.workspace)
    bar = FilterBar(
        request,
        [
            DateRange(label="First orders", data_end=bounds[1] if bounds else None, default="all"),
            Choice(
                "location",
                "Location",
                [(p.pk, p.name) for p in places],
                blank="All locations",
            ),
            _channel_choice(),
        ],
        html_id="cohorts-filters",
    )
    start, end = bar.values["start"], bar.values["end"]
    context = {"bar": bar, "showing": showing(start, end, bounds), "rows": [], "months": []}
    if bounds:
        start, end = start or bounds[0], end or bounds[1]
        result = cohort_retention(
            default_store(),
            request.workspace.pk,
            start,
            end,
            data_end=bounds[1],
            location_id=int(bar.values["location"]) if bar.values["location"] else None,
            channel=bar.values["channel"],
        )
        context["months"] = list(range(result.months))
        for row in result.table.to_dicts():
            cells = []
            for k in range(result.months):
                share = row[f"m{k}"]
                cells.append(
                    {
                        "share": share,
                        "style": _heat(share),
                        "partial": (row["cohort"], k) in result.partial,
                    }
                )
            context["rows"].append(
                {"cohort": row["cohort"], "customers": row["customers"], "cells": cells}
            )
        context["any_partial"] = bool(result.partial)
        context["end"] = end
    return render(request, "metrics/cohorts.html", context)
