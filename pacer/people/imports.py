"""Importing contacts and orders from rows (a CSV file's, once its columns are mapped).

All or nothing: every row is checked first, and if any is rejected nothing is written
and the report lists each rejected row with its field and reason. Contacts are deduped
on user id, email and phone (in that order of strength); orders already on record (by
``order_id``) are skipped, so importing the same rows twice changes nothing. What changed
is published on the change feed.
"""

import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from pacer.core import audit, feed
from pacer.core.bulk import adapt_value, insert_columns, insert_rows, update_rows
from pacer.core.errors import FieldError, ValidationFailed, parse_amount
from pacer.core.models import Workspace
from pacer.people.commerce import LineInput, OrderInput, OrderWriter
from pacer.people.models import Contact, Identity, IdentityKind, LifecycleStage, Location
from pacer.people.resolution import BatchResolver, normalise_phone
from pacer.privacy.selectors import suppressed

UPDATE_RULES = ("always", "if_not_empty", "if_existing_empty")
# plain strings (equal to the enum members): the driver binds them without adapting
USER_ID, EMAIL, PHONE = (
    k.value for k in (IdentityKind.USER_ID, IdentityKind.EMAIL, IdentityKind.PHONE)
)
STAGES = tuple(LifecycleStage.values)
# Plain ASCII addresses that Django's ``validate_email`` certainly accepts (a stricter
# pattern than its own); anything else is left to ``validate_email``.
PLAIN_EMAIL = re.compile(
    r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@"
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
    r"\.[a-z]{2,63}",
    re.ASCII | re.IGNORECASE,
)
CONTACT_FIELDS = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "user_id",
    "location",
    "lifecycle_stage",
)
# The contact fields an import sets on a contact it creates (with traits and location).
CREATED_FIELDS = ("email", "phone", "first_name", "last_name", "lifecycle_stage")
ORDER_FIELDS = (
    "order_id",
    "email",
    "user_id",
    "placed_at",
    "total",
    "sku",
    "quantity",
    "unit_price",
    "location",
    "currency",
)


@dataclass
class ImportReport:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    suppressed: int = 0  # rows (contacts) or orders of erased people, left out
    merged: int = 0  # contacts on record merged into another by the import
    rejected: list[dict] = field(default_factory=list)  # {"row": n, "field": f, "reason": r}

    @property
    def ok(self) -> bool:
        return not self.rejected


# ``progress(phase, rows_done, rows_total)``: "checking" as rows are checked (before
# anything is written), then "writing" once, as the one all-or-nothing transaction opens.
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 10_000


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def _apply(contact: Contact, name: str, value, rule: str) -> bool:
    """Set one field under the update rule; True when the contact changed."""
    current = contact.traits.get(name[6:]) if name.startswith("trait:") else getattr(contact, name)
    if rule == "if_not_empty" and value in ("", None):
        return False
    if rule == "if_existing_empty" and current not in ("", None):
        return False
    if current == value:
        return False
    if name.startswith("trait:"):
        contact.traits = {**contact.traits, name[6:]: value}
    else:
        setattr(contact, name, value)
    return True


def _fill(contact: Contact, values: dict) -> None:
    """Set every field of a contact the import creates (``_apply`` under "always")."""
    traits = {}
    for name, value in values.items():
        if name.startswith("trait:"):
            traits[name[6:]] = value
        else:
            setattr(contact, name, value)
    if traits:
        contact.traits = {**contact.traits, **traits}


def import_contacts(
    workspace: Workspace,
    rows: list[dict],
    *,
    update_rule: str = "if_not_empty",
    actor=None,
    progress: Progress = _no_progress,
) -> ImportReport:
    """Import contacts from rows keyed by ``CONTACT_FIELDS`` (and ``trait:<name>``); the
    first row is reported as row 2 (row 1 is a file's header)."""
    if update_rule not in UPDATE_RULES:
        raise ValidationFailed({"update_rule": f"must be one of {', '.join(UPDATE_RULES)}"})
    locations = _locations(workspace)
    report = ImportReport(total_rows=len(rows))
    checked = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        if number % PROGRESS_EVERY == 0:
            progress("checking", number - 2, len(rows))
        try:
            checked.append((number, _check_contact_row(row, locations)))
        except FieldError as error:
            report.rejected.append({"row": number, "field": error.field, "reason": error.reason})
    progress("checking", len(rows), len(rows))
    if report.rejected:
        return report
    progress("writing", len(rows), len(rows))
    with transaction.atomic():
        _write_contacts(workspace, checked, update_rule, report, actor)
    return report


