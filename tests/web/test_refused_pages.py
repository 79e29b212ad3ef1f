"""Refused forms whose page lives at another address than the form's (issue 11): the page
comes back (422) saying its own address, so the layout puts it back in the browser, its
tables' sort and page links and its filter bar are built on that address (not on the
address the form was posted to, which answers POST only or redirects), and every link of
its error boxes lands on a focusable element. The walk covers each such refused page we
know of; a new one belongs in ``REFUSALS``."""

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.messaging import actions as messaging
from pacer.planning.budget_actions import plan_lines, request_transfer, set_threshold
from pacer.planning.models import BudgetLine, BudgetTransfer
from pacer.planning.plan_actions import create_node, set_envelopes
from pacer.teams import surveys
from pacer.teams.models import Survey
from pacer.work import actions as work
from pacer.work import comments, labels
from pacer.work.models import Card, Notification
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
ADDRESS = re.compile(r'<meta name="pacer-page-address" content="([^"]*)">')


@pytest.fixture
def shop(workspace, admin, monkeypatch):
    """A board with a label and a card, a mention of ada, a plan with two lines, a
    transfer ada asked for waiting for an approver, and a survey with a sender."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    board = work.create_board(
        workspace,
        team="brand",
        slug="brand-board",
        name="Brand board",
        columns=[{"name": "Backlog", "stage": "todo"}, {"name": "Done", "stage": "done"}],
    )
    labels.create_label(board, name="Urgent", colour="red", now=NOW)
    card = work.create_card(board, title="Poster", now=NOW)
    bob = core.create_user(workspace, "bob", "correct-horse-2", "marketer")
    comments.add_comment(card, "@ada have a look", now=NOW, actor=bob)
    root = create_node(workspace, {"kind": "plan", "name": "FY", "fiscal_year": 2026})
    child = create_node(
        workspace, {"kind": "program", "name": "Brand", "fiscal_year": 2026}, parent_id=root.pk
    )
    set_envelopes(root, {child.pk: "600"}, envelope="1000")
    plan_lines(
        workspace,
        [
            {"node": root.pk, "month": "2026-03", "channel": "tv", "amount": "500"},
            {"node": root.pk, "month": "2026-03", "channel": "email", "amount": "300"},
        ],
    )
    set_threshold(workspace, "10")
    source, target = BudgetLine.objects.order_by("pk")
    transfer = request_transfer(workspace, source.pk, target.pk, "50", "more email", actor=admin)
    sender = messaging.save_sender(workspace, name="Acme", from_email="care@acme.test")
    survey = surveys.create_survey(workspace, name="After your order", kind="nps")
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    return {
        "client": client,
        "board": board,
        "root": root,
        "child": child,
        "lines": (source, target),
        "transfer": transfer,
        "sender": sender,
        "survey": survey,
        "stranger": core.create_workspace("Someone Else", slug="else"),
        "admin": admin,
    }


def _written():
    return (
        Card.objects.count(),
        sorted(Notification.objects.values_list("pk", "read_at")),
        sorted(BudgetTransfer.objects.values_list("pk", "status", "amount")),
        Survey.objects.filter(broadcast_id__isnull=False).count(),
    )


# (what, the POST address, the form, the page's own address, a link of one of its tables
# or its filter bar that must be built on that address); with ``{name}`` filled from the
# fixture
REFUSALS = [
    (
        "mentions: bad ids",
        "/work/mentions/read/",
        {"ids": "x"},
        "/work/mentions/",
        "/work/mentions/?sort=created_at",
    ),
    (
        "board: a card without a title",
        "/work/boards/brand-board/cards/",
        {"title": "  "},
        "/work/boards/brand-board/",
        'action="/work/boards/brand-board/"',
    ),
    (
        "budgets: a negative transfer",
        "/budgets/transfers/",
        {"source": "{source}", "target": "{target}", "amount": "-5", "reason": "x"},
        "/budgets/",
        "/budgets/?transfers-sort=-amount",
    ),
    (
        "budgets: deciding one's own transfer",
        "/budgets/transfers/{transfer}/",
        {"decision": "approve"},
        "/budgets/",
        "/budgets/?transfers-sort=-amount",
    ),
    (
        "plan node: envelopes above the plan's",
        "/plans/{root}/envelopes/",
        {"envelope": "", "child-{child}": "5000"},
        "/plans/{root}/",
        None,
    ),
    (
        "survey: contact ids that are not ids",
        "/experience/surveys/{survey}/send/",
        {"contact_ids": "12, Ann", "sender_id": "{sender}"},
        "/experience/surveys/{survey}/",
        'action="/experience/surveys/{survey}/"',
    ),
    (
        "members: the last admin made staff",
        "/settings/members/{admin}/role/",
        {"role": "staff"},
        "/settings/members/",
        None,
    ),
    (
        "members: the role of someone who is not a member there",
        "/settings/members/99999/role/",
        {"role": "staff"},
        "/settings/members/",
        None,
    ),
    (
        "API keys: revoking a key that is not there",
        "/settings/keys/99999/revoke/",
        {},
        "/settings/keys/",
        None,
    ),
    (
        "workspace switcher: a workspace of someone else",
        "/workspaces/switch/",
        {"workspace": "{stranger}"},
        "/workspaces/switch/",
        None,
    ),
]


def _fill(text: str, shop: dict) -> str:
    source, target = shop["lines"]
    names = {
        "source": source.pk,
        "target": target.pk,
        "transfer": shop["transfer"].pk,
        "root": shop["root"].pk,
        "child": shop["child"].pk,
        "survey": shop["survey"].pk,
        "sender": shop["sender"].pk,
        "stranger": shop["stranger"].pk,
        "admin": shop["admin"].pk,
    }
    return text.format(**names)


@pytest.mark.parametrize(
    ("what", "url", "form", "address", "link"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_a_refused_page_says_its_address_and_its_error_links_land(
    shop, what, url, form, address, link
):
    client = shop["client"]
    url, address = _fill(url, shop), _fill(address, shop)
    before = _written()
    response = client.post(url, {_fill(k, shop): _fill(v, shop) for k, v in form.items()})
    assert response.status_code == 422, what
    page = response.content.decode()
    assert _written() == before  # nothing written
    assert broken_error_links(page) == []
    assert "alert error error-summary" in page
    # the reasons link to where it happened, unless nothing on the page is about it
    assert bool(error_links(page)) == ("not there" not in what and "not a member" not in what)
    moved = ADDRESS.findall(page)
    assert moved == ([address] if address != url else [])
    if link:
        assert _fill(link, shop) in unescape(page)
    assert client.get(address).status_code == 200  # the address the browser is given works


def test_a_page_at_its_own_address_keeps_its_relative_links(shop):
    page = shop["client"].get("/budgets/?team=all").content.decode()
    assert "pacer-page-address" not in page
    assert 'href="?team=all&amp;transfers-sort=-amount"' in page


def test_the_mentions_reason_links_to_its_button_and_to_nothing_without_it(shop):
    client = shop["client"]
    page = client.post("/work/mentions/read/", {"ids": "x"}).content.decode()
    assert '<a href="#read-all-button">Ids: must be notification ids</a>' in page
    assert 'id="read-all-button"' in page
    Notification.objects.update(read_at=NOW)
    page = client.post("/work/mentions/read/", {"ids": "x"}).content.decode()
    assert "<li>Ids: must be notification ids</li>" in page and "#read-all-button" not in page


def test_a_refused_switch_shows_the_switch_page_with_the_reason_at_the_field(shop, workspace):
    client = shop["client"]
    response = client.post("/workspaces/switch/", {"workspace": shop["stranger"].pk})
    assert response.status_code == 422
    page = response.content.decode()
    reason = "you are not a member of that workspace; choose one of yours"
    assert f'<div class="field-error" id="field-workspace-error"><p>{reason}</p></div>' in page
    assert f'<a href="#field-workspace">Workspace: {reason}</a>' in page
    assert "messages" not in response.context or not list(response.context["messages"])
    assert client.get("/").wsgi_request.workspace == workspace  # not switched
    shown = client.get("/workspaces/switch/")
    assert shown.status_code == 200
    assert f'<option value="{workspace.pk}" selected>Acme' in shown.content.decode()


def test_a_refused_survey_send_keeps_what_was_typed_at_its_field(shop):
    survey, sender = shop["survey"], shop["sender"]
    response = shop["client"].post(
        f"/experience/surveys/{survey.pk}/send/",
        {"contact_ids": "12, <b>Ann</b>", "sender_id": sender.pk},
    )
    assert response.status_code == 422
    page = response.content.decode()
    reason = "list contact ids (whole numbers), separated by commas"
    assert f'<div class="field-error" id="send-contact_ids-error"><p>{reason}</p>' in page
    assert "12, &lt;b&gt;Ann&lt;/b&gt;</textarea>" in page
    assert f'<option value="{sender.pk}" selected>' in page
    assert f'<a href="#send-contact_ids">Contact ids: {reason}</a>' in page
    survey.refresh_from_db()
    assert survey.broadcast_id is None


def test_htmx_is_told_the_refused_pages_address(shop):
    client = shop["client"]
    response = client.post("/work/mentions/read/", {"ids": "x"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and response["HX-Replace-Url"] == "/work/mentions/"
    assert "HX-Replace-Url" not in client.get("/work/mentions/", HTTP_HX_REQUEST="true")
    assert "HX-Replace-Url" not in client.post("/work/mentions/read/", {"ids": "x"})
