"""Reads for contacts and their history."""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum, TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Lower, NullIf

from pacer.core.bulk import fetch_in, fetch_values
from pacer.core.models import Workspace
from pacer.people.models import (
    Consent,
    Contact,
    Identity,
    IdentityKind,
    Location,
    Order,
    OrderLine,
    Product,
)
from pacer.people.resolution import normalise

CHUNK = 5000  # ids per IN (...) list, well under the databases' parameter limits


# A contact known by nothing a person could be reached or named by: the contacts list's
# "Anonymous visitor" rows, hidden from it by default.
ANONYMOUS = Q(email="", phone="", first_name="", last_name="")


def contacts(
    workspace: Workspace,
    *,
    search: str = "",
    stage: str = "",
    location: str = "",
    channel: str = "",
    has_email: str = "",
    consent: str = "",
    identified: str = "",
) -> QuerySet[Contact]:
    """Live (not merged-away) contacts of a workspace, newest first.

    ``search``: the start of an email, a first or last name, or a phone number as
    written, in any case (prefixes, so that an index answers at any number of contacts);
    ``location``: a location code; ``channel``: an acquisition channel key;
    ``has_email``: "yes" or "no"; ``consent``: "CHANNEL:granted" or "CHANNEL:withdrawn",
    the latest decision on that channel for any purpose (one granted is enough);
    ``identified``: "yes" for contacts with an email, a phone or a name, "no" for the
    anonymous rest (nothing but a device's or a user's id, ``ANONYMOUS``).
    """
    rows = Contact.objects.filter(workspace=workspace, merged_into__isnull=True)
    if identified in ("yes", "no"):
        rows = rows.exclude(ANONYMOUS) if identified == "yes" else rows.filter(ANONYMOUS)
    if search:
        rows = rows.filter(
            Q(email__istartswith=search)
            | Q(first_name__istartswith=search)
            | Q(last_name__istartswith=search)
            | Q(phone__istartswith=search)
        )
    if stage:
        rows = rows.filter(lifecycle_stage=stage)
    if location:
        rows = rows.filter(location__code=location)
    if channel:
        rows = rows.filter(acquisition_channel=channel)
    if has_email in ("yes", "no"):
        rows = rows.exclude(email="") if has_email == "yes" else rows.filter(email="")
    if consent:
        consent_channel, _, decision = consent.partition(":")
        granted = _granted_contacts(workspace, consent_channel)
        rows = (
            rows.filter(id__in=granted) if decision == "granted" else rows.exclude(id__in=granted)
        )
    return rows.select_related("location").order_by("-id")


def _granted_contacts(workspace: Workspace, channel: str) -> QuerySet:
    """Ids of contacts whose latest decision on ``channel`` (for some purpose) is a grant."""
    later = Consent.objects.filter(
        contact_id=OuterRef("contact_id"),
        channel=channel,
        purpose=OuterRef("purpose"),
    ).filter(
        Q(recorded_at__gt=OuterRef("recorded_at"))
        | Q(recorded_at=OuterRef("recorded_at"), id__gt=OuterRef("id"))
    )
    return (
        Consent.objects.filter(workspace=workspace, channel=channel, granted=True)
        .exclude(Exists(later))
        .values("contact_id")
    )


def contact(workspace: Workspace, contact_id: int) -> Contact | None:
    """A contact by id; a merged-away id leads to the contact it was merged into."""
    found = Contact.objects.filter(workspace=workspace, pk=contact_id).first()
    while found is not None and found.merged_into_id:
        found = Contact.objects.filter(workspace=workspace, pk=found.merged_into_id).first()
    return found


def contacts_by_ids(workspace: Workspace, contact_ids: Iterable[int]) -> dict[int, Contact]:
    """The contacts with these ids, keyed by the id asked for, in a few queries whatever
    their number (one per ``CHUNK`` ids, and one per step along merge chains); a
    merged-away id maps to the contact it was merged into, as ``contact`` does; unknown
    ids are absent."""
    wanted = sorted(set(contact_ids))
    found: dict[int, Contact] = {}
    for start in range(0, len(wanted), CHUNK):
        found |= Contact.objects.filter(
            workspace=workspace, pk__in=wanted[start : start + CHUNK]
        ).in_bulk()
    survivor = dict(found)
    while merged := {pk: row.merged_into_id for pk, row in survivor.items() if row.merged_into_id}:
        into = Contact.objects.filter(workspace=workspace, pk__in=set(merged.values())).in_bulk()
        survivor = {pk: into[target] for pk, target in merged.items() if target in into} | {
            pk: row for pk, row in survivor.items() if not row.merged_into_id
        }
    return survivor


