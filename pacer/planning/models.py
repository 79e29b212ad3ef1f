"""Campaigns and spend; the plan tree, its budget lines and transfers; vendors, purchase
orders and invoices."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce

from pacer.core.models import Workspace


class Campaign(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    key = models.CharField(max_length=200, help_text="the utm_campaign value that identifies it")
    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=40)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    landing_url = models.CharField(
        max_length=2000, blank=True, default="", help_text="where its links lead"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="campaign_key")]


class SpendEntry(models.Model):
    """Actual spend on one day for a channel, optionally a campaign and a location.

    Pages, uploads and the REST API keep one entry per natural key (day, channel,
    campaign, location); lines the REST API appended before it did may repeat a key.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    day = models.DateField()
    channel = models.CharField(max_length=40)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL)
    location = models.ForeignKey(
        "people.Location", null=True, blank=True, on_delete=models.SET_NULL
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        indexes = [
            # each filter of the spend list with its date range, and the totals over a
            # date range read from an index alone
            models.Index(fields=["workspace", "day", "channel", "amount"], name="spend_day_totals"),
            models.Index(fields=["workspace", "channel", "day"], name="spend_channel_day"),
            models.Index(fields=["workspace", "campaign", "day"], name="spend_campaign_day"),
            models.Index(fields=["workspace", "location", "day"], name="spend_location_day"),
        ]


class SpendUpload(models.Model):
    """A CSV file of spend rows, kept from its preview until it is recorded."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    filename = models.CharField(max_length=200)
    content = models.TextField()
    # the channel of rows without a channel column (an ad platform's export is all one)
    channel = models.CharField(max_length=40, blank=True, default="")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_rows = models.IntegerField(default=0)
    replaced_entries = models.IntegerField(default=0)


class SpendDay(models.Model):
    """The spend of a workspace on one day through one channel: the sum (in cents, exact on
    every database) and count of its lines, kept by every action that writes lines
    (``pacer.planning.totals``), so the spend list's totals over any range read days, not
    lines."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    day = models.DateField()
    channel = models.CharField(max_length=40)
    cents = models.BigIntegerField()
    lines = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "day", "channel"], name="spend_day_key")
        ]


class PlanNode(models.Model):
    """One node of the plan tree: a plan, a program inside it, a campaign inside that,
    and so on to any depth. Budget lines hang on nodes; a node's figures roll up its
    subtree's lines (``pacer.planning.rollups``)."""

    class Kind(models.TextChoices):
        PLAN = "plan", "Plan"
        PROGRAM = "program", "Program"
        CAMPAIGN = "campaign", "Campaign"
        TACTIC = "tactic", "Tactic"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    fiscal_year = models.IntegerField()
    period = models.CharField(max_length=20, blank=True, default="", help_text="Q1, H2, …")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # a pacer.teams Team (by id: domains meet through selectors, never each other's
    # tables); checked by ``plan_actions.check_node``
    team_id = models.BigIntegerField(null=True, blank=True)
    channels = models.JSONField(default=list)
    locations = models.JSONField(default=list, help_text="location codes")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    objective = models.TextField(blank=True, default="")
    target_kpis = models.JSONField(default=dict, help_text="KPI name -> target")
    campaign = models.OneToOneField(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_node"
    )
    # the envelope allocated to this node from above, in the workspace currency
    allocation = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "parent"], name="plan_node_parent"),
            models.Index(fields=["workspace", "team_id"], name="plan_node_team"),
        ]


class PlanningSettings(models.Model):
    """A workspace's planning rules."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE)
    # transfers of more than this (workspace currency) wait for an approver
    approval_threshold = models.DecimalField(max_digits=14, decimal_places=2, default=10000)
    # variance alerts (``pacer.planning.alerts``), as shares of a line's planned amount:
    # spent, invoiced or committed more than planned × (1 + overspend_tolerance); a
    # finished month that spent less than planned × underspend_below; spend during the
    # month more than pacing_tolerance away from the plan for the days gone by
    overspend_tolerance = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    underspend_below = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.9"))
    pacing_tolerance = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.2"))


class FxRate(models.Model):
    """How many units of the workspace currency one unit of ``currency`` was worth from
    ``day`` on (until the next rate)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    currency = models.CharField(max_length=3)
    day = models.DateField()
    rate = models.DecimalField(max_digits=18, decimal_places=8)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "currency", "day"], name="fx_rate_key")
        ]


