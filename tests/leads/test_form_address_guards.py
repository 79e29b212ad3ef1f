"""Behind the HTTPS proxy (``PACER_HTTPS=1``) every visitor of a hosted form reaches Pacer
from the proxy's address: the per-address limit counts the visitor's own (the proxy's
last ``X-Forwarded-For`` hop, ``pacer.core.login.client_address``), so one visitor at
the limit no longer shuts the form for everyone, and a first hop the visitor writes
does not get them past it."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.ingest.models import Event
from pacer.leads.forms import save_form
from pacer.leads.models import FormHit

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _post(email: str, forwarded: str):
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    return client.post("/f/acme/quote/", {"email": email})


def test_one_visitor_at_the_limit_leaves_the_form_open_to_the_others(workspace, settings, clock_at):
    settings.HTTPS = True
    clock_at(NOW)
    save_form(
        workspace,
        {"key": "quote", "title": "Quote", "fields": {"email": "required"}, "max_per_address": 2},
        now=NOW,
    )
    accepted = [_post(f"a{n}@x.test", f"9.9.9.{n}, 203.0.113.5").status_code for n in range(2)]
    assert accepted == [200, 200]
    events = Event.objects.count()
    # a new first hop: still the same visitor, refused with nothing stored
    assert _post("a2@x.test", "9.9.9.2, 203.0.113.5").status_code == 429
    assert Event.objects.count() == events
    assert _post("b@x.test", "203.0.113.6").status_code == 200
    assert sorted(FormHit.objects.values_list("address", flat=True)) == [
        "203.0.113.5",
        "203.0.113.5",
        "203.0.113.6",
    ]
