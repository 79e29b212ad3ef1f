"""Reading a CSV file of leads (the import page, the REST API and ``pacer import-leads``):
its rows under its header, or a refusal naming ``file`` with the reason."""

import csv
import io

from pacer.core.errors import ValidationFailed

MAX_BYTES = 2_000_000
MAX_ROWS = 5_000
COLUMNS = (
    "email, phone, first_name, last_name, postal_code, location (a location's code), form, "
    "product, utm_source, utm_medium, utm_campaign, utm_content, utm_term (the channel "
    "comes from the source and medium), submission_id"
)


def read_rows(data: bytes, *, max_rows: int | None = MAX_ROWS) -> list[dict]:
    """The rows of a UTF-8 CSV file (a byte-order mark allowed) as dicts under its header;
    ``ValidationFailed`` naming ``file`` for anything else. ``max_rows=None``: no cap (the
    command line)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"file": "is not UTF-8 text; save it as CSV UTF-8"}) from None
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as error:
        raise ValidationFailed({"file": f"is not a CSV file ({error})"}) from None
    if not rows:
        raise ValidationFailed({"file": "has no rows under its header"})
    if max_rows is not None and len(rows) > max_rows:
        raise ValidationFailed({"file": f"has {len(rows):,} rows; at most {max_rows:,}"})
    if any(None in row for row in rows):
        raise ValidationFailed({"file": "a row has more values than the header has columns"})
    return rows


def too_big(size: int) -> ValidationFailed:
    """The refusal of a file of ``size`` bytes, over ``MAX_BYTES``."""
    return ValidationFailed({"file": f"is {size:,} bytes, over {MAX_BYTES:,}; split it"})
