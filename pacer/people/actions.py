"""Writes for the people domain that are not ingestion: locations and products."""

from django.db import transaction

from pacer.core import audit
from pacer.core.errors import FieldError, ValidationFailed, parse_amount
from pacer.core.models import Workspace
from pacer.people.models import Location, Product


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
