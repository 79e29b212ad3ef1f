"""CSV export that spreadsheets cannot turn into formulas (OWASP CSV injection)."""

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell that a spreadsheet will not run as a formula (OWASP CSV injection). A number
    is written plain, a negative one included: it cannot be a formula, and a quote in
    front would make spreadsheets read it as text."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def export_csv(header: list[str], rows: Iterable[Iterable]) -> Iterable[str]:
    """CSV lines, every cell escaped with ``safe_cell``; stream it to the client."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _chain(header, rows):
        writer.writerow([safe_cell(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _chain(header, rows):
    yield header
    yield from rows
