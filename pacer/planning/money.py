"""How planning and teams pages show money: always to the cent (whole units in a
currency without minor units), with thousands separators and the currency's symbol or
code, ``-$1,234.50`` when negative. One format for every amount on these pages, so a
column of figures reads alike whatever their size (the shared ``money`` of
``pacer.web.formats`` drops the cents from 100 up: right for a headline, wrong for
accounts, where 45.50 and 1,235 sit in one column and must add up).

Templates use ``{% load planning_money %}``: ``{% money value %}`` (the workspace
currency), ``{% money value "EUR" %}`` (an amount in its own currency) and
``{% money_card label value ... %}`` (a KPI card); tables ``money_column``.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pacer.web.formats import MISSING, ZERO_DECIMAL_CURRENCIES, currency_prefix
from pacer.web.tables import Column, value_of


def money(value, currency: str) -> str:
    """``1234.5`` → ``$1,234.50``; ``-12`` → ``-$12.00``; ``1234.5`` in JPY → ``¥1,235``;
    None (or not a number) → an em dash. Decimals are rounded exactly, halves away from
    zero."""
    if value is None or isinstance(value, bool):
        return MISSING
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return MISSING
    if not number.is_finite():
        return MISSING
    code = (currency or "USD").upper()
    step = Decimal(1) if code in ZERO_DECIMAL_CURRENCIES else Decimal("0.01")
    rounded = number.quantize(step, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{currency_prefix(code)}{abs(rounded):,}"


def money_column(key: str, label: str, currency: str, **options) -> Column:
    """A table column of money in this format (sorted and exported as numbers)."""
    return Column(
        key, label, format="money", text=lambda row: money(value_of(row, key), currency), **options
    )
