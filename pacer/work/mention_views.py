"""The signed-in member's mentions: the list (unread, or all), opening one (marks it read
and shows the comment on its card), marking them all read, and turning mention emails on
or off."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page
from pacer.web.address import show_at
from pacer.web.tables import Column, Table
from pacer.work import comments, mention_email, selectors

NO_ADDRESS = "your account has no email address to send mention emails to"


@page("work.view")
def notification_list(request):
    return _notifications_page(request)


def _notifications_page(request, errors=None):
    """The mentions page; after a refused "mark read" with the reason above its button,
    answered 422."""
    show_at(request, reverse("work-notifications"))
    show_all = request.GET.get("show") == "all"
    rows = selectors.notifications(request.workspace, request.user, unread_only=not show_all)
    table = Table(
        request,
        rows,
        [
            Column(
                "card__title",
                "Card",
                href=lambda row: reverse("work-notification", args=[row["pk"]]),
            ),
            Column(
                "comment__body",
                "Comment",
                text=lambda row: truncatechars(row["comment__body"], 140),
            ),
            Column("comment__author__username", "By"),
            Column("created_at", "When", format="datetime", sortable=True),
            Column("card__board__name", "Board", visible=False),
            Column("read_at", "Read", format="datetime", visible=show_all),
        ],
        default_sort="-created_at",
        caption="Mentions",
        empty_title="No unread mentions." if not show_all else "Nobody has mentioned you yet.",
        empty_hint="A comment that says @" + request.user.get_username() + " shows here.",
        html_id="mentions-table",
    )
    context = {
        "table": table,
        "show_all": show_all,
        "unread": selectors.unread_mentions(request.workspace, request.user).count(),
        "wants_email": mention_email.wants_email(request.workspace, request.user),
        "errors": errors or {},
    }
    return render(request, "work/notifications.html", context, status=422 if errors else 200)


@page("work.view")
def notification_open(request, notification_id: int):
    """Mark the notification read and show its comment on the card."""
    found = (
        selectors.notifications(request.workspace, request.user).filter(pk=notification_id).first()
    )
    if found is None:
        raise Http404("no such notification")
    comments.mark_read(request.workspace, request.user, now=clock.now(), ids=[found.pk])
    card_url = reverse("work-card", args=[found.card_id])
    return HttpResponseRedirect(f"{card_url}#comment-{found.comment_id}")


@require_POST
@page("work.view")
def notifications_read(request):
    """Mark all the user's unread mentions read (or those ticked, ``ids``)."""
    ids = request.POST.getlist("ids") or None
    try:
        count = comments.mark_read(request.workspace, request.user, now=clock.now(), ids=ids)
    except ValidationFailed as error:
        return _notifications_page(request, error.errors)
    messages.success(request, f"{count} mention{'s' if count != 1 else ''} marked read.")
    return HttpResponseRedirect(reverse("work-notifications"))


@require_POST
@page("work.view")
def mention_email_preference(request):
    """Turn the member's mention emails on (``email=on``) or off; on is refused (422,
    nothing saved) for an account with no email address to send them to."""
    wanted = request.POST.get("email") == "on"
    if wanted and not request.user.email:
        return _notifications_page(request, {"email": NO_ADDRESS})
    mention_email.set_email_preference(request.workspace, request.user, wanted)
    messages.success(request, f"Mention emails {'on' if wanted else 'off'}.")
    return HttpResponseRedirect(reverse("work-notifications"))
