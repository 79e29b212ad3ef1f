"""Orders, their lines and the product catalogue, written in bulk by ingestion and import.

Amounts from events are bounded by ``MAX_AMOUNT``: what a product's price and an order
line's unit price (12 digits, 2 after the point) hold, and a hundredth of what an
order's total and a contact's revenue (14, 2) hold, so a contact's revenue holds at
least a hundred of the largest orders. ``check_storable`` refuses what would still
overflow a column (a contact's revenue past its limit, an order's cost from the
catalogue), before anything is written.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from pacer.core.bulk import insert_returning_ids, insert_rows, lock_appends
from pacer.core.errors import FieldError, parse_amount
from pacer.core.models import Workspace
from pacer.people.models import Contact, LifecycleStage, Location, Order, OrderLine, Product

MAX_AMOUNT = Decimal("9999999999.99")
MAX_QUANTITY = 1_000_000


def column_limit(model, name: str) -> Decimal:
    """The largest value a ``DecimalField`` holds (999.99 for 5 digits, 2 places)."""
    column = model._meta.get_field(name)
    places = Decimal(10) ** -column.decimal_places
    return Decimal(10) ** (column.max_digits - column.decimal_places) - places


def money(value, field_name: str) -> Decimal:
    """An event's amount: from 0 to ``MAX_AMOUNT``, rounded to cents, or ``FieldError``."""
    return parse_amount(value, field_name, maximum=MAX_AMOUNT)


@dataclass(slots=True)
class LineInput:
    sku: str
    name: str
    category: str
    quantity: int
    unit_price: Decimal


@dataclass(slots=True)
class OrderInput:
    external_id: str
    placed_at: datetime
    total: Decimal
    currency: str
    discount: Decimal
    location_code: str
    lines: list[LineInput] = field(default_factory=list)


def order_from_properties(properties: dict, placed_at: datetime, fallback_id: str) -> OrderInput:
    """Read Segment's "Order Completed" properties (ecommerce spec v2)."""
    external_id = str(properties.get("order_id") or properties.get("orderId") or fallback_id)
    products = properties.get("products") or []
    if not isinstance(products, list):
        raise FieldError("properties.products", "must be a list")
    lines = []
    for index, item in enumerate(products):
        where = f"properties.products[{index}]"
        if not isinstance(item, dict):
            raise FieldError(where, "must be an object")
        sku = str(item.get("sku") or item.get("product_id") or "").strip()
        if not sku:
            raise FieldError(f"{where}.sku", "sku or product_id is required")
        quantity = item.get("quantity", 1)
        if (
            isinstance(quantity, bool)
            or not isinstance(quantity, int)
            or not 1 <= quantity <= MAX_QUANTITY
        ):
            raise FieldError(
                f"{where}.quantity", f"must be a whole number from 1 to {MAX_QUANTITY:,}"
            )
        lines.append(
            LineInput(
                sku=sku[:100],
                name=str(item.get("name") or "")[:200],
                category=str(item.get("category") or "")[:100],
                quantity=quantity,
                unit_price=money(item.get("price", 0), f"{where}.price"),
            )
        )
    raw_total = properties.get("total", properties.get("revenue"))
    if raw_total is None:
        total = sum((line.unit_price * line.quantity for line in lines), Decimal("0.00"))
        if total > MAX_AMOUNT:
            raise FieldError("properties.products", f"add up to more than {MAX_AMOUNT:,}")
    else:
        total = money(raw_total, "properties.total")
    return OrderInput(
        external_id=external_id[:100],
        placed_at=placed_at,
        total=total,
        currency=str(properties.get("currency") or "USD").upper()[:3],
        discount=money(properties.get("discount") or 0, "properties.discount"),
        location_code=str(properties.get("location") or "")[:40],
        lines=lines,
    )