def _locations(workspace: Workspace) -> dict:
    return {loc.code: loc for loc in Location.objects.filter(workspace=workspace)}


def _write_contacts(
    workspace: Workspace, checked: list, update_rule: str, report: ImportReport, actor
) -> None:
    checked = _without_erased(workspace, checked, lambda item: item[1][0], report)
    # each identifier: how many rows carry it
    keys = Counter(itertools.chain.from_iterable(keys_ for _, (keys_, _) in checked))
    resolver = BatchResolver(workspace, set(keys))
    now = datetime.now(UTC)
    # A row whose identifiers nobody holds and no other row carries is a new person
    # whatever the other rows say: written straight from its values, without resolving.
    taken = {key for key, rows in keys.items() if rows > 1}
    taken.update(resolver.owner)
    alone, shared = [], []
    for item in checked:
        if taken.isdisjoint(item[1][0]):
            alone.append(item[1])
        else:
            shared.append(item)
    alone_ids = _create_alone(workspace, alone, now)
    changed: dict[int, Contact] = {}
    first_rows: set[int] = set()
    for _, (keys_, values) in shared:
        contact = resolver.resolve(keys_)
        created = contact.pk is None
        # A contact this file creates takes its first row whole; later rows follow the rule.
        rule = "always" if created and id(contact) not in first_rows else update_rule
        first_rows.add(id(contact))
        dirty = False
        if created and rule == "always":
            _fill(contact, values)
        else:
            for name, value in values.items():
                dirty |= _apply(contact, name, value, rule)
        if contact.email and not contact.lead_at:
            contact.lead_at = now
            contact.lifecycle_stage = contact.lifecycle_stage or LifecycleStage.LEAD
        if not created and dirty:
            changed[contact.pk] = contact
    report.created = len(alone_ids) + len(resolver.new_contacts)
    report.updated = len(changed)
    report.merged = len(resolver.saved_merges)
    report.skipped = len(checked) - report.created - report.updated
    resolver.flush()
    update_rows(
        Contact,
        list(changed.values()),
        [
            "email",
            "phone",
            "first_name",
            "last_name",
            "traits",
            "location",
            "lifecycle_stage",
            "lead_at",
        ],
    )
    _publish(
        resolver,
        [*alone_ids, *(c.pk for c in resolver.new_contacts), *changed],
        "contacts.import",
    )
    audit.record(
        workspace,
        "contacts.import",
        workspace,
        actor=actor,
        after={"created": report.created, "updated": report.updated},
    )


def _create_alone(workspace: Workspace, rows: list[tuple], now: datetime) -> Sequence[int]:
    """Write a new contact and its identities per ``(keys, values)`` row, as resolving
    them would (``_fill``, then a contact with an email is a lead from ``now``), column
    by column, without building instances or a dict per row; the new ids."""
    values = [row_values for _, row_values in rows]
    named = dict.fromkeys(itertools.chain.from_iterable(values))  # every field, in order
    default = {name: Contact._meta.get_field(name).get_default() for name in CREATED_FIELDS}
    columns: dict[str, list] = {"workspace_id": [workspace.pk] * len(values)}
    for name in ("phone", "first_name", "last_name"):
        if name in named:
            columns[name] = [row.get(name, default[name]) for row in values]
    if "location" in named:
        columns["location_id"] = [
            location.pk if (location := row.get("location")) is not None else None for row in values
        ]
    traits = [name for name in named if name.startswith("trait:")]
    if traits:
        columns["traits"] = [
            {name[6:]: row[name] for name in traits if name in row} for row in values
        ]
    if "email" in named:
        emails = columns["email"] = [row.get("email", default["email"]) for row in values]
        columns["lead_at"] = [now if email else None for email in emails]
        lead, stage = LifecycleStage.LEAD.value, default["lifecycle_stage"]
        columns["lifecycle_stage"] = (
            [
                (row.get("lifecycle_stage") or lead) if email else row.get("lifecycle_stage", stage)
                for email, row in zip(emails, values, strict=True)
            ]
            if "lifecycle_stage" in named
            else [lead if email else stage for email in emails]
        )
    elif "lifecycle_stage" in named:
        columns["lifecycle_stage"] = [
            row.get("lifecycle_stage", default["lifecycle_stage"]) for row in values
        ]
    ids = insert_columns(Contact, columns)
    workspace_id, created_at = workspace.pk, adapt_value(Identity, "created_at", now)
    insert_rows(
        Identity,
        ["workspace", "contact", "kind", "value", "created_at"],
        [
            (workspace_id, contact_id, kind, value, created_at)
            for contact_id, (keys, _) in zip(ids, rows, strict=True)
            for kind, value in keys
        ],
        adapted=True,
    )
    return ids


