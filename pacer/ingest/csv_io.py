"""CSV import of contacts and orders: a file's columns mapped to fields, then imported
by the people domain (``pacer.people.imports``), all or nothing."""

import csv
import io
from collections.abc import Iterable

from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.people import imports
from pacer.people.imports import CONTACT_FIELDS, ORDER_FIELDS, ImportReport


def import_contacts(
    workspace: Workspace,
    text: str,
    mapping: dict[str, str],
    *,
    update_rule: str = "if_not_empty",
    actor=None,
) -> ImportReport:
    """Import contacts from CSV ``text``, its columns mapped to fields by ``mapping``."""
    rows = _rows(text, mapping, CONTACT_FIELDS)
    if not any(t in ("email", "user_id", "phone") for t in mapping.values()):
        raise ValidationFailed({"mapping": "map at least one identifier: email, user_id or phone"})
    return imports.import_contacts(workspace, rows, update_rule=update_rule, actor=actor)


def import_orders(
    workspace: Workspace, text: str, mapping: dict[str, str], *, actor=None
) -> ImportReport:
    """Import orders from CSV ``text``, one row per line item."""
    rows = _rows(text, mapping, ORDER_FIELDS)
    missing = [f for f in ("order_id", "placed_at") if f not in mapping.values()]
    if missing:
        raise ValidationFailed({"mapping": f"map the required column(s): {', '.join(missing)}"})
    return imports.import_orders(workspace, rows, actor=actor)


def _rows(text: str, mapping: dict[str, str], allowed: Iterable[str]) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    headers = reader.fieldnames or []
    errors = {}
    for column, target in mapping.items():
        if column not in headers:
            errors[f"mapping.{column}"] = "no such column in the file"
        if target not in allowed and not target.startswith("trait:"):
            errors[f"mapping.{column}"] = (
                f"'{target}' is not one of {', '.join(allowed)} or trait:<name>"
            )
    if errors:
        raise ValidationFailed(errors)
    return [
        {target: (raw.get(column) or "").strip() for column, target in mapping.items()}
        for raw in reader
    ]
