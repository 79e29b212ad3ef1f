"""The links of a lead form's escalation error box (its settings page) land on what was
refused, checked with ``tests/web/error_links``: a refused step's field on that field, a
missing step on the steps' fieldset (it takes the focus), a refused choice of mode on the
mode's radio group."""

# ruff: noqa: F811  (pytest passes the imported fixture `team` by name)
import pytest
from django.test import Client

from pacer.leads import escalation
from tests.leads.test_form_escalation import team  # noqa: F401  (the fixture)
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(workspace, admin):
    client = Client()
    client.force_login(admin)
    return client


def test_a_refused_steps_error_links_to_its_field_and_writes_nothing(
    workspace,
    team,
    logged_in,
):
    refused = logged_in.post(
        "/leads/forms/vip/",
        {"mode": "own", "steps[1].delay_minutes": "5", "steps[1].to": "email"},
    )
    assert refused.status_code == 422
    assert refused.context["chain_errors"] == {"steps[1].address": "must not be empty"}
    html = refused.content.decode()
    assert error_links(html) == ["esc-steps-1-address"]
    assert broken_error_links(html) == []
    assert '<fieldset class="form-row" id="esc-steps" tabindex="-1">' in html
    assert escalation.form_chain(workspace, "vip") == {
        "form": "vip",
        "mode": "default",
        "steps": [],
    }


def test_an_own_chain_without_steps_links_to_the_steps(workspace, team, logged_in):
    refused = logged_in.post("/leads/forms/vip/", {"mode": "own"})
    assert refused.status_code == 422
    assert refused.context["chain_errors"] == {"steps": "must list at least one step"}
    html = refused.content.decode()
    assert error_links(html) == ["esc-steps"] and broken_error_links(html) == []
    assert escalation.form_chain(workspace, "vip")["mode"] == "default"


def test_a_refused_mode_links_to_its_radio_group(workspace, team, logged_in):
    refused = logged_in.post("/leads/forms/vip/", {"mode": "loud"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert error_links(html) == ["esc-mode"]
    assert broken_error_links(html) == []