class BudgetLine(models.Model):
    """Money planned for one month × node × channel × team × location, in its own
    currency and (converted at the rate of the month's first day) the workspace's."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    node = models.ForeignKey(PlanNode, on_delete=models.PROTECT, related_name="lines")
    month = models.DateField(help_text="the first day of the month")
    channel = models.CharField(max_length=40)
    # a pacer.teams Team (by id, as ``PlanNode.team_id``); none: the node's team counts
    team_id = models.BigIntegerField(null=True, blank=True)
    location = models.CharField(max_length=40, blank=True, default="", help_text="a code")
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    fx_rate = models.DecimalField(max_digits=18, decimal_places=8)
    amount_base = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            # one line per key; no team (NULL) counts as one value, not as distinct ones
            models.UniqueConstraint(
                F("workspace"),
                F("node"),
                F("month"),
                F("channel"),
                Coalesce("team_id", 0),
                F("location"),
                name="budget_line_key",
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "month"], name="budget_line_month"),
            models.Index(fields=["workspace", "team_id"], name="budget_line_team"),
            # the line a spend sum goes to (``report``, ``summary``: the lowest id of a
            # node, month, channel and location): one seek, where the key's index (its
            # team in the middle) left SQLite reading every line of the month
            models.Index(
                fields=["workspace", "node", "month", "channel", "location"],
                name="budget_line_match",
            ),
        ]


class BudgetTransfer(models.Model):
    """Money moved from one budget line to another (workspace currency). Above the
    workspace's threshold it waits for an approver; it moves money when applied."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    source = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="transfers_out")
    target = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="transfers_in")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=Status.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)


class Vendor(models.Model):
    """An agency or vendor the workspace buys from."""

    class Kind(models.TextChoices):
        AGENCY = "agency", "Agency"
        VENDOR = "vendor", "Vendor"
        PLATFORM = "platform", "Ad platform"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    contract = models.CharField(max_length=200, blank=True, default="", help_text="reference")
    contract_starts = models.DateField(null=True, blank=True)
    contract_ends = models.DateField(null=True, blank=True)
    rates = models.TextField(blank=True, default="")
    scope = models.TextField(blank=True, default="")
    contact_name = models.CharField(max_length=200, blank=True, default="")
    contact_email = models.CharField(max_length=254, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="vendor_name")]


class PurchaseOrder(models.Model):
    """Money committed to a vendor against a budget line."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    number = models.CharField(max_length=60)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="orders")
    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="orders")
    issued_on = models.DateField()
    description = models.CharField(max_length=500, blank=True, default="")
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    amount_base = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "number"], name="po_number")]


class Invoice(models.Model):
    """A vendor's invoice against a purchase order, in the order's currency. One that
    takes the order over its amount is refused unless accepted with a reason (then
    ``flagged``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=60)
    invoiced_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    amount_base = models.DecimalField(max_digits=14, decimal_places=2)
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "order", "number"], name="invoice_number")
        ]


class ClosedMonth(models.Model):
    """A month whose figures are final: budget lines, spend, orders, invoices and
    transfers dated in it are refused until an admin reopens it (``close_actions``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    month = models.DateField(help_text="the first day of the month")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    closed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "month"], name="closed_month_key")
        ]


class VarianceAlert(models.Model):
    """An overspend, underspend or pacing alert on a budget line for its month, raised
    once (the unique key) and sent to the owner of the line's node (or its nearest
    owned ancestor) when raised."""

    class Kind(models.TextChoices):
        OVERSPEND = "overspend", "Overspend"
        UNDERSPEND = "underspend", "Underspend"
        PACING = "pacing", "Pacing"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="alerts")
    node = models.ForeignKey(PlanNode, on_delete=models.CASCADE, related_name="alerts")
    month = models.DateField(help_text="the period: the line's month")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    raised_on = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line", "month", "kind"], name="variance_alert_once")
        ]
        indexes = [models.Index(fields=["workspace", "node"], name="variance_alert_node")]


class NodeMonth(models.Model):
    """A plan node's own money in one month, in cents of the workspace currency: its
    lines' planned amounts, what orders on them commit and invoice, and the spend of its
    campaign matched to them (``actual``) or not (``unplanned``). Kept by every action
    that changes any of these, in its own transaction (``pacer.planning.summary``), so
    the plan tree reads nodes × months, not lines."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    node = models.ForeignKey(PlanNode, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="the first day of the month")
    planned = models.BigIntegerField(default=0)
    committed = models.BigIntegerField(default=0)
    invoiced = models.BigIntegerField(default=0)
    actual = models.BigIntegerField(default=0)
    unplanned = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "node", "month"], name="node_month_key")
        ]


