"""A refusal of one field of a form's repeated rows (``steps[2].address``) links to that
field, not to the rows as a whole (issue 11: the escalation chain's error box took the
reader to the steps' fieldset, five rows of four fields each, and left them to find the
one refused). ``{% form_errors rows="steps" %}`` with the row fields' ids from
``pacer.web.forms.row_field_id``; the links checked with ``tests/web/error_links``."""

# ruff: noqa: F811  (pytest passes the imported fixture `team` by name)
import pytest
from django.test import Client

from pacer.leads.models import EscalationStep
from pacer.web.forms import row_field_id
from tests.leads.conftest import north  # noqa: F401  (the fixture)
from tests.leads.test_escalation import team  # noqa: F401  (the fixture)
from tests.web.error_links import broken_error_links, error_links
from tests.web.test_components import render

ERRORS = {
    "location": "no location 'x' in this workspace",
    "steps": "must list at most 5 steps",
    "steps[1]": "must be a step: delay_minutes, to, and user or address",
    "steps[2].address": "must be an email address (the team's inbox)",
    "steps[3].to": "must be one of owner, managers",
    "variants[0].key": "taken",  # not one of the rows named: its field as before
}


def _links(source: str, errors: dict) -> list[str]:
    return error_links(render(source, errors=errors))


def test_a_row_fields_refusal_links_to_that_field_and_the_rest_as_before():
    assert row_field_id("esc-", "steps", 2, "address") == "esc-steps-2-address"
    assert _links('{% form_errors prefix="esc-" rows="steps" %}', ERRORS) == [
        "esc-location",
        "esc-steps",
        "esc-steps",
        "esc-steps-2-address",
        "esc-steps-3-to",
        "esc-variants",
    ]
    # without rows: every part of the steps on the steps (as before)
    assert _links('{% form_errors prefix="esc-" %}', ERRORS) == [
        "esc-location",
        *["esc-steps"] * 4,
        "esc-variants",
    ]
    # names without a field on the page go to the target, rows or not
    assert _links(
        '{% form_errors prefix="esc-" rows="steps" fields="location" target="esc-save" %}', ERRORS
    ) == ["esc-location", *["esc-save"] * 5]
    # a path that only looks like a row field is not made into an id
    odd = {"steps[2].address.x": "no", "steps[x].to": "no", "steps[2] .to": "no"}
    assert _links('{% form_errors prefix="esc-" rows="steps" %}', odd) == ["esc-steps"] * 3


@pytest.fixture
def logged_in(workspace, admin):
    client = Client()
    client.force_login(admin)
    return client


def test_the_sla_pages_refused_step_address_links_to_step_3s_address(workspace, team, logged_in):
    refused = logged_in.post(
        "/leads/sla/",
        {
            "form": "escalation",
            "location": "north",
            "steps[0].delay_minutes": "0",
            "steps[0].to": "managers",
            "steps[2].delay_minutes": "15",
            "steps[2].to": "email",
            "steps[2].address": "not-an-address",
        },
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert error_links(html) == ["esc-steps-2-address"]
    assert broken_error_links(html) == []
    field = '<input id="esc-steps-2-address" name="steps[2].address" type="email"'
    assert field in html and 'value="not-an-address"' in html
    assert not EscalationStep.objects.exists()