def _check_contact_row(row: dict, locations: dict) -> tuple[list, dict]:
    """The row's identifiers (``(kind, value)``) and the contact fields it sets, or
    ``FieldError`` for its first problem. Runs once per row of a file: written for speed
    (the common row, an email, a phone and names, takes no other branch)."""
    values: dict = {}
    keys = []
    get = row.get
    user_id = get("user_id")
    if user_id:
        keys.append((USER_ID, user_id))
    email = get("email")
    if email:
        if not (len(email) <= 320 and PLAIN_EMAIL.fullmatch(email)):
            check_email(email)
        values["email"] = email = email.lower()
        keys.append((EMAIL, email))
    phone = get("phone")
    if phone:
        normal = normalise_phone(phone)
        if len(normal) - normal.startswith("+") < 6:
            raise FieldError("phone", f"'{phone}' is not a phone number")
        values["phone"] = normal
        keys.append((PHONE, normal))
    if not keys:
        raise FieldError("email", "the row has no identifier (email, user_id or phone)")
    name = get("first_name")
    if name is not None:
        values["first_name"] = name[:100]
    name = get("last_name")
    if name is not None:
        values["last_name"] = name[:100]
    location = get("location")
    if location:
        if location not in locations:
            raise FieldError("location", f"no location with code '{location}'")
        values["location"] = locations[location]
    stage = get("lifecycle_stage")
    if stage:
        if stage not in STAGES:
            raise FieldError("lifecycle_stage", f"must be one of {', '.join(STAGES)}")
        values["lifecycle_stage"] = stage
    if len(row) > len(values) + (user_id is not None):
        for name, value in row.items():
            if name.startswith("trait:"):
                values[name] = value
    return keys, values


def check_email(email: str) -> None:
    """Raise ``FieldError`` unless ``email`` is an address ``validate_email`` accepts."""
    if len(email) <= 320 and PLAIN_EMAIL.fullmatch(email):
        return
    try:
        validate_email(email)
    except ValidationError:
        raise FieldError("email", f"'{email}' is not a valid email address") from None


