"""``POST /api/leads/forms`` never overwrites a form that another request makes with the
same key at the same moment: the other request, in its own connection, makes and commits
the form between this one's checks and its write (the fault point
``leads.form.validated``); this one is refused with 422 naming ``key`` and the other's
form stays as it was. PostgreSQL only: SQLite takes the write lock when the transaction
begins, so the second request waits for the first and the race cannot arise there."""

import threading

import pytest
from django.db import connection
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core import clock, faults
from pacer.core.models import AuditEntry
from pacer.leads import forms
from pacer.leads.models import LeadForm

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent writers"),
]
OFFER = {"key": "spring-offer", "title": "Spring", "fields": {"email": "required"}}


def test_a_form_made_meanwhile_by_another_request_is_refused_not_overwritten(workspace, admin):
    _, token = core_actions.issue_api_key(workspace, "personal", "test", user=admin)
    failures: list[BaseException] = []

    def other_request() -> None:
        try:
            forms.save_form(workspace, {**OFFER, "title": "First"}, now=clock.now())
        except BaseException as error:  # noqa: BLE001 - shown by the assertion below
            failures.append(error)
        finally:
            connection.close()

    started: list[bool] = []

    def make_it_meanwhile() -> None:
        if not started:  # once: the other request's own save passes the point too
            started.append(True)
            thread = threading.Thread(target=other_request)
            thread.start()
            thread.join(timeout=30)

    with faults.hooked("leads.form.validated", make_it_meanwhile):
        raced = Client().post(
            "/api/leads/forms",
            {**OFFER, "title": "Second"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert not failures, failures
    assert raced.status_code == 422, raced.json()
    assert raced.json()["errors"] == {"key": "a form with this key exists; change it with PUT"}
    assert LeadForm.objects.get().title == "First"
    assert AuditEntry.objects.filter(action="leads.form").count() == 1
