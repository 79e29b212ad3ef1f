"""The monthly close page: a year's months with their figures, the close action, and
reopening (admins) with a reason."""

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
from pacer.web.components import flash_errors
from pacer.web.filters import Choice, FilterBar


def _years(today_year: int) -> list[tuple[str, str]]:
    return [(str(y), str(y)) for y in range(today_year + 1, today_year - 5, -1)]


@page("budgets.view")
def month_close(request):
    this_year = timezone.localdate(clock.now()).year
    bar = FilterBar(
        request,
        [Choice("year", "Year", _years(this_year), default=str(this_year))],
        html_id="close-filters",
    )
    year = int(bar.values["year"])
    rows = close_report(request.workspace, year)
    context = {
        "bar": bar,
        "year": year,
        "rows": rows,
        "can_close": allows(request.role, "budgets.manage"),
        "can_reopen": allows(request.role, "budgets.approve"),
    }
    return render(request, "planning/month_close.html", context)


def _back(request) -> HttpResponseRedirect:
    year = str(request.POST.get("month", ""))[:4]
    query = f"?year={year}" if year.isdecimal() else ""
    return HttpResponseRedirect(reverse("budget-close") + query)


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
            flash_errors(request, error)
        else:
            messages.success(request, f"{month} closed: changes dated in it are now refused.")
    return _back(request)


@page("budgets.approve")
def reopen(request):
    if request.method == "POST":
        month = request.POST.get("month", "")
        try:
            close_actions.reopen_month(
                request.workspace, month, request.POST.get("reason", ""), actor=request.user
            )
        except ValidationFailed as error:
            flash_errors(request, error)
        else:
            messages.success(request, f"{month} reopened.")
    return _back(request)
