"""Loading a simulated business through the same ingestion code real traffic uses."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from django.utils import timezone

from pacer.core.models import Workspace
from pacer.demo.campaigns import campaign_flights, campaign_name
from pacer.experiments.actions import create_experiment, set_status
from pacer.experiments.selectors import experiment
from pacer.ingest.actions import ingest
from pacer.people.actions import upsert_locations, upsert_products
from pacer.planning.actions import record_spend, upsert_campaign
from pacer.planning.selectors import has_spend
from pacer.simulate.business import Business
from pacer.simulate.places import CITY_ZONES
from pacer.simulate.segment import messages

BATCH = 1000


def city_zone(location_name: str) -> str:
    """The zone of a simulated location ("Austin", or "Austin 2" past the list's end;
    ``pacer.simulate.places``), so the demo's locations keep their own hours: survey asks
    wait for the daytime there; "" (the workspace's) for a name not in the list."""
    city = location_name.rstrip("0123456789 ") or location_name
    return CITY_ZONES.get(city, "")


def load_business(
    workspace: Workspace,
    business: Business,
    *,
    truth_path: Path | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> dict:
    """Write the business's reference data and spend, then ingest every event in batches.

    Returns counts of results by status. Loading the same business twice adds nothing:
    every message id is already known.
    """
    config = business.config
    locations = upsert_locations(
        workspace,
        [
            {"code": code, "name": name, "city": name, "time_zone": city_zone(name)}
            for code, name in zip(business.location_codes, business.location_names, strict=True)
        ],
    )
    upsert_products(
        workspace,
        [
            {
                "sku": p.sku,
                "name": p.name,
                "category": p.category,
                "price": p.price,
                "unit_cost": p.unit_cost,
            }
            for p in config.products
        ],
    )
    campaigns, flights = {}, campaign_flights(business)
    for index, channel in zip(
        business.spend_campaign.tolist(), business.spend_channel.tolist(), strict=True
    ):
        if index not in campaigns:
            key = business.campaign_names[index]
            starts_on, ends_on = flights[index]
            campaigns[index] = upsert_campaign(
                workspace,
                key,
                business.channel_keys[channel],
                name=campaign_name(key),
                starts_on=starts_on,
                ends_on=ends_on,
            )
    if not has_spend(workspace):
        record_spend(
            workspace,
            [
                {
                    "day": datetime.fromtimestamp(int(w), UTC).date(),
                    "channel": business.channel_keys[c],
                    "amount": a,
                    "campaign": campaigns[k],
                    "location": locations[loc],
                }
                for w, c, k, loc, a in zip(
                    business.spend_week_start,
                    business.spend_channel,
                    business.spend_campaign,
                    business.spend_location,
                    business.spend_amount,
                    strict=True,
                )
                if a > 0  # a TV or radio flight off air spends nothing that week: no line
            ],
        )
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0, "suppressed": 0}
    batch: list[dict] = []
    for message in messages(business):
        batch.append(message)
        if len(batch) == BATCH:
            _send(workspace, batch, counts, on_progress)
            batch = []
    if batch:
        _send(workspace, batch, counts, on_progress)
    _register_experiment(workspace, business.truth["experiment"])
    if truth_path is not None:
        truth_path.parent.mkdir(parents=True, exist_ok=True)
        truth_path.write_text(json.dumps(business.truth, indent=2, default=str))
    return counts


def _register_experiment(workspace: Workspace, truth: dict) -> None:
    """The simulated A/B test, as a running experiment whose results can be checked."""
    if experiment(workspace, truth["key"]) is not None:
        return
    created = create_experiment(
        workspace,
        key=truth["key"],
        name="Homepage newsletter offer",
        hypothesis="Offering a discount on the homepage lifts newsletter sign-ups.",
        variants=[{"key": name, "weight": 1.0} for name in truth["variants"]],
        metric="conversion",
        goal_event=truth["goal_event"],
    )
    set_status(created, "running", now=datetime.fromisoformat(truth["starts_at"]))


def _send(workspace, batch, counts, on_progress) -> None:
    for result in ingest(workspace, batch, received_at=timezone.now()):
        counts[result.status] += 1
    if on_progress:
        on_progress(len(batch))
