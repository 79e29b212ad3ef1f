"""The escalation step rows of a form's settings page and the SLA page: the filled steps
and one blank are drawn (not all ten); "Add a step" draws one blank more with what was
typed and saves nothing; a refusal of a step's field still links to that field."""

# ruff: noqa: F811  (pytest passes the imported fixture `team` by name)
import re

import pytest
from django.test import Client

from pacer.leads import escalation
from pacer.leads.models import EscalationStep
from tests.leads.test_form_escalation import team  # noqa: F401  (the fixture)
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(workspace, admin):
    client = Client()
    client.force_login(admin)
    return client


def _legends(html: str) -> list[str]:
    return re.findall(r"<legend>(Step \d+)</legend>", html)


def test_the_form_page_draws_the_filled_steps_and_one_blank(workspace, team, logged_in):
    # a form without its own chain: a suggested first step (managers at once), one blank
    assert _legends(logged_in.get("/leads/forms/vip/").content.decode()) == ["Step 1", "Step 2"]
    escalation.save_form_chain(
        workspace,
        "vip",
        {
            "mode": "own",
            "steps": [
                {"delay_minutes": 0, "to": "managers"},
                {"delay_minutes": 30, "to": "email", "address": "desk@north.test"},
            ],
        },
    )
    html = logged_in.get("/leads/forms/vip/").content.decode()
    assert _legends(html) == ["Step 1", "Step 2", "Step 3"]
    assert 'name="steps_drawn" value="3"' in html and ">Add a step</button>" in html


def test_add_a_step_draws_one_more_keeps_what_was_typed_and_saves_nothing(
    workspace, team, logged_in
):
    typed = {"mode": "own", "steps[0].delay_minutes": "10", "steps[0].to": "managers"}
    added = logged_in.post("/leads/forms/vip/", {**typed, "steps_drawn": "2", "add_step": "1"})
    assert added.status_code == 200
    html = added.content.decode()
    assert _legends(html) == ["Step 1", "Step 2", "Step 3"]
    assert '<input id="esc-steps-0-delay_minutes" name="steps[0].delay_minutes"' in html
    assert 'value="10"' in html and 'value="own" checked' in html
    assert escalation.form_chain(workspace, "vip")["mode"] == "default"
    assert not EscalationStep.objects.exists()
    many = logged_in.post("/leads/forms/vip/", {**typed, "steps_drawn": "9", "add_step": "1"})
    assert len(_legends(many.content.decode())) == 10  # the most a chain has
    assert ">Add a step</button>" not in many.content.decode()


def test_a_refused_step_far_down_still_links_to_its_field(workspace, team, logged_in):
    refused = logged_in.post(
        "/leads/forms/vip/",
        {
            "mode": "own",
            "steps[0].delay_minutes": "0",
            "steps[0].to": "managers",
            "steps[6].delay_minutes": "15",
            "steps[6].to": "email",
            "steps[6].address": "not-an-address",
        },
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert _legends(html) == [f"Step {n}" for n in range(1, 9)]  # up to it, and one blank
    assert error_links(html) == ["esc-steps-6-address"] and broken_error_links(html) == []
    assert not EscalationStep.objects.exists()


def test_the_sla_page_draws_one_blank_step_and_adds_one(workspace, team, logged_in):
    assert _legends(logged_in.get("/leads/sla/").content.decode()) == ["Step 1", "Step 2"]
    added = logged_in.post(
        "/leads/sla/",
        {
            "form": "escalation",
            "location": "north",
            "steps[0].delay_minutes": "0",
            "steps[0].to": "managers",
            "steps_drawn": "2",
            "add_step": "1",
        },
    )
    assert added.status_code == 200
    assert _legends(added.content.decode()) == ["Step 1", "Step 2", "Step 3"]
    assert not EscalationStep.objects.exists()
