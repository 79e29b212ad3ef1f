"""How numbers look on every page: one function per kind, shared by templates, tables,
KPI cards and (through the chart configs) the charts' JavaScript.

Kinds:

- ``money``: the workspace currency's symbol (or its code), whole units from 100 up and
  cents below (``$1,234``, ``$45.50``; currencies without minor units never show them);
- ``count``: a whole number with thousands separators (``12,345``);
- ``percent``: a fraction shown as a percentage with one decimal (``0.123`` → ``12.3%``);
- ``ratio``: a multiple with two decimals (``2.5`` → ``2.50×``);
- ``decimal``: a number with up to ``places`` decimals (default 2);
- ``date`` / ``datetime``: ISO-like ``2026-01-31`` / ``2026-01-31 14:05``; a datetime at
  exactly midnight (local time, to the microsecond) is a day stored as a moment and shows
  as its date, not as ``00:00``;
- ``text``: the value as text.

A missing value (``None``, NaN) shows as an em dash. ``data-end`` style raw values for
machines (CSV, JSON) are never formatted.
"""

import json
import math
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

MISSING = "—"
KINDS = ("text", "money", "count", "percent", "ratio", "decimal", "date", "datetime")
NUMERIC_KINDS = frozenset({"money", "count", "percent", "ratio", "decimal"})

# Symbols people read without a second look; any other ISO code is written out.
CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "CNY": "CN¥",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "BRL": "R$",
    "MXN": "MX$",
}
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD"})


def person(user) -> str:
    """A member as people call them: the full name, else the username ("" for nobody)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def currency_prefix(currency: str) -> str:
    """What money amounts start with: ``$`` for USD, ``SEK `` for SEK."""
    code = (currency or "USD").upper()
    return CURRENCY_SYMBOLS.get(code, f"{code}\u00a0")


def currency_spec(currency: str) -> dict:
    """The currency as the charts' JavaScript formats it (the same rules as ``money``)."""
    code = (currency or "USD").upper()
    return {
        "code": code,
        "prefix": currency_prefix(code),
        "minor": code not in ZERO_DECIMAL_CURRENCIES,
    }


def as_number(value) -> float | None:
    """``value`` as a finite float, or None (missing, not a number, NaN, infinite)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def fixed(number: float, places: int) -> str:
    """``number`` with ``places`` decimals and thousands separators, halves rounded away
    from zero (as the charts' JavaScript does); a negative number that rounds to zero
    shows as zero (``-0.3`` → ``0``, never ``-0``)."""
    step = Decimal(1).scaleb(-places)
    rounded = Decimal(repr(number)).quantize(step, rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)
    return f"{rounded:,.{places}f}"


def money(value, currency: str = "USD") -> str:
    """``1234.5`` → ``$1,235``; ``45.5`` → ``$45.50``; negative: ``-$12.00``."""
    number = as_number(value)
    if number is None:
        return MISSING
    spec = currency_spec(currency)
    places = 2 if spec["minor"] and 0 < abs(number) < 100 else 0
    shown = fixed(abs(number), places)
    sign = "-" if number < 0 and shown.strip("0.,") else ""
    return f"{sign}{spec['prefix']}{shown}"


def count(value) -> str:
    number = as_number(value)
    return MISSING if number is None else fixed(number, 0)


def percent(value, places: int = 1) -> str:
    number = as_number(value)
    return MISSING if number is None else f"{fixed(number * 100, places)}%"


def ratio(value) -> str:
    number = as_number(value)
    return MISSING if number is None else f"{fixed(number, 2)}×"


def decimal(value, places: int = 2) -> str:
    number = as_number(value)
    return MISSING if number is None else fixed(number, places)


def signed(shown: str, value) -> str:
    """``shown`` (a formatted ``value``) with a ``+`` before a positive value that shows
    other than zero: differences read as differences."""
    number = as_number(value)
    return f"+{shown}" if number is not None and number > 0 and shown.strip("0.,%$ ") else shown


def points(value, places: int = 2) -> str:
    """A difference of two rates in percentage points: ``0.0048`` → ``+0.48 pp``."""
    number = as_number(value)
    return MISSING if number is None else signed(f"{fixed(number * 100, places)} pp", number)


def p_value(value) -> str:
    """A p-value to four decimals, or ``< 0.0001`` below that (never ``0.0000``)."""
    number = as_number(value)
    if number is None:
        return MISSING
    return "< 0.0001" if number < 0.0001 else fixed(number, 4)


def format_value(value, kind: str = "text", *, currency: str = "USD", places: int | None = None):
    """``value`` shown as ``kind`` (see the module docstring)."""
    if kind not in KINDS:
        raise ValueError(f"kind: '{kind}' is not one of {', '.join(KINDS)}")
    if kind == "money":
        return money(value, currency)
    if kind == "count":
        return count(value)
    if kind == "percent":
        return percent(value, 1 if places is None else places)
    if kind == "ratio":
        return ratio(value)
    if kind == "decimal":
        return decimal(value, 2 if places is None else places)
    if value is None or value == "":
        return MISSING if kind in ("date", "datetime") else ""
    if kind == "datetime" and isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        if value.time() == time():
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M")
    if kind in ("date", "datetime") and isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def raw_value(value):
    """A value as a machine reads it (CSV cells): dates ISO, numbers as they are (the CSV
    writes them plain, ``pacer.core.csv_export.safe_cell``), lists and objects as JSON."""
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return value
