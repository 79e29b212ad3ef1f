"""CSV import of contacts and orders: a file's columns mapped to fields, then imported
by the people domain (``pacer.people.imports``), all or nothing.

The CLI (``pacer import``) and the import wizard (``pacer.ingest.import_runs``) both come
here: the same column guess (``guess_mapping``), the same mapping check
(``check_mapping``) and the same import (``import_text``).
"""

import csv
import io
import operator
import re
from collections.abc import Iterable

from pacer.core.bulk import cycle_collection_paused
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.people import imports
from pacer.people.imports import CONTACT_FIELDS, ORDER_FIELDS, ImportReport, Progress

KINDS = ("contacts", "orders")
FIELDS = {"contacts": CONTACT_FIELDS, "orders": ORDER_FIELDS}
IDENTIFIERS = ("email", "user_id", "phone")
REQUIRED_ORDER_FIELDS = ("order_id", "placed_at")
# Other names people give the fields' columns (after lower-casing and turning spaces and
# hyphens into underscores).
ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "mail": "email",
    "phone_number": "phone",
    "mobile": "phone",
    "telephone": "phone",
    "first": "first_name",
    "firstname": "first_name",
    "given_name": "first_name",
    "last": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
    "userid": "user_id",
    "customer_id": "user_id",
    "store": "location",
    "location_code": "location",
    "stage": "lifecycle_stage",
    "order": "order_id",
    "order_number": "order_id",
    "date": "placed_at",
    "order_date": "placed_at",
    "ordered_at": "placed_at",
    "qty": "quantity",
    "price": "unit_price",
    "order_total": "total",
    "amount": "total",
}


def _normal(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def guess_mapping(headers: Iterable[str], kind: str) -> dict[str, str]:
    """Each column named like a field (or one of its usual other names, or
    ``trait:<name>``) mapped to it; the others left out. A field is guessed for its
    first column only."""
    fields, mapping = FIELDS[kind], {}
    for header in headers:
        name = _normal(header)
        target = name if name in fields else ALIASES.get(name)
        if header.strip().startswith("trait:") and kind == "contacts" and len(header) > 6:
            target = "trait:" + header.strip()[6:]
        if target and target not in mapping.values():
            mapping[header] = target
    return mapping


def check_mapping(kind: str, headers: list[str], mapping: dict[str, str]) -> None:
    """Refuse a mapping naming no such column, no such field, a field twice, or missing a
    required field (contacts: an identifier; orders: ``order_id`` and ``placed_at``)."""
    if kind not in KINDS:
        raise ValidationFailed({"kind": f"must be one of {', '.join(KINDS)}"})
    allowed, errors, seen = FIELDS[kind], {}, {}
    for column, target in mapping.items():
        if column not in headers:
            errors[f"mapping.{column}"] = "no such column in the file"
        elif target.startswith("trait:") and kind == "contacts":
            if not re.fullmatch(r"trait:[A-Za-z0-9_]{1,64}", target):
                errors[f"mapping.{column}"] = "a trait name is 1 to 64 letters, digits or _"
        elif target not in allowed:
            errors[f"mapping.{column}"] = f"'{target}' is not one of {', '.join(allowed)}" + (
                " or trait:<name>" if kind == "contacts" else ""
            )
        if target in seen:
            errors[f"mapping.{column}"] = f"'{target}' is already the column '{seen[target]}'"
        seen.setdefault(target, column)
    if errors:
        raise ValidationFailed(errors)
    targets = set(mapping.values())
    if kind == "contacts" and not targets.intersection(IDENTIFIERS):
        raise ValidationFailed({"mapping": "map at least one identifier: email, user_id or phone"})
    missing = [f for f in REQUIRED_ORDER_FIELDS if f not in targets]
    if kind == "orders" and missing:
        raise ValidationFailed({"mapping": f"map the required column(s): {', '.join(missing)}"})


def mapped_rows(records: Iterable[list[str]], headers: list[str], mapping: dict[str, str]):
    """Each record (the cells of a line) as ``{field: value}`` under ``mapping``."""
    where = [(headers.index(column), target) for column, target in mapping.items()]
    targets = [target for _, target in where]
    cells = operator.itemgetter(*[i for i, _ in where], 0)  # 0: always a tuple
    width = max((i for i, _ in where), default=-1) + 1
    for record in records:
        if not record:
            continue  # a blank line is no row (as csv.DictReader reads them)
        if len(record) >= width:
            yield dict(zip(targets, map(str.strip, cells(record)), strict=False))
        else:
            yield {target: (record[i] if i < len(record) else "").strip() for i, target in where}


def import_text(
    workspace: Workspace,
    kind: str,
    text: str,
    mapping: dict[str, str],
    *,
    update_rule: str = "if_not_empty",
    actor=None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import CSV ``text`` of ``kind`` ("contacts" or "orders"), its columns mapped to
    fields by ``mapping``; ``progress(phase, done, total)`` hears how far it is."""
    reader = csv.reader(io.StringIO(text))
    headers = next(reader, [])
    check_mapping(kind, headers, mapping)
    extra = {"progress": progress} if progress else {}
    with cycle_collection_paused():
        rows = list(mapped_rows(reader, headers, mapping))
        if kind == "contacts":
            return imports.import_contacts(
                workspace, rows, update_rule=update_rule, actor=actor, **extra
            )
        return imports.import_orders(workspace, rows, actor=actor, **extra)


def import_contacts(
    workspace: Workspace,
    text: str,
    mapping: dict[str, str],
    *,
    update_rule: str = "if_not_empty",
    actor=None,
) -> ImportReport:
    """Import contacts from CSV ``text``, its columns mapped to fields by ``mapping``."""
    return import_text(workspace, "contacts", text, mapping, update_rule=update_rule, actor=actor)


def import_orders(
    workspace: Workspace, text: str, mapping: dict[str, str], *, actor=None
) -> ImportReport:
    """Import orders from CSV ``text``, one row per line item."""
    return import_text(workspace, "orders", text, mapping, actor=actor)
