"""The warehouse's one page action: sync now."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core.permissions import page
from pacer.warehouse.tasks import sync_warehouse


@require_POST
@page("warehouse.sync")
def sync_now(request):
    sync_warehouse.enqueue()
    messages.info(request, "Warehouse sync queued; the dashboard refreshes when it is done.")
    return HttpResponseRedirect(reverse("dashboard"))
