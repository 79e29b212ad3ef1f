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
def count(value) -> str:
    return formats.count(value)


@register.filter
def percent(value) -> str:
    return formats.percent(value)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)