def survivor_ids(workspace: Workspace, contact_ids: Iterable[int]) -> dict[int, int]:
    """The id of the contact each of these ids is now (itself, or the contact it was merged
    into, along merge chains), keyed by the id asked for; unknown ids are absent, as in
    ``contacts_by_ids``. Reads three integers a contact (its id, the contact it was merged
    into and where that one went), in one query per ``CHUNK`` ids, and again only for
    chains of more than two merges whose end it has not read yet."""
    survivor: dict[int, int] = {}
    found: dict[int, tuple[int | None, int | None]] = {}
    looking = {pk: pk for pk in set(contact_ids)}  # the id asked for -> the id to read
    while looking:
        wanted, onward = sorted(set(looking.values()) - found.keys()), {}
        for start in range(0, len(wanted), CHUNK):
            rows = Contact.objects.filter(
                workspace=workspace, pk__in=wanted[start : start + CHUNK]
            ).values_list("pk", "merged_into_id", "merged_into__merged_into_id")
            found |= {pk: (into, beyond) for pk, into, beyond in rows}
        for asked, at in looking.items():
            if at not in found:
                continue
            into, beyond = found[at]
            if beyond:
                onward[asked] = beyond
            else:
                survivor[asked] = into or at
        looking = onward
    return survivor


def identities(workspace: Workspace, contact_id: int) -> list[Identity]:
    """Every identifier of a contact, by kind then when it was first seen."""
    return list(
        Identity.objects.filter(workspace=workspace, contact_id=contact_id).order_by(
            "kind", "created_at", "id"
        )
    )


def consent_state(workspace: Workspace, contact_id: int) -> list[Consent]:
    """The latest decision per (channel, purpose), as recorded (source, wording, time),
    by channel and purpose."""
    latest: dict[tuple[str, str], Consent] = {}
    for row in Consent.objects.filter(workspace=workspace, contact_id=contact_id).order_by(
        "recorded_at", "id"
    ):
        latest[(row.channel, row.purpose)] = row
    return [latest[key] for key in sorted(latest)]


def orders_of(workspace: Workspace, contact_id: int) -> QuerySet[Order]:
    return Order.objects.filter(workspace=workspace, contact_id=contact_id).select_related(
        "location"
    )


def merged_contacts(workspace: Workspace, contact_id: int) -> list[Contact]:
    """The contacts merged into this one (directly or through another), oldest first."""
    return list(
        Contact.objects.filter(workspace=workspace, merged_into_id=contact_id).order_by("id")
    )


def locations_in_use(workspace: Workspace) -> list[tuple[str, str]]:
    """``(code, name)`` of the workspace's locations, by name."""
    return list(
        Location.objects.filter(workspace=workspace).order_by("name").values_list("code", "name")
    )


def current_consent(workspace: Workspace, contact_id: int) -> dict[tuple[str, str], bool]:
    """The latest decision per (channel, purpose)."""
    return latest_consents(workspace, [contact_id]).get(contact_id, {})


def locations(workspace: Workspace) -> list[Location]:
    return list(Location.objects.filter(workspace=workspace).order_by("name"))


def contacts_for_units(workspace: Workspace, unit_ids: list[str]) -> dict[str, int]:
    """The live contact id of each unit id that is a known user id or anonymous id
    (a user id wins when a value is both)."""
    found: dict[str, int] = {}
    for start in range(0, len(unit_ids), CHUNK):
        rows = Identity.objects.filter(
            workspace=workspace,
            kind__in=(IdentityKind.USER_ID, IdentityKind.ANONYMOUS_ID),
            value__in=unit_ids[start : start + CHUNK],
        ).values_list("value", "kind", "contact_id", "contact__merged_into_id")
        for value, kind, contact_id, merged_into in rows:
            if value not in found or kind == IdentityKind.USER_ID:
                found[value] = merged_into or contact_id
    return found


def order_totals(
    workspace: Workspace, contact_ids: list[int], since: datetime
) -> list[tuple[int, datetime, Decimal]]:
    """``(contact id, placed at, total)`` of the contacts' orders placed at or after
    ``since``."""
    rows: list[tuple[int, datetime, Decimal]] = []
    for start in range(0, len(contact_ids), CHUNK):
        rows += Order.objects.filter(
            workspace=workspace,
            contact_id__in=contact_ids[start : start + CHUNK],
            placed_at__gte=since,
        ).values_list("contact_id", "placed_at", "total")
    return rows


