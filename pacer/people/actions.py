"""Writes for the people domain that are not ingestion: locations, products, predictions."""

import math

from django.db import transaction

from pacer.core import audit, feed
from pacer.core.bulk import update_rows
from pacer.core.errors import FieldError, ValidationFailed, parse_amount
from pacer.core.models import Workspace
from pacer.people.models import Contact, Location, Product


@transaction.atomic
def upsert_locations(workspace: Workspace, rows: list[dict], *, actor=None) -> list[Location]:
    """Create or rename locations by ``code``; every row is checked before any is written."""
    errors = {}
    for index, row in enumerate(rows):
        if not str(row.get("code") or "").strip():
            errors[f"rows[{index}].code"] = "must not be empty"
        if not str(row.get("name") or "").strip():
            errors[f"rows[{index}].name"] = "must not be empty"
    if errors:
        raise ValidationFailed(errors)
    existing = {loc.code: loc for loc in Location.objects.filter(workspace=workspace)}
    result = []
    for row in rows:
        location = existing.get(row["code"]) or Location(workspace=workspace, code=row["code"])
        location.name, location.city = row["name"], row.get("city", "")
        location.save()
        result.append(location)
    audit.record(workspace, "locations.upsert", workspace, actor=actor, after={"rows": len(rows)})
    return result


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
