"""Spend per day and channel (``SpendDay``), kept current by the actions that write spend
lines, and the spend list's totals read from it.

Each write adds what it changed (``+`` a line's cents and one line for each line written,
``-`` for each removed) in the same transaction, as ``INSERT ... ON CONFLICT DO UPDATE
SET cents = cents + ...``: two writers to the same day and channel add up (the database
serialises the update of the row) rather than overwriting each other's recount.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Sum

from pacer.core.models import Workspace
from pacer.planning.models import SpendDay, SpendEntry

CENT = Decimal("0.01")


def cents(amount) -> int:
    """A money amount (at most two decimals, as ``parse_amount`` gives) in cents."""
    return int(Decimal(amount).quantize(CENT) * 100)


def add(workspace: Workspace | int, lines: Iterable, *, sign: int = 1) -> None:
    """Count ``lines`` (spend entries, or anything with ``day``, ``channel`` and
    ``amount``) into their days (``sign=-1``: take them out). Call inside the
    transaction that writes or deletes them."""
    workspace_id = getattr(workspace, "pk", workspace)
    changes: dict[tuple[date, str], list[int]] = {}
    for line in lines:
        change = changes.setdefault((line.day, line.channel), [0, 0])
        change[0] += sign * cents(line.amount)
        change[1] += sign
    if not changes:
        return
    table = connection.ops.quote_name(SpendDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (workspace_id, day, channel, cents, lines) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (workspace_id, day, channel) "
            f"DO UPDATE SET cents = {table}.cents + excluded.cents, "
            f"lines = {table}.lines + excluded.lines",
            [(workspace_id, day, ch, c, n) for (day, ch), (c, n) in changes.items()],
        )
    if sign < 0:
        SpendDay.objects.filter(workspace_id=workspace_id, lines__lte=0).delete()


def remove(workspace: Workspace | int, lines: Iterable) -> None:
    """Take ``lines`` out of their days (before or as they are deleted or changed)."""
    add(workspace, lines, sign=-1)


def rebuild(workspace: Workspace) -> None:
    """Count every line of the workspace again (after lines were written by other means,
    such as a bulk load straight into the table)."""
    SpendDay.objects.filter(workspace=workspace).delete()
    add(workspace, SpendEntry.objects.filter(workspace=workspace).only("day", "channel", "amount"))


def totals(
    workspace: Workspace, *, start: date | None, end: date | None, channel: str = ""
) -> dict:
    """The total amount and number of lines from ``start`` to ``end`` (open ends: all),
    and per channel, largest first: what ``selectors.spend_totals`` gives for the same
    lines."""
    days = SpendDay.objects.filter(workspace=workspace)
    if start:
        days = days.filter(day__gte=start)
    if end:
        days = days.filter(day__lte=end)
    if channel:
        days = days.filter(channel=channel)
    sums = days.values("channel").annotate(day_cents=Sum("cents"), day_lines=Sum("lines"))
    by_channel = [
        {"channel": row["channel"], "amount": Decimal(row["day_cents"]) / 100,
         "lines": row["day_lines"]}
        for row in sums.order_by()
    ]  # fmt: skip
    by_channel.sort(key=lambda row: (-row["amount"], row["channel"]))
    return {
        "amount": sum((row["amount"] for row in by_channel), Decimal(0)).quantize(CENT),
        "lines": sum(row["lines"] for row in by_channel),
        "by_channel": [{**row, "amount": row["amount"].quantize(CENT)} for row in by_channel],
    }