def orders_placed(
    workspace: Workspace, contact_ids: list[int], start: datetime, end: datetime
) -> list[tuple[int, int, datetime, Decimal, str]]:
    """``(order id, contact id, placed at, total, currency)`` of the contacts' orders
    placed from ``start`` to ``end`` (both included)."""
    rows: list[tuple[int, int, datetime, Decimal, str]] = []
    for first in range(0, len(contact_ids), CHUNK):
        rows += Order.objects.filter(
            workspace=workspace,
            contact_id__in=contact_ids[first : first + CHUNK],
            placed_at__gte=start,
            placed_at__lte=end,
        ).values_list("id", "contact_id", "placed_at", "total", "currency")
    return rows


def orders_in_other_currency(
    workspace: Workspace, order_ids: Iterable[int], currency: str
) -> set[int]:
    """The ids, among ``order_ids``, of the workspace's orders placed in another currency
    than ``currency`` (ids of no order of the workspace are left out)."""
    wanted, found = sorted(set(order_ids)), set()
    for start in range(0, len(wanted), CHUNK):
        orders = Order.objects.filter(workspace=workspace, pk__in=wanted[start : start + CHUNK])
        found.update(orders.exclude(currency=currency).values_list("id", flat=True))
    return found


def orders_after(
    workspace: Workspace, after_id: int, limit: int
) -> list[tuple[int, int, int | None, datetime]]:
    """``(order id, contact id, location id, placed at)`` of the workspace's orders with
    ids above ``after_id``, the first ``limit`` by id. Orders are appended in id order
    (``lock_appends``), so a reader keeping the last id it saw misses none."""
    return list(
        Order.objects.filter(workspace=workspace, id__gt=after_id)
        .order_by("id")
        .values_list("id", "contact_id", "location_id", "placed_at")[:limit]
    )


def last_order_id(workspace: Workspace) -> int:
    """The id of the workspace's latest order (0 without any)."""
    found = Order.objects.filter(workspace=workspace).order_by("-id").values_list("id", flat=True)
    return found.first() or 0


def location_zones(workspace: Workspace, location_ids: list[int]) -> dict[int, str]:
    """The time zone of each of these locations that has one of its own, by id (a location
    without one is absent: it keeps the workspace's zone)."""
    wanted, found = sorted({pk for pk in location_ids if pk is not None}), {}
    for start in range(0, len(wanted), CHUNK):
        found.update(
            Location.objects.filter(workspace=workspace, pk__in=wanted[start : start + CHUNK])
            .exclude(time_zone="")
            .values_list("pk", "time_zone")
        )
    return found


def locations_by_code(workspace: Workspace, codes: set[str] | list[str]) -> dict[str, Location]:
    """The workspace's locations with these codes, by code (unknown codes are absent; a
    code with a NUL character, which PostgreSQL cannot compare, is unknown)."""
    wanted = sorted({code for code in codes if code and "\x00" not in code})
    found: dict[str, Location] = {}
    for start in range(0, len(wanted), CHUNK):
        for location in Location.objects.filter(
            workspace=workspace, code__in=wanted[start : start + CHUNK]
        ):
            found[location.code] = location
    return found


def recipients(
    workspace: Workspace, contact_ids: list[int] | None = None, *, reached_by: str = "email"
) -> list[dict]:
    """Live (not merged-away) contacts with an email (``reached_by="phone"``: a phone
    number), as plain fields for messaging: all of the workspace's, or those of
    ``contact_ids``; by id. ``time_zone`` is the ``timezone`` trait as text (None when
    not set), ``country`` the ``country`` trait."""
    if reached_by not in ("email", "phone"):
        raise ValueError(f"reached_by must be email or phone, not {reached_by!r}")
    rows = Contact.objects.filter(workspace=workspace, merged_into__isnull=True)
    rows = rows.exclude(**{reached_by: ""})
    fields = ("id", "email", "first_name", "last_name", "phone", "lifecycle_stage")
    zone = {"time_zone": KT("traits__timezone"), "country": KT("traits__country")}
    if contact_ids is None:
        return list(rows.order_by("id").values(*fields, **zone))
    wanted, found = sorted(set(contact_ids)), []
    for start in range(0, len(wanted), CHUNK):
        found += rows.filter(pk__in=wanted[start : start + CHUNK]).values(*fields, **zone)
    return found


def granted(workspace: Workspace, channel: str, purpose: str, contact_ids: list[int]) -> set[int]:
    """Of ``contact_ids``, those whose latest decision on (channel, purpose) is a grant."""
    return {
        contact_id
        for contact_id, decisions in latest_consents(workspace, contact_ids).items()
        if decisions.get((channel, purpose))
    }