def _parse_placed_at(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FieldError("placed_at", f"'{value}' is not an ISO-8601 date or date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def import_orders(
    workspace: Workspace, rows: list[dict], *, actor=None, progress: Progress = _no_progress
) -> ImportReport:
    """Import orders from rows keyed by ``ORDER_FIELDS``, one row per line item; rows
    sharing ``order_id`` form one order. The buyer is found (or created) by user id or
    email."""
    report = ImportReport(total_rows=len(rows))
    orders: dict[str, tuple[list, OrderInput]] = {}
    for number, row in enumerate(rows, start=2):
        if number % PROGRESS_EVERY == 0:
            progress("checking", number - 2, len(rows))
        try:
            keys, placed_at, line, total = _check_order_row(row)
        except FieldError as error:
            report.rejected.append({"row": number, "field": error.field, "reason": error.reason})
            continue
        if row["order_id"] not in orders:
            orders[row["order_id"]] = (
                keys,
                OrderInput(
                    external_id=row["order_id"][:100],
                    placed_at=placed_at,
                    total=total or 0,
                    currency=(row.get("currency") or workspace.currency)[:3].upper(),
                    discount=0,
                    location_code=row.get("location", ""),
                ),
            )
        order = orders[row["order_id"]][1]
        if line:
            order.lines.append(line)
        if total is None:
            order.total += line.unit_price * line.quantity if line else 0
    progress("checking", len(rows), len(rows))
    if report.rejected:
        return report
    progress("writing", len(rows), len(rows))
    with transaction.atomic():
        _write_orders(workspace, orders, report, actor)
    return report


def _check_order_row(row: dict) -> tuple[list, datetime, LineInput | None, object]:
    if not row.get("order_id"):
        raise FieldError("order_id", "must not be empty")
    keys = []
    if row.get("user_id"):
        keys.append((IdentityKind.USER_ID, row["user_id"]))
    if row.get("email"):
        keys.append((IdentityKind.EMAIL, row["email"].lower()))
    if not keys:
        raise FieldError("email", "the row has no buyer identifier (email or user_id)")
    placed_at = _parse_placed_at(row.get("placed_at", ""))
    line = None
    if row.get("sku"):
        quantity = row.get("quantity") or "1"
        if not quantity.isdecimal() or int(quantity) < 1:
            raise FieldError("quantity", "must be a whole number of at least 1")
        line = LineInput(
            row["sku"][:100],
            "",
            "",
            int(quantity),
            parse_amount(row.get("unit_price") or 0, "unit_price", digits=12),
        )
    total = parse_amount(row["total"], "total") if row.get("total") else None
    return keys, placed_at, line, total


def check_rows(workspace: Workspace, kind: str, rows: list[dict]) -> list[FieldError | None]:
    """What the import would say of each row, without writing: None for a row it takes,
    else the first problem (field and reason). ``kind``: "contacts" or "orders"."""
    locations = _locations(workspace) if kind == "contacts" else {}
    found: list[FieldError | None] = []
    for row in rows:
        try:
            if kind == "contacts":
                _check_contact_row(row, locations)
            else:
                _check_order_row(row)
        except FieldError as error:
            found.append(error)
        else:
            found.append(None)
    return found


def _write_orders(
    workspace: Workspace, orders: dict[str, tuple[list, OrderInput]], report, actor
) -> None:
    resolver = BatchResolver(workspace, {k for keys, _ in orders.values() for k in keys})
    writer = OrderWriter(
        workspace, set(orders), {ln.sku for _, o in orders.values() for ln in o.lines}
    )
    kept = _without_erased(workspace, list(orders.values()), lambda item: item[0], report)
    for keys, order in kept:
        contact = resolver.resolve(keys)
        if keys[-1][0] == IdentityKind.EMAIL and not contact.email:
            contact.email = keys[-1][1]
        if writer.add(order, contact) is None:
            report.skipped += 1
        else:
            report.created += 1
    report.merged = len(resolver.saved_merges)
    resolver.flush()
    writer.flush(resolver.canonical)
    resolver.save_touched(
        [
            "email",
            "order_count",
            "revenue",
            "last_order_at",
            "customer_at",
            "lifecycle_stage",
            "location",
        ]
    )
    _publish(resolver, [c.pk for c in resolver.touched.values()], "orders.import")
    audit.record(
        workspace, "orders.import", workspace, actor=actor, after={"created": report.created}
    )


def _publish(resolver: BatchResolver, contact_ids: list[int], source: str) -> None:
    """Tell the change feed which contacts the import changed (survivors of merges)."""
    merges = [(loser.pk, resolver.canonical(winner).pk) for winner, loser in resolver.saved_merges]
    feed.publish(
        resolver.workspace.pk,
        source=source,
        contact_ids=[*contact_ids, *(survivor for _, survivor in merges)],
        merges=merges,
    )


def _without_erased(workspace: Workspace, items: list, keys_of, report: ImportReport) -> list:
    """``items`` less those carrying an erased person's identifier (``pacer.privacy``),
    counted in ``report.suppressed``: an import must not bring them back."""
    erased = suppressed(workspace, (key for item in items for key in keys_of(item)))
    if not erased:
        return items
    kept = [item for item in items if not erased.intersection(keys_of(item))]
    report.suppressed = len(items) - len(kept)
    return kept
