"""Reads for campaigns and spend."""

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    CharField,
    Count,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from pacer.core.models import Workspace
from pacer.people.selectors import locations_by_code
from pacer.planning import totals
from pacer.planning.models import Campaign, PlanNode, SpendEntry, SpendUpload
from pacer.web import formats

# A campaign's status, from its dates and the day asked about.
STATUSES = {
    "planned": "Planned",
    "live": "Live",
    "ended": "Ended",
}


def has_spend(workspace: Workspace) -> bool:
    return SpendEntry.objects.filter(workspace=workspace).exists()


def campaigns(workspace: Workspace) -> list[Campaign]:
    return list(Campaign.objects.filter(workspace=workspace).order_by("key"))


def campaign(workspace: Workspace, campaign_id: int) -> Campaign | None:
    return Campaign.objects.filter(workspace=workspace, pk=campaign_id).first()


def campaign_choices(workspace: Workspace) -> list[tuple[str, str]]:
    """``(key, "name (key)")`` of every campaign, by name."""
    rows = Campaign.objects.filter(workspace=workspace).order_by("name", "key")
    return [
        (key, name if name == key else f"{name} ({key})")
        for key, name in rows.values_list("key", "name")
    ]


def status_of(starts_on: date | None, ends_on: date | None, today: date) -> str:
    """``planned`` before its first day, ``ended`` after its last, else ``live``."""
    if starts_on and starts_on > today:
        return "planned"
    if ends_on and ends_on < today:
        return "ended"
    return "live"


def _status_filter(status: str, today: date) -> Q:
    if status == "planned":
        return Q(starts_on__gt=today)
    if status == "ended":
        return Q(ends_on__lt=today)
    return (Q(starts_on__isnull=True) | Q(starts_on__lte=today)) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )


def campaign_rows(
    workspace: Workspace,
    *,
    search: str = "",
    channel: str = "",
    status: str = "",
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> QuerySet[Campaign]:
    """Campaigns matching the filters (running on some day from ``start`` to ``end``,
    open dates counting as running), each with its ``status`` on ``today``."""
    rows = Campaign.objects.filter(workspace=workspace)
    if search:
        rows = rows.filter(Q(key__icontains=search) | Q(name__icontains=search))
    if channel:
        rows = rows.filter(channel=channel)
    if status:
        rows = rows.filter(_status_filter(status, today or date.today()))
    if end:
        rows = rows.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=end))
    if start:
        rows = rows.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
    today = today or date.today()
    status = Case(
        When(starts_on__gt=today, then=Value("planned")),
        When(ends_on__lt=today, then=Value("ended")),
        default=Value("live"),
        output_field=CharField(),
    )
    return rows.annotate(status=status)


def spend_rows(
    workspace: Workspace,
    *,
    start: date | None = None,
    end: date | None = None,
    channel: str = "",
    campaign: str = "",
    location: str = "",
    node_ids: set[int] | None = None,
) -> QuerySet[SpendEntry]:
    """Spend lines matching the filters (``campaign`` a key, ``location`` a code;
    ``node_ids``: only the spend of campaigns linked to those plan nodes)."""
    rows = SpendEntry.objects.filter(workspace=workspace)
    if node_ids is not None:
        rows = rows.filter(campaign__plan_node__in=sorted(node_ids))
    if start:
        rows = rows.filter(day__gte=start)
    if end:
        rows = rows.filter(day__lte=end)
    if channel:
        rows = rows.filter(channel=channel)
    # keys and codes resolved first: the lines are then found by their indexed ids
    if campaign:
        found = Campaign.objects.filter(workspace=workspace, key=campaign).first()
        rows = rows.filter(campaign=found) if found else rows.none()
    if location:
        found = locations_by_code(workspace, [location]).get(location)
        rows = rows.filter(location=found) if found else rows.none()
    return rows


def spend_totals(rows: QuerySet[SpendEntry], *, by_channel: bool = True) -> dict:
    """The lines' total amount and count, and (``by_channel``) the total per channel,
    largest first."""
    overall = rows.order_by().aggregate(amount=Sum("amount"), lines=Count("id"))
    if not by_channel:
        return {"amount": overall["amount"] or Decimal(0), "lines": overall["lines"]}
    channels = list(
        rows.order_by()
        .values("channel")
        .annotate(amount=Sum("amount"), lines=Count("id"))
        .order_by("-amount", "channel")
    )
    return {
        "amount": overall["amount"] or Decimal(0),
        "lines": overall["lines"],
        "by_channel": channels,
    }