# Reads for segments (pacer.segments): the facts its conditions test, for the warehouse
# tables it declares and for evaluating a few contacts in the operational store.

# A contact's own fields that segment conditions compare, by kind.
TEXT_FIELDS = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "lifecycle_stage",
    "acquisition_channel",
    "acquisition_source",
    "acquisition_medium",
    "acquisition_campaign",
)
NUMBER_FIELDS = ("order_count", "revenue", "predicted_clv", "p_alive", "expected_purchases_90d")
TIME_FIELDS = (
    "created_at",
    "first_seen_at",
    "last_seen_at",
    "lead_at",
    "customer_at",
    "last_order_at",
)
# The RFM scores ("543": recency, frequency, monetary) and the segment they fall in.
RFM_FIELDS = ("rfm_code", "rfm_segment")
PROFILE_FIELDS = TEXT_FIELDS + NUMBER_FIELDS + TIME_FIELDS + RFM_FIELDS


def profile_rows() -> QuerySet:
    """Every contact as ``(id, workspace_id, canonical_id, location_code, traits as JSON
    text, *PROFILE_FIELDS)`` (a ``values_list`` for a warehouse table)."""
    return Contact.objects.annotate(
        canonical_id=Coalesce("merged_into_id", "id"),
        location_code=Coalesce("location__code", Value("")),
        traits_json=Cast("traits", TextField()),
    ).values_list(
        "id", "workspace_id", "canonical_id", "location_code", "traits_json", *PROFILE_FIELDS
    )


def consent_rows() -> QuerySet:
    """Every consent decision as ``(id, workspace_id, contact_id, channel, purpose,
    granted, recorded_at)``."""
    return Consent.objects.values_list(
        "id", "workspace_id", "contact_id", "channel", "purpose", "granted", "recorded_at"
    )


def order_line_rows() -> QuerySet:
    """Every order line as ``(id, workspace_id, order_id, sku)`` (the product's SKU when
    the line names none)."""
    return OrderLine.objects.annotate(
        line_sku=Coalesce(NullIf("sku", Value("")), "product__sku", Value(""))
    ).values_list("id", "workspace_id", "order_id", "line_sku")


def profiles(workspace: Workspace, contact_ids: list[int]) -> list[dict]:
    """The live contacts among ``contact_ids`` as dicts: ``id``, ``location_code``,
    ``traits`` and ``PROFILE_FIELDS`` (read through the driver: the change feed's
    subscribers ask this for a few contacts per delivery)."""
    columns = ["id", "traits", *PROFILE_FIELDS]
    rows = fetch_values(
        Contact,
        [*columns, "location"],
        {"workspace": workspace.pk, "merged_into": None},
        "id",
        contact_ids,
        per_query=CHUNK,
    )
    located = sorted({row[-1] for row in rows if row[-1] is not None})
    codes = dict(fetch_in(Location, ["id", "code"], {}, "id", located)) if located else {}
    return [
        {**dict(zip(columns, row[:-1], strict=True)), "location_code": codes.get(row[-1], "")}
        for row in rows
    ]


def latest_consents(workspace: Workspace, contact_ids: list[int]) -> dict[int, dict]:
    """contact id -> {(channel, purpose): granted} by the latest decision of each (by
    recorded time, then id)."""
    rows = fetch_values(
        Consent,
        ["recorded_at", "id", "contact", "channel", "purpose", "granted"],
        {"workspace": workspace.pk},
        "contact",
        contact_ids,
        per_query=CHUNK,
    )
    latest: dict[int, dict] = {}
    for _, _, contact_id, channel, purpose, granted in sorted(rows):
        latest.setdefault(contact_id, {})[(channel, purpose)] = granted
    return latest


def orders_with_skus(workspace: Workspace, contact_ids: list[int]) -> list[tuple]:
    """``(contact id, placed at, total, set of SKUs)`` of the contacts' orders (a line's
    SKU is its own, else its product's)."""
    orders = {
        order_id: (contact_id, placed_at, total, set())
        for order_id, contact_id, placed_at, total in fetch_values(
            Order,
            ["id", "contact", "placed_at", "total"],
            {"workspace": workspace.pk},
            "contact",
            contact_ids,
            per_query=CHUNK,
        )
    }
    if not orders:
        return []
    lines = fetch_in(
        OrderLine, ["order", "sku", "product"], {"workspace": workspace.pk}, "order", list(orders)
    )
    unnamed = sorted({product for _, sku, product in lines if not sku and product is not None})
    product_skus = dict(fetch_in(Product, ["id", "sku"], {}, "id", unnamed)) if unnamed else {}
    for order_id, sku, product in lines:
        orders[order_id][3].add(sku or product_skus.get(product) or "")
    return list(orders.values())