class PlanFact(models.Model):
    """The plan's money in one month under one node, channel, team, location and vendor
    key, in cents of the workspace currency (``pacer.planning.facts`` says which amount
    goes where). Kept with ``NodeMonth`` by ``pacer.planning.summary``, so the report
    grouped by channel, team, location or vendor reads these rows, not the lines."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    node = models.ForeignKey(PlanNode, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="the first day of the month")
    channel = models.CharField(max_length=40)
    # the team the money counts for (a pacer.teams Team id): the line's own, else its
    # node's (inherited), resolved when the row is written; none: no team
    team_id = models.BigIntegerField(null=True, blank=True)
    location = models.CharField(max_length=40, blank=True, default="")
    vendor = models.CharField(max_length=24, help_text="a vendor's id, several or none")
    planned = models.BigIntegerField(default=0)
    committed = models.BigIntegerField(default=0)
    invoiced = models.BigIntegerField(default=0)
    actual = models.BigIntegerField(default=0)
    fiscal_year = models.IntegerField(default=0, help_text="the node's, when written")

    class Meta:
        indexes = [
            # the refresh's deletes by node and month, and every report read from the
            # index alone (on SQLite, no lookup of the table's row per fact)
            models.Index(
                fields=[
                    "workspace",
                    "node",
                    "month",
                    "channel",
                    "team_id",
                    "location",
                    "vendor",
                    "planned",
                    "committed",
                    "invoiced",
                    "actual",
                    "fiscal_year",
                ],
                name="plan_fact_node",
            )
        ]


class PlanSum(models.Model):
    """The plan's money in one fiscal year and month under one channel, team, location
    and vendor key, summed over the nodes, in cents of the workspace currency: the
    ``PlanFact`` rows grouped without their node. ``pacer.planning.summary`` keeps it by
    adding what a refresh changes in the facts, so the report grouped by anything but
    plan node reads thousands of rows, not one per line."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    fiscal_year = models.IntegerField()
    month = models.DateField(help_text="the first day of the month")
    channel = models.CharField(max_length=40)
    team_id = models.BigIntegerField(default=0, help_text="a pacer.teams Team id; 0: none")
    location = models.CharField(max_length=40, blank=True, default="")
    vendor = models.CharField(max_length=24, help_text="a vendor's id, several or none")
    planned = models.BigIntegerField(default=0)
    committed = models.BigIntegerField(default=0)
    invoiced = models.BigIntegerField(default=0)
    actual = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # the key the refresh adds to (INSERT ... ON CONFLICT); no NULL in it
            models.UniqueConstraint(
                fields=[
                    "workspace",
                    "fiscal_year",
                    "month",
                    "channel",
                    "team_id",
                    "location",
                    "vendor",
                ],
                name="plan_sum_key",
            )
        ]


class NodeSum(models.Model):
    """A node's money under one channel, team, location and vendor key over all its
    months, in cents of the workspace currency: the ``PlanFact`` rows grouped without
    their month (a node has one fiscal year, kept with them). ``pacer.planning.summary``
    keeps it by adding what a refresh changes in the facts, as ``PlanSum``, so the report
    by plan node and channel, team, location or vendor reads about a twelfth of the
    facts."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    node = models.ForeignKey(PlanNode, on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.IntegerField()
    channel = models.CharField(max_length=40)
    team_id = models.BigIntegerField(default=0, help_text="a pacer.teams Team id; 0: none")
    location = models.CharField(max_length=40, blank=True, default="")
    vendor = models.CharField(max_length=24, help_text="a vendor's id, several or none")
    planned = models.BigIntegerField(default=0)
    committed = models.BigIntegerField(default=0)
    invoiced = models.BigIntegerField(default=0)
    actual = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # the key the refresh adds to (INSERT ... ON CONFLICT); no NULL in it
            models.UniqueConstraint(
                fields=[
                    "workspace",
                    "node",
                    "fiscal_year",
                    "channel",
                    "team_id",
                    "location",
                    "vendor",
                ],
                name="node_sum_key",
            )
        ]
        indexes = [
            # a team's money per node (the team-scoped plan tree, ``rollups.team_figures``)
            # read from the index alone: the team's rows only, in node order
            models.Index(
                fields=[
                    "workspace",
                    "team_id",
                    "node",
                    "planned",
                    "committed",
                    "invoiced",
                    "actual",
                ],
                name="node_sum_team",
            )
        ]