def spend_list_totals(
    workspace: Workspace,
    rows: QuerySet[SpendEntry],
    *,
    start: date | None = None,
    end: date | None = None,
    channel: str = "",
    campaign: str = "",
    location: str = "",
    node_ids: set[int] | None = None,
) -> dict:
    """``spend_totals`` of the spend list's ``rows`` (``spend_rows`` under the same
    filters): read from the spend per day and channel (``SpendDay``) unless a campaign,
    location or plan nodes narrow the lines (then few enough to add up, by their
    indexes)."""
    if campaign or location or node_ids is not None:
        return spend_totals(rows)
    return totals.totals(workspace, start=start, end=end, channel=channel)


def spend_span(workspace: Workspace) -> tuple[date | None, date | None]:
    """The first and last day with spend."""
    rows = SpendEntry.objects.filter(workspace=workspace).values_list("day", flat=True)
    # two index lookups (one MIN and MAX query would scan every line on SQLite)
    return rows.order_by("day").first(), rows.order_by("-day").first()


def spend_entry(workspace: Workspace, entry_id: int) -> SpendEntry | None:
    return (
        SpendEntry.objects.filter(workspace=workspace, pk=entry_id)
        .select_related("campaign", "location")
        .first()
    )


def spend_upload(workspace: Workspace, upload_id: int) -> SpendUpload | None:
    return SpendUpload.objects.filter(workspace=workspace, pk=upload_id).first()


def earlier_upload_of(upload: SpendUpload) -> SpendUpload | None:
    """The last recorded upload of the same file, if any."""
    return (
        SpendUpload.objects.filter(
            workspace=upload.workspace, sha256=upload.sha256, recorded_at__isnull=False
        )
        .exclude(pk=upload.pk)
        .order_by("-recorded_at")
        .first()
    )


def spend(
    workspace: Workspace,
    start: date,
    end: date,
    *,
    channel: str = "",
    node_ids: set[int] | None = None,
) -> list[dict]:
    """Spend rows between two days (inclusive), oldest first, naming campaign and location
    (``node_ids``: only the spend of campaigns linked to those plan nodes)."""
    rows = spend_rows(workspace, start=start, end=end, channel=channel, node_ids=node_ids)
    return [
        {
            "day": day,
            "channel": ch,
            "campaign": campaign or "",
            "location": location or "",
            "amount": amount,
        }
        for day, ch, campaign, location, amount in rows.order_by("day", "id").values_list(
            "day", "channel", "campaign__key", "location__code", "amount"
        )
    ]


def campaign_by_key(workspace: Workspace, key: str) -> Campaign | None:
    return Campaign.objects.filter(workspace=workspace, key=key).first()


def campaign_search(workspace: Workspace, text: str, limit: int) -> list[Campaign]:
    """The first ``limit`` campaigns whose name or key holds ``text`` (case ignored), by
    name (a card's link picker)."""
    rows = Campaign.objects.filter(workspace=workspace)
    rows = rows.filter(Q(name__icontains=text) | Q(key__icontains=text))
    return list(rows.order_by("name", "key", "pk")[:limit])


def campaign_count(workspace: Workspace) -> int:
    return Campaign.objects.filter(workspace=workspace).count()


def spend_uploads(workspace: Workspace) -> QuerySet[SpendUpload]:
    return SpendUpload.objects.filter(workspace=workspace).select_related("uploaded_by")


def uploader_names(workspace: Workspace) -> dict[int, str]:
    """Who uploaded the workspace's spend files, by user id, named as pages name people."""
    uploads = SpendUpload.objects.filter(workspace=workspace, uploaded_by__isnull=False)
    users = get_user_model().objects.filter(pk__in=uploads.values("uploaded_by_id"))
    return {user.pk: formats.person(user) for user in users}


def linked_node(workspace: Workspace, campaign: Campaign) -> PlanNode | None:
    """The plan node ``campaign`` is linked to, if any."""
    return PlanNode.objects.filter(workspace=workspace, campaign=campaign).first()
