"""The inbox's "Why (top reasons)" column and the lead page show each reason by its
label and the human name of its value (the form's title, the channel's label, the
location's name, how it was captured), never the stored keys."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.leads.forms import save_form
from pacer.leads.models import Lead
from tests.leads.test_followup import agent, lead_at

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_reasons_read_as_labels_and_names_on_the_inbox_and_the_lead_page(
    workspace, north, admin, clock_at
):
    save_form(
        workspace,
        {"key": "contact-us", "title": "Contact us", "fields": {"email": "required"}},
        now=NOW,
    )
    agent(workspace, admin, north)
    lead = lead_at(workspace, NOW, clock_at, form="contact-us")
    reasons = [
        {"feature": "form", "value": "contact-us", "effect": -0.61},
        {"feature": "channel", "value": "paid_search", "effect": 0.42},
        {"feature": "location", "value": str(north.pk), "effect": -0.3},
        {"feature": "source", "value": "form", "effect": 0.2},
        {"feature": "weekday_hour", "value": "mon-09", "effect": 0.1},
    ]
    Lead.objects.filter(pk=lead.pk).update(predicted=0.25, predicted_reasons=reasons)
    client = Client()
    client.force_login(admin)
    inbox = client.get("/leads/?view=open").content.decode()
    assert (
        "− Form: Contact us; + Channel: Paid search; − Location: North; "
        "+ Source: web form; + Arrived: Monday, 09:00-10:00"
    ) in inbox
    assert "form contact-us" not in inbox and "channel paid_search" not in inbox
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    for line in (
        "<li>lowers it: Form: Contact us</li>",
        "<li>raises it: Channel: Paid search</li>",
        "<li>lowers it: Location: North</li>",
        "<li>raises it: Source: web form</li>",
    ):
        assert line in page
