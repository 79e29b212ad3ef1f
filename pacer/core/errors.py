"""Errors for bad input: each names the field and the reason."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

# The days Pacer accepts: well inside what both databases, the warehouse engines and the
# analyses handle (nanosecond timestamps end in 2262).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


class ValidationFailed(Exception):
    """Raised by an action before it writes anything.

    ``errors`` maps a field path (``"traits.email"``, ``"rows[3].total"``) to a reason.
    """

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in errors.items()))


def require(condition: bool, field: str, reason: str) -> None:
    """Raise ``ValidationFailed`` for ``field`` unless ``condition`` holds."""
    if not condition:
        raise ValidationFailed({field: reason})


def check_text(
    errors: dict[str, str],
    field: str,
    value,
    limit: int,
    *,
    required: bool = False,
    strip: bool = True,
) -> str:
    """``value`` as text (stripped unless ``strip`` is false; None is ""), or "" with the
    reason in ``errors[field]``: not text, empty when ``required``, longer than ``limit``
    characters, or holding a NUL character (which PostgreSQL cannot store)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = "must be text"
        return ""
    if strip:
        value = value.strip()
    if required and not value.strip():
        errors[field] = "must not be empty"
    elif len(value) > limit:
        errors[field] = f"must be at most {limit} characters"
    elif "\x00" in value:
        errors[field] = "must not contain NUL characters"
    return value


# The largest id a row can have on either database (a signed 64-bit integer): SQLite
# refuses a larger number in a query with OverflowError instead of finding nothing.
MAX_ROW_ID = 2**63 - 1


# An id as typed: ASCII digits, optionally signed "+" and spaced ("+5", " 5 ", "007");
# not what int() also takes ("1_0", "５", "5.0"), so one row has one spelling family.
_TYPED_ID = re.compile(r"\s*\+?0*([0-9]{1,19})\s*")


def row_id(value) -> int | None:
    """``value`` (an int, or its ASCII digits with an optional "+" and surrounding
    spaces) as the id of a row that may exist, or None: anything else (a bool, a float,
    "1_0", other scripts' digits) or a number outside 1..MAX_ROW_ID, which no row has."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and (typed := _TYPED_ID.fullmatch(value)):
        number = int(typed.group(1))
    else:
        return None
    return number if 1 <= number <= MAX_ROW_ID else None


class NotFound(LookupError):
    """A thing named in a request does not exist in the workspace (answered 404)."""

    def __init__(self, field: str, reason: str):
        self.errors = {field: reason}
        super().__init__(f"{field}: {reason}")


class FieldError(Exception):
    """One field of one record is wrong; the record is refused, its siblings may go on."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


# Money columns are Decimal(14, 2) (totals, spend) or Decimal(12, 2) (prices, unit costs).
MAX_AMOUNT = Decimal("999999999999.99")


def parse_amount(value, field: str, *, digits: int = 14, maximum: Decimal | None = None) -> Decimal:
    """A finite, non-negative money amount rounded to cents that fits a
    ``Decimal(digits, 2)`` column (or stays within ``maximum``), or ``FieldError``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)) or value == "":
        raise FieldError(field, "must be a number")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise FieldError(field, f"'{str(value)[:40]}' is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise FieldError(field, "must be a finite number of at least 0")
    largest = maximum if maximum is not None else Decimal(10) ** (digits - 2) - Decimal("0.01")
    if amount >= largest + Decimal("0.005"):  # would not round to cents within the limit
        raise FieldError(field, f"must be at most {largest:,}")
    return amount.quantize(Decimal("0.01"))


def read_day(errors: dict, field: str, value) -> date | None:
    """``value`` (a date or ``YYYY-MM-DD`` text) as a day: None with the reason under
    ``field`` when it is no date; a day outside ``FIRST_DAY``..``LAST_DAY`` is returned
    with its reason recorded (so the caller's checks between days still run)."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        errors[field] = "must be a date (YYYY-MM-DD)"
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        errors[field] = f"must be between {FIRST_DAY} and {LAST_DAY}"
    return day


def check_day(value, field: str) -> date:
    """``value`` if it is a day between ``FIRST_DAY`` and ``LAST_DAY``, or ``FieldError``."""
    if not isinstance(value, date):
        raise FieldError(field, "must be a date")
    if not FIRST_DAY <= value <= LAST_DAY:
        raise FieldError(field, f"must be between {FIRST_DAY} and {LAST_DAY}")
    return value
