"""Money on planning and teams pages, in one format (``pacer.planning.money``)."""

from django import template

from pacer.planning.money import money as format_money
from pacer.web.templatetags.pacer_ui import workspace_currency

register = template.Library()


@register.simple_tag(takes_context=True)
def money(context, value, currency: str = "") -> str:
    """``value`` in ``currency``, else in the workspace's."""
    return format_money(value, currency or workspace_currency(context))


@register.inclusion_tag("web/components/kpi_card.html", takes_context=True)
def money_card(context, label, value, definition="", html_id="", currency=""):
    """The design system's KPI card (``kpi_card``) of an amount in ``currency``, else in
    the workspace's, to the cent."""
    slug = html_id or "kpi-" + "".join(ch if ch.isalnum() else "-" for ch in label.lower())
    return {
        "id": slug,
        "label": label,
        "raw": value,
        "text": format_money(value, currency or workspace_currency(context)),
        "definition": definition,
        "trend": None,
    }
