"""Writes for the people domain that are not ingestion: locations, products, predictions."""

import math

from django.db import transaction

from pacer.core import audit, feed
from pacer.core.bulk import update_rows
from pacer.core.errors import FieldError, ValidationFailed, parse_amount
from pacer.core.models import Workspace
from pacer.core.zones import known_zone
from pacer.people.models import Contact, Location, Product
from pacer.people.signals import location_zone_changed


def _location_errors(row: dict, prefix: str = "") -> dict[str, str]:
    errors = {}
    for field, limit in (("code", 40), ("name", 200)):
        value = row.get(field)
        if not isinstance(value, str) or not value.strip():
            errors[prefix + field] = "must not be empty"
        elif len(value.strip()) > limit:
            errors[prefix + field] = f"must be at most {limit} characters"
    city = row.get("city", "")
    if not isinstance(city, str) or len(city.strip()) > 100:
        errors[prefix + "city"] = "must be text of at most 100 characters"
    zone = row.get("time_zone", "")
    if zone != "" and not known_zone(zone):
        errors[prefix + "time_zone"] = (
            "must be an IANA time zone such as Asia/Tokyo, or empty for the workspace's"
        )
    return errors


def _write_location(workspace: Workspace, row: dict, existing: Location | None) -> Location:
    code = row["code"].strip()
    location = existing or Location(workspace=workspace, code=code)
    location.name, location.city = row["name"].strip(), row.get("city", "").strip()
    zone_changed = False
    if "time_zone" in row:
        zone_changed = location.pk is not None and location.time_zone != row["time_zone"]
        location.time_zone = row["time_zone"]
    location.save()
    if zone_changed:
        location_zone_changed.send(Location, workspace=workspace, location_id=location.pk)
    return location


@transaction.atomic
def upsert_locations(workspace: Workspace, rows: list[dict], *, actor=None) -> list[Location]:
    """Create or rename locations by ``code``; every row is checked before any is written.
    A row's ``time_zone`` (an IANA name; empty: the workspace's zone) is set when given,
    kept when left out."""
    errors = {}
    for index, row in enumerate(rows):
        errors.update(_location_errors(row, f"rows[{index}]."))
    if errors:
        raise ValidationFailed(errors)
    existing = {loc.code: loc for loc in Location.objects.filter(workspace=workspace)}
    result = [_write_location(workspace, row, existing.get(row["code"].strip())) for row in rows]
    audit.record(workspace, "locations.upsert", workspace, actor=actor, after={"rows": len(rows)})
    return result


@transaction.atomic
def save_location(
    workspace: Workspace, *, code, name, city="", time_zone="", actor=None
) -> Location:
    """Create the location ``code`` or change its name, city and time zone (an IANA name;
    empty: the workspace's zone); errors name the field."""
    row = {"code": code, "name": name, "city": city, "time_zone": time_zone}
    errors = _location_errors(row)
    if errors:
        raise ValidationFailed(errors)
    found = (
        Location.objects.select_for_update().filter(workspace=workspace, code=code.strip()).first()
    )
    before = audit.snapshot(found) if found else None
    location = _write_location(workspace, row, found)
    audit.record(
        workspace,
        "locations.save",
        location,
        actor=actor,
        before=before,
        after=audit.snapshot(location),
    )
    return location


@transaction.atomic
def upsert_products(workspace: Workspace, rows: list[dict], *, actor=None) -> list[Product]:
    """Create or update catalogue products by ``sku`` with price and unit cost."""
    errors = {}
    parsed = []
    for index, row in enumerate(rows):
        try:
            price = parse_amount(row.get("price"), f"rows[{index}].price", digits=12)
            cost = parse_amount(row.get("unit_cost", 0), f"rows[{index}].unit_cost", digits=12)
        except FieldError as error:
            errors[error.field] = error.reason
            continue
        if not str(row.get("sku") or "").strip():
            errors[f"rows[{index}].sku"] = "must not be empty"
        parsed.append((row, price, cost))
    if errors:
        raise ValidationFailed(errors)
    existing = {p.sku: p for p in Product.objects.filter(workspace=workspace)}
    result = []
    for row, price, cost in parsed:
        product = existing.get(row["sku"]) or Product(workspace=workspace, sku=row["sku"])
        product.name, product.category = row.get("name", ""), row.get("category", "")
        product.price, product.unit_cost = price, cost
        product.save()
        result.append(product)
    audit.record(workspace, "products.upsert", workspace, actor=actor, after={"rows": len(rows)})
    return result


@transaction.atomic
def record_predictions(
    workspace: Workspace, predictions: dict[int, tuple[float, float, float]]
) -> int:
    """Store CLV predictions on the workspace's contacts; returns how many were updated.

    ``predictions`` maps a contact id to ``(predicted_clv, p_alive, expected_purchases_90d)``;
    ids of other workspaces' or unknown contacts are skipped. Every value must be finite.
    """
    errors = {
        f"predictions[{pk}]": "must be three finite numbers"
        for pk, values in predictions.items()
        if len(values) != 3 or not all(math.isfinite(v) for v in values)
    }
    if errors:
        raise ValidationFailed(errors)
    existing = Contact.objects.filter(workspace=workspace, pk__in=list(predictions))
    rows = [
        Contact(
            pk=pk,
            predicted_clv=predictions[pk][0],
            p_alive=predictions[pk][1],
            expected_purchases_90d=predictions[pk][2],
        )
        for pk in existing.values_list("pk", flat=True)
    ]
    update_rows(Contact, rows, ["predicted_clv", "p_alive", "expected_purchases_90d"])
    feed.publish(workspace.pk, source="people.predictions", contact_ids=[c.pk for c in rows])
    return len(rows)


def record_rfm(workspace: Workspace, scores: dict[int, tuple[str, str]]) -> int:
    """Store each contact's RFM code (three scores 1-9, e.g. "543") and segment name;
    contacts left out are cleared (no longer customers as of the run). Returns how many
    were given scores. Ids of other workspaces' or unknown contacts are skipped."""
    errors = {
        f"scores[{pk}]": "must be a code of three digits 1-9 and a segment name of 1-40 characters"
        for pk, value in scores.items()
        if len(value) != 2
        or not (len(value[0]) == 3 and all(c in "123456789" for c in value[0]))
        or not (1 <= len(value[1]) <= 40)
    }
    if errors:
        raise ValidationFailed(errors)
    contacts = Contact.objects.filter(workspace=workspace)
    with transaction.atomic():
        cleared = list(
            contacts.exclude(rfm_code="").exclude(pk__in=list(scores)).values_list("pk", flat=True)
        )
        contacts.filter(pk__in=cleared).update(rfm_code="", rfm_segment="")
        rows = [
            Contact(pk=pk, rfm_code=scores[pk][0], rfm_segment=scores[pk][1])
            for pk in contacts.filter(pk__in=list(scores)).values_list("pk", flat=True)
        ]
        update_rows(Contact, rows, ["rfm_code", "rfm_segment"])
        touched = cleared + [c.pk for c in rows]
        feed.publish(workspace.pk, source="people.rfm", contact_ids=touched)
    return len(rows)
