from django import template

register = template.Library()


@register.filter
def money(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


@register.filter
def count(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)
