"""The staff email page (admins): the workspace's emails to staff by status, failed ones
first with the reason, and a button that queues the failed ones again."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core import outbox
from pacer.core.models import EmailStatus
from pacer.core.permissions import page
from pacer.web.filters import Choice, FilterBar
from pacer.web.tables import Column, Table

EMPTY = {
    "failed": ("No failed emails.", "Emails the mail server refused, or that failed too often."),
    "queued": ("Nothing waits to be sent.", "New emails wait here for the worker."),
    "sent": ("Nothing sent yet.", "Alerts and notices to staff show here once sent."),
}


@page("staff_email.manage")
def staff_email(request):
    bar = FilterBar(request, [Choice("status", "Status", EmailStatus.choices, default="failed")])
    status = bar.values["status"] or "failed"
    counts = outbox.counts(request.workspace)
    title, hint = EMPTY[status]
    table = Table(
        request,
        outbox.emails(request.workspace, status),
        [
            Column("created_at", "Queued", format="datetime", sortable=True),
            Column("to_email", "To", sortable=True),
            Column("subject", "Subject"),
            Column("source", "From", sortable=True),
            Column("attempts", "Attempts", format="count", sortable=True),
            Column("last_error", "Reason", visible=status != "sent"),
            Column("due_at", "Next try", format="datetime", visible=status == "queued"),
            Column("sent_at", "Sent", format="datetime", visible=status == "sent"),
            Column("failed_at", "Failed", format="datetime", visible=status == "failed"),
        ],
        default_sort="-created_at",
        caption=f"{EmailStatus(status).label} staff emails",
        empty_title=title,
        empty_hint=hint,
        html_id="staff-email",
    )
    context = {"table": table, "bar": bar, "counts": counts, "status": status}
    return render(request, "core/staff_email.html", context)


@require_POST
@page("staff_email.manage")
def staff_email_retry(request):
    count = outbox.retry_failed(request.workspace, actor=request.user)
    if count:
        messages.success(request, f"{count} failed email{'s' if count != 1 else ''} queued again.")
    else:
        messages.info(request, "No failed emails to queue again.")
    return HttpResponseRedirect(reverse("staff-email"))