def contacts_by_email(workspace: Workspace, emails: list[str]) -> dict[str, int]:
    """Live contact id by email, compared in lower case (unknown emails are absent; the
    lowest id wins when two contacts share one; an email with a NUL character, which
    PostgreSQL cannot compare, is unknown)."""
    wanted = sorted({e.lower() for e in emails if e and "\x00" not in e})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = (
            Contact.objects.filter(workspace=workspace, merged_into__isnull=True)
            .annotate(lower_email=Lower("email"))
            .filter(lower_email__in=wanted[start : start + CHUNK])
            .order_by("-id")
            .values_list("lower_email", "id")
        )
        found.update(rows)
    return found


def contact_by_phone(workspace: Workspace, phone: str) -> int | None:
    """The live contact whose phone identity is ``phone`` (compared as stored:
    ``pacer.people.resolution.normalise``), the lowest id when several share it; None
    when no contact has it."""
    value = normalise(IdentityKind.PHONE, phone) if isinstance(phone, str) else ""
    if not value:
        return None
    rows = Identity.objects.filter(
        workspace=workspace, kind=IdentityKind.PHONE, value=value
    ).values_list("contact_id", "contact__merged_into_id")
    live = sorted(merged_into or contact_id for contact_id, merged_into in rows)
    return live[0] if live else None


def contacts_by_user_id(workspace: Workspace, user_ids: list[str]) -> dict[str, int]:
    """Live contact id by user id (external id)."""
    wanted = sorted({u for u in user_ids if u})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = Identity.objects.filter(
            workspace=workspace, kind=IdentityKind.USER_ID, value__in=wanted[start : start + CHUNK]
        ).values_list("value", "contact_id", "contact__merged_into_id")
        for value, contact_id, merged_into in rows:
            found[value] = merged_into or contact_id
    return found


def live_contact_ids(workspace: Workspace, contact_ids: list[int]) -> list[int]:
    """Those of ``contact_ids`` that are live contacts of the workspace, in order."""
    found: set[int] = set()
    for start in range(0, len(contact_ids), CHUNK):
        found.update(
            Contact.objects.filter(
                workspace=workspace,
                id__in=contact_ids[start : start + CHUNK],
                merged_into__isnull=True,
            ).values_list("id", flat=True)
        )
    return sorted(found)


def contact_summaries(workspace: Workspace, contact_ids: list[int]) -> dict[int, dict]:
    """id -> {id, email, first_name, last_name, lifecycle_stage, location name} of the
    contacts (live or not), for lists of members."""
    found: dict[int, dict] = {}
    for start in range(0, len(contact_ids), CHUNK):
        for row in Contact.objects.filter(
            workspace=workspace, id__in=contact_ids[start : start + CHUNK]
        ).values(
            "id",
            "email",
            "first_name",
            "last_name",
            "lifecycle_stage",
            location_name=Coalesce("location__name", Value("")),
        ):
            found[row["id"]] = row
    return found


def clv_by_acquisition_campaign(
    workspace: Workspace, first_seen_from: datetime | None = None, first_seen_before=None
) -> dict[str, tuple[int, float]]:
    """``{acquisition campaign: (customers, sum of predicted CLV)}`` over the live
    contacts with a predicted CLV (written by the CLV analysis), first seen in
    ``[first_seen_from, first_seen_before)`` when given."""
    found = Contact.objects.filter(
        workspace=workspace, merged_into__isnull=True, predicted_clv__isnull=False
    ).exclude(acquisition_campaign="")
    if first_seen_from is not None:
        found = found.filter(first_seen_at__gte=first_seen_from)
    if first_seen_before is not None:
        found = found.filter(first_seen_at__lt=first_seen_before)
    rows = found.values("acquisition_campaign").annotate(n=Count("id"), clv=Sum("predicted_clv"))
    return {row["acquisition_campaign"]: (row["n"], row["clv"]) for row in rows.order_by()}


def predictions_summary(workspace: Workspace) -> tuple[int, float]:
    """``(contacts, sum of predicted CLV)`` over the live contacts that carry a prediction
    (written by the last CLV fit)."""
    found = Contact.objects.filter(
        workspace=workspace, merged_into__isnull=True, predicted_clv__isnull=False
    ).aggregate(n=Count("id"), clv=Sum("predicted_clv"))
    return found["n"], found["clv"] or 0.0
