"""Archiving, restoring and deleting a card from its page, and a board's archived cards
(``pacer.work.archive``)."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.web.tables import Column, Table
from pacer.work import archive, selectors
from pacer.work.card_views import _card_page
from pacer.work.views import _card_or_404


def _back(card) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("work-card", args=[card.pk]))


@require_POST
@page("work.edit")
def card_archive(request, card_id: int):
    card = _card_or_404(request, card_id)
    try:
        archive.archive_card(card, now=clock.now(), actor=request.user)
    except ValidationFailed as error:
        return _card_page(request, card, error.errors, 422)
    messages.success(request, f"'{card.title}' archived: it has left the board.")
    return _back(card)


@require_POST
@page("work.edit")
def card_restore(request, card_id: int):
    """Restore a card; over a WIP limit the page answers 422 with the limit broken, and
    the reason field (``restore-reason``) to go over it."""
    card = _card_or_404(request, card_id)
    try:
        archive.restore_card(
            card,
            now=clock.now(),
            override_reason=request.POST.get("override_reason", ""),
            actor=request.user,
        )
    except ValidationFailed as error:
        shown = selectors.card(request.workspace, card_id)
        return _card_page(request, shown, error.errors, 422, posted=request.POST, restoring=True)
    messages.success(request, f"'{card.title}' restored to {card.column.name}.")
    return _back(card)


@require_POST
@page("work.manage")
def card_delete(request, card_id: int):
    card = _card_or_404(request, card_id)
    try:
        archive.delete_card(card, actor=request.user)
    except ValidationFailed as error:
        return _card_page(request, card, error.errors, 422)
    messages.success(request, f"'{card.title}' deleted.")
    return HttpResponseRedirect(reverse("work-archived", args=[card.board.slug]))


@page("work.view")
def archived_list(request, slug: str):
    """The board's archived cards, a page at a time, the most recently archived first."""
    board = selectors.board(request.workspace, slug)
    if board is None:
        raise Http404("no such board")
    table = Table(
        request,
        selectors.archived_cards(board),
        [
            Column(
                "title",
                "Card",
                sortable=True,
                href=lambda row: reverse("work-card", args=[row["pk"]]),
                min_width=10,
            ),
            Column("column__name", "Column", nowrap=True),
            Column(
                "assignee__username",
                "Assignee",
                text=lambda row: row["assignee__username"] or "Nobody",
            ),
            Column("archived_at", "Archived", format="datetime", sortable=True),
        ],
        default_sort="-archived_at",
        caption=f"Archived cards of {board.name}",
        empty_title="No archived cards.",
        empty_hint="Archive a card from its page: it leaves the board and is listed here.",
        html_id="archived-cards",
    )
    context = {"board": board, "table": table, "can_manage": allows(request.role, "work.manage")}
    return render(request, "work/archived.html", context)
