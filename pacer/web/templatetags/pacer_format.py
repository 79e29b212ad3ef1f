"""Number filters for templates (``{% load pacer_format %}``): the rules of
``pacer.web.formats``. ``{% fmt value "money" %}`` (``pacer_ui``) adds the workspace
currency by itself; ``{{ value|money:request.workspace.currency }}`` does it here."""

from django import template

from pacer.web import formats

register = template.Library()


@register.filter
def money(value, currency: str = "") -> str:
    """Without a currency: the amount alone (``1,234``); with one: ``$1,234``."""
    if not currency:
        number = formats.as_number(value)
        return formats.MISSING if number is None else f"{number:,.0f}"
    return formats.money(value, currency)


@register.filter
def person(user) -> str:
    """``{{ card.assignee|person }}``: the full name, else the username."""
    return formats.person(user)


@register.filter
def count(value) -> str:
    return formats.count(value)


@register.filter
def percent(value) -> str:
    return formats.percent(value)


@register.filter
def signed_percent(value) -> str:
    """A relative difference: ``0.319`` → ``+31.9%``."""
    return formats.signed(formats.percent(value), value)


@register.filter
def points(value) -> str:
    """A difference of rates in percentage points: ``0.0048`` → ``+0.48 pp``."""
    return formats.points(value)


@register.filter
def signed_money(value, currency: str) -> str:
    """A difference of money: ``1.5`` → ``+$1.50``."""
    return formats.signed(formats.money(value, currency), value)


@register.filter
def signed_decimal(value, places: int = 4) -> str:
    """A difference in the data's own units: ``0.0048`` → ``+0.0048``."""
    return formats.signed(formats.decimal(value, places), value)


@register.filter
def effect(value, unit: str) -> str:
    """An absolute difference in ``unit``: ``"pp"`` (rates) or a currency code."""
    return formats.points(value) if unit == "pp" else signed_money(value, unit)


@register.filter
def amount(value, unit: str) -> str:
    """A size (an expected loss) in ``unit``, unsigned: ``"pp"`` or a currency code."""
    if unit != "pp":
        return formats.money(value, unit)
    number = formats.as_number(value)
    return formats.MISSING if number is None else f"{formats.fixed(number * 100, 2)} pp"


@register.filter
def p_value(value) -> str:
    return formats.p_value(value)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)
