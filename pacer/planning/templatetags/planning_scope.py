"""Addresses on planning pages that keep the team filter (``pacer.planning.scope``)."""

from django import template

from pacer.planning.scope import scoped_address

register = template.Library()


@register.simple_tag
def scoped_url(url_name: str, *args, team: str = "", **params) -> str:
    """``scope.scoped_address``: the page ``url_name`` at ``team`` with ``params``."""
    return scoped_address(url_name, *args, team=team, **params)