class OrderWriter:
    """Collects orders for one batch; ``flush`` creates products, orders and lines."""

    def __init__(self, workspace: Workspace, external_ids: set[str], skus: set[str]):
        self.workspace = workspace
        self.existing_ids = (
            set(
                Order.objects.filter(workspace=workspace, external_id__in=external_ids).values_list(
                    "external_id", flat=True
                )
            )
            if external_ids
            else set()
        )
        self.products = (
            {p.sku: p for p in Product.objects.filter(workspace=workspace, sku__in=skus)}
            if skus
            else {}
        )
        self.locations = {loc.code: loc for loc in Location.objects.filter(workspace=workspace)}
        self.pending: list[tuple[Order, list[LineInput], Contact]] = []

    def location(self, code: str) -> Location | None:
        return self.locations.get(code) if code else None

    def add(self, order: OrderInput, contact: Contact) -> Order | None:
        """Queue an order; ``None`` when its external id was already recorded."""
        if order.external_id in self.existing_ids:
            return None
        self.existing_ids.add(order.external_id)
        cost = Decimal("0.00")
        for line in order.lines:
            product = self.products.get(line.sku)
            if product is None:
                product = Product(
                    workspace=self.workspace,
                    sku=line.sku,
                    name=line.name,
                    category=line.category,
                    price=line.unit_price,
                )
                self.products[line.sku] = product
            cost += Decimal(product.unit_cost) * line.quantity
        location = self.location(order.location_code) or (
            contact.location if contact.location_id else None
        )
        row = Order(
            workspace=self.workspace,
            external_id=order.external_id,
            placed_at=order.placed_at,
            currency=order.currency,
            total=order.total,
            discount=order.discount,
            cost=cost,
            location=location,
        )
        self.pending.append((row, order.lines, contact))
        apply_order_to_contact(contact, row)
        return row

    def check_storable(self) -> None:
        """Raise ``FieldError`` if a queued order overflows a column (call before
        ``flush``: on SQLite such a value would be written, then fail every read)."""
        for row, _, _ in self.pending:
            for name, limit in ORDER_LIMITS.items():
                if getattr(row, name) > limit:
                    raise FieldError(
                        f"order.{name}",
                        f"order {row.external_id} would hold {getattr(row, name):,}; "
                        f"the most it holds is {limit:,}",
                    )

    def flush(self, canonical) -> None:
        """Write queued rows; ``canonical`` maps a contact to its surviving contact."""
        self.check_storable()
        insert_returning_ids(Product, [p for p in self.products.values() if p.pk is None])
        orders = []
        for row, _, contact in self.pending:
            row.contact = canonical(contact)
            orders.append(row)
        if orders:
            lock_appends(Order)
        insert_returning_ids(Order, orders)
        insert_rows(
            OrderLine,
            ["workspace", "order", "product", "sku", "quantity", "unit_price", "unit_cost"],
            [
                (
                    self.workspace.pk,
                    row.pk,
                    self.products[line.sku].pk,
                    line.sku,
                    line.quantity,
                    line.unit_price,
                    self.products[line.sku].unit_cost,
                )
                for row, line_inputs, _ in self.pending
                for line in line_inputs
            ],
        )


ORDER_LIMITS = {name: column_limit(Order, name) for name in ("total", "cost", "discount")}
REVENUE_LIMIT = column_limit(Contact, "revenue")


def check_contact_storable(contact: Contact) -> None:
    """Raise ``FieldError`` if the contact's revenue passed what its column holds."""
    if Decimal(contact.revenue) > REVENUE_LIMIT:
        raise FieldError(
            "contact.revenue",
            f"would reach {Decimal(contact.revenue):,}; the most a contact's revenue holds "
            f"is {REVENUE_LIMIT:,}",
        )


def apply_order_to_contact(contact: Contact, order: Order) -> None:
    """Keep a contact's order computed traits current."""
    contact.order_count += 1
    contact.revenue = Decimal(contact.revenue) + order.total
    if contact.last_order_at is None or order.placed_at > contact.last_order_at:
        contact.last_order_at = order.placed_at
    if contact.customer_at is None or order.placed_at < contact.customer_at:
        contact.customer_at = order.placed_at
    contact.lifecycle_stage = LifecycleStage.CUSTOMER
    if contact.location_id is None and order.location_id is not None:
        contact.location = order.location
