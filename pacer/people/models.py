"""Contacts, accounts, identities, consent, orders, products and locations."""

from django.db import models

from pacer.core.models import Workspace
from pacer.people.kinds import IdentityKind, LifecycleStage

# The contacts list's sortable columns with an index each, (workspace, column, id): the
# first page of any sort, and each next page (keyset), is read in index order instead of
# sorting every contact of the workspace. Each index costs every contact write a little,
# so text columns with a filter (stage, channel, campaign) or made from other columns
# (name, location name) are not sortable (pacer.people.views).
SORTED_CONTACT_COLUMNS = (
    "email",
    "order_count",
    "revenue",
    "predicted_clv",
    "p_alive",
    "first_seen_at",
    "last_seen_at",
)


def _sort_index(column: str) -> models.Index:
    """(workspace, column, id) as SQLite makes it: NULLs first ascending, last descending,
    the list's order. PostgreSQL's copy says NULLS FIRST (migration people 0006)."""
    return models.Index(fields=["workspace", column, "id"], name=f"contact_sort_{column}"[:30])


class Location(models.Model):
    """A franchise, store or branch that contacts and orders belong to."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    # an IANA zone such as "Asia/Tokyo"; blank: the workspace's zone (messaging's settings)
    time_zone = models.CharField(max_length=60, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "code"], name="location_code")]


class Account(models.Model):
    """A company (B2B) a contact belongs to, created by Segment ``group`` calls."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    group_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)
    traits = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "group_id"], name="account_gid")
        ]


class Contact(models.Model):
    """A person. Merged contacts keep their row with ``merged_into`` set."""

    # indexed with the id (Meta.indexes), which serves every lookup by workspace
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, db_index=False)
    # indexed with the workspace and id (SORTED_CONTACT_COLUMNS)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    traits = models.JSONField(default=dict, blank=True)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )  # indexed with revenue (Meta.indexes)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )  # indexed where set (Meta.indexes)
    lifecycle_stage = models.CharField(max_length=20, choices=LifecycleStage.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Computed traits, kept current by ingestion and imports.
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    lead_at = models.DateTimeField(null=True, blank=True)
    customer_at = models.DateTimeField(null=True, blank=True)
    order_count = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    last_order_at = models.DateTimeField(null=True, blank=True)
    acquisition_channel = models.CharField(max_length=40, blank=True)
    acquisition_source = models.CharField(max_length=200, blank=True)
    acquisition_medium = models.CharField(max_length=100, blank=True)
    acquisition_campaign = models.CharField(max_length=200, blank=True)
    # Predictions written back by the CLV analysis (pacer.metrics.analysis.write_back_clv).
    predicted_clv = models.FloatField(null=True, blank=True)
    p_alive = models.FloatField(null=True, blank=True)
    expected_purchases_90d = models.FloatField(null=True, blank=True)
    # RFM scores (recency, frequency, monetary quintiles, "543") and the segment they fall
    # in, written back with the CLV predictions (pacer.analytics.rfm).
    rfm_code = models.CharField(max_length=3, blank=True)
    rfm_segment = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "id"]),
            # who was merged into a contact (its page's merge history); partial, since
            # nearly every contact has none and a full index makes planners scan instead
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="contact_merged_into",
            ),
            # a location's contacts by revenue (the list filtered and sorted so)
            models.Index(fields=["location", "revenue"], name="contact_location_revenue"),
            *(_sort_index(column) for column in SORTED_CONTACT_COLUMNS),
        ]
        # The contacts list's search (a prefix of email, names or phone, any case) is
        # served by expression indexes each database spells its own way: migration
        # people 0003.


class Identity(models.Model):
    """One identifier that resolves to exactly one contact in a workspace."""

    # leads the unique (workspace, kind, value) index, which serves lookups by workspace
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, db_index=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=20, choices=IdentityKind.choices)
    value = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "value"], name="identity_unique")
        ]


class Consent(models.Model):
    """A consent decision as given: append-only, the latest per channel and purpose wins."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=20)
    purpose = models.CharField(max_length=60)
    granted = models.BooleanField()
    source = models.CharField(max_length=100)
    wording = models.TextField(blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["contact", "channel", "purpose", "recorded_at"])]


class Product(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    sku = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=100, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "sku"], name="product_sku")]


class Order(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    external_id = models.CharField(max_length=100)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="orders")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    placed_at = models.DateTimeField()
    currency = models.CharField(max_length=3, default="USD")
    total = models.DecimalField(max_digits=14, decimal_places=2)
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    discount = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "external_id"], name="order_external_id")
        ]
        indexes = [models.Index(fields=["workspace", "id"])]


class OrderLine(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL)
    sku = models.CharField(max_length=100, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
