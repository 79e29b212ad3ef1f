"""The monthly close page: a year's months with their figures (of the viewer's teams by
default, ``scope.team_filter``), the close action, and reopening (admins) with a reason.
A month is closed for the whole workspace, its figures recorded for every team. The close
and reopen forms post to the page's ``team`` (in their address), which the page they
answer with keeps: the redirect after one, and the page of a refused one."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.planning import close_actions
from pacer.planning.close_selectors import close_report
from pacer.planning.scope import ALL, kept_team, scoped_address, team_filter
from pacer.web.address import show_at
from pacer.web.filters import Choice, FilterBar


def _years(today_year: int) -> list[tuple[str, str]]:
    return [(str(y), str(y)) for y in range(today_year + 1, today_year - 5, -1)]


@page("budgets.view")
def month_close(request):
    return _month_close_page(request)


def _month_close_page(request, month: str = "", reason: str = "", errors=None, refused=""):
    """The monthly close page; after a refused close or reopen of ``month`` (``YYYY-MM``)
    at that month's year, with the reasons in its row and at the top, the typed
    ``reason`` kept, answered 422."""
    this_year = timezone.localdate(clock.now()).year
    years = _years(this_year)
    refused_year = month[:4] if month[:4] in dict(years) else str(this_year)
    team = kept_team(request)
    show_at(request, _address(refused_year, team) if errors else reverse("budget-close"))
    scope = team_filter(request)
    bar = FilterBar(
        request,
        [Choice("year", "Year", years, default=refused_year), scope.choice],
        action=reverse("budget-close"),
        html_id="close-filters",
    )
    year = int(bar.values["year"])
    rows = close_report(request.workspace, year, scope.team_ids(request.workspace))
    can_close = allows(request.role, "budgets.manage")
    can_reopen = allows(request.role, "budgets.approve")
    context = {
        "bar": bar,
        "year": year,
        "rows": rows,
        "scope": scope,
        "all_teams_url": _address(str(year), ALL),
        "can_close": can_close,
        "can_reopen": can_reopen,
        "refused_month": month,
        "refused_fields": _fields_of(rows, month, can_close, can_reopen),
        "refused_title": f"{month[:7] or 'The month'} was not {refused}" if refused else "",
        "typed_reason": reason,
        "errors": errors or {},
    }
    status = 422 if errors else 200
    return render(request, "planning/month_close.html", context, status=status)


def _fields_of(rows, month: str, can_close: bool, can_reopen: bool) -> str:
    """The names the refused month's row has a field for (its button is ``month``, a
    closed month's reason to reopen ``reason``), for the error box's links; none when the
    month is not a row of the page."""
    for row in rows:
        if f"{row.month:%Y-%m}" == month:
            if row.closed and can_reopen:
                return "month,reason"
            return "month" if (can_close and not row.closed) else ""
    return ""


def _address(year: str, team: str) -> str:
    """The close page's address at ``year`` (digits; none: this year) and ``team`` (none:
    the viewer's default)."""
    return scoped_address("budget-close", team=team, year=year if year.isdecimal() else "")


def _back(request) -> HttpResponseRedirect:
    """The close page at the posted month's year and the team scope it was posted from."""
    year = str(request.POST.get("month", ""))[:4]
    return HttpResponseRedirect(_address(year, kept_team(request)))


@page("budgets.manage")
def close(request):
    if request.method == "POST":
        month = request.POST.get("month", "")
        try:
            start = close_actions.first_of_month(month)
            (row,) = [r for r in close_report(request.workspace, start.year) if r.month == start]
            close_actions.close_month(
                request.workspace, start, figures=row.figures(), actor=request.user
            )
        except ValidationFailed as error:
            return _month_close_page(request, month, errors=error.errors, refused="closed")
        messages.success(request, f"{month} closed: changes dated in it are now refused.")
    return _back(request)


@page("budgets.approve")
def reopen(request):
    if request.method == "POST":
        month, reason = request.POST.get("month", ""), request.POST.get("reason", "")
        try:
            close_actions.reopen_month(request.workspace, month, reason, actor=request.user)
        except ValidationFailed as error:
            return _month_close_page(request, month, reason, error.errors, "reopened")
        messages.success(request, f"{month} reopened.")
    return _back(request)
