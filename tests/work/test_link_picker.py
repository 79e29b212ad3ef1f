"""The card page's link picker: choose the kind, type a few letters, pick from the matches
(each domain's search selector, scoped to the workspace), and the link shows the target's
name with a link to its page. What it finds is exact (names holding the text, by name; an
id or a campaign's key named exactly comes first); another workspace's things are never
listed nor linked; a kind the role cannot see in its own domain finds nothing; a refused
kind or id is named at its field with nothing written."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.content import actions as content
from pacer.core import actions as core
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.leads.models import Lead
from pacer.people.models import Contact
from pacer.planning.actions import create_campaign
from pacer.work import actions, links
from pacer.work.models import CardLink
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 1, 9, tzinfo=UTC)


@pytest.fixture
def card(board):
    return actions.create_card(board, title="launch", now=NOW)


@pytest.fixture
def campaigns(workspace):
    """Spring sale (spring), Spring clearance (spring-clear) and Autumn (autumn) here;
    Spring elsewhere (another workspace's)."""
    other = core.create_workspace("Other", slug="other")
    create_campaign(other, "their-spring", "email", name="Spring elsewhere")
    return {
        key: create_campaign(workspace, key, "email", name=name)
        for key, name in (
            ("spring", "Spring sale"),
            ("spring-clear", "Spring clearance"),
            ("autumn", "Autumn"),
        )
    }


def _found(search):
    return [(t.label, t.ref, t.url) for t in search.targets]


def _choices(html: str) -> list[tuple[str, str]]:
    """The radio buttons of a picker fragment: (value, label text)."""
    return re.findall(r'<input type="radio" name="pick" value="(\d+)"[^>]*> ([^<]+)</label>', html)


def test_campaigns_are_found_by_name_or_key_in_this_workspace_only(workspace, campaigns):
    spring, clear = campaigns["spring"], campaigns["spring-clear"]

    found = links.search(workspace, Role.MARKETER, "campaign", "SPR")

    assert _found(found) == [
        ("Spring clearance (spring-clear)", str(clear.pk), f"/campaigns/{clear.pk}/"),
        ("Spring sale (spring)", str(spring.pk), f"/campaigns/{spring.pk}/"),
    ]
    assert (found.more, found.problem) == (False, "")
    # its key named exactly comes first, as a link by key always did
    assert [
        t.ref for t in links.search(workspace, Role.MARKETER, "campaign", "spring").targets
    ] == [
        str(spring.pk),
        str(clear.pk),
    ]
    assert links.search(workspace, Role.MARKETER, "campaign", "elsewhere").targets == []
    assert links.search(workspace, Role.MARKETER, "campaign", "their-spring").problem == (
        "No campaign matches “their-spring”."
    )


def test_content_items_leads_and_journeys_are_found(workspace, admin):
    brief = content.create_item(workspace, title="Spring brief", kind="blog_post", actor=admin)
    content.create_item(workspace, title="Autumn post", kind="blog_post", actor=admin)
    person = Contact.objects.create(
        workspace=workspace, first_name="Ana", last_name="Ruiz", email="ana@x.test"
    )
    lead = Lead.objects.create(
        workspace=workspace,
        contact=person,
        event_id=1,
        created_at=AT,
        source="form",
        stage="lead",
        stage_changed_at=AT,
    )

    assert _found(links.search(workspace, Role.STAFF, "content", "spring")) == [
        ("Spring brief", str(brief.pk), f"/content/items/{brief.pk}/")
    ]
    assert _found(links.search(workspace, Role.STAFF, "lead", "ruiz")) == [
        (f"Ana Ruiz (lead #{lead.pk})", str(lead.pk), f"/leads/{lead.pk}/")
    ]
    assert links.resolve(workspace, "lead", str(lead.pk)).label == f"Ana Ruiz (lead #{lead.pk})"
    assert _found(links.search(workspace, Role.STAFF, "journey", " welcome-7 ")) == [
        ("Journey welcome-7", "welcome-7", "")
    ]


def test_a_kind_the_role_cannot_see_finds_nothing(workspace):
    found = links.search(workspace, Role.STAFF, "message", "spring")
    assert found.targets == []
    assert found.problem == "Your role cannot see messages; type its id instead."
    assert links.search(workspace, Role.STAFF, "bogus", "x").problem == "Choose what to link to."


def test_the_search_answers_the_matches_as_radio_buttons(ada, card, campaigns):
    spring, clear = campaigns["spring"], campaigns["spring-clear"]

    answer = ada.get(
        f"/work/cards/{card.pk}/link-search/", {"kind": "campaign", "target_id": "spr"}
    )

    assert answer.status_code == 200
    html = answer.content.decode()
    assert _choices(html) == [
        (str(clear.pk), "Spring clearance (spring-clear)"),
        (str(spring.pk), "Spring sale (spring)"),
    ]
    assert '<input type="hidden" name="pick_kind" value="campaign">' in html
    assert "elsewhere" not in html


def test_picking_a_match_makes_the_link_shown_by_name_with_its_page(ada, card, campaigns):
    spring = campaigns["spring"]

    made = ada.post(
        f"/work/cards/{card.pk}/",
        {
            "op": "link",
            "kind": "campaign",
            "target_id": "spr",
            "pick": str(spring.pk),
            "pick_kind": "campaign",
        },
    )

    assert made.status_code == 302
    assert list(CardLink.objects.values_list("card_id", "kind", "target_id")) == [
        (card.pk, "campaign", str(spring.pk))
    ]
    page = ada.get(f"/work/cards/{card.pk}/").content.decode()
    assert f'Campaign: <a href="/campaigns/{spring.pk}/">Spring sale</a>' in page


def test_a_pick_listed_for_another_kind_is_not_taken(ada, card, campaigns):
    """Picked under 'campaign', then the kind changed (no script to refresh the list):
    the typed text is what the form names, and it names no content item."""
    before = AuditEntry.objects.count()
    refused = ada.post(
        f"/work/cards/{card.pk}/",
        {
            "op": "link",
            "kind": "content",
            "target_id": "spr",
            "pick": str(campaigns["spring"].pk),
            "pick_kind": "campaign",
        },
    )
    assert refused.status_code == 422
    assert "there is no content item &#x27;spr&#x27; in this workspace" in refused.content.decode()
    assert CardLink.objects.count() == 0 and AuditEntry.objects.count() == before


def test_a_refused_kind_or_id_is_named_at_its_field_with_the_matches_listed(ada, card, campaigns):
    before = AuditEntry.objects.count()
    other = campaigns["spring"].pk + 100

    bad_kind = ada.post(
        f"/work/cards/{card.pk}/", {"op": "link", "kind": "bogus", "target_id": "spring"}
    )
    typed = ada.post(
        f"/work/cards/{card.pk}/", {"op": "link", "kind": "campaign", "target_id": "spr"}
    )
    hostile = ada.post(
        f"/work/cards/{card.pk}/",
        {"op": "link", "kind": "campaign", "pick": str(other), "pick_kind": "campaign"},
    )

    assert bad_kind.status_code == typed.status_code == hostile.status_code == 422
    assert "Link to: must be one of campaign, content, journey, lead, asset, message" in (
        bad_kind.content.decode()
    )
    page = typed.content.decode()
    assert "Name or id: there is no campaign &#x27;spr&#x27; in this workspace" in page
    assert [label for _, label in _choices(page)] == [
        "Spring clearance (spring-clear)",
        "Spring sale (spring)",
    ]
    assert f"Name or id: there is no campaign &#x27;{other}&#x27; in this workspace" in (
        hostile.content.decode()
    )
    assert CardLink.objects.count() == 0 and AuditEntry.objects.count() == before


def test_the_search_needs_the_right_to_edit_cards_and_stays_in_the_workspace(
    workspace, card, campaigns
):
    other = core.create_workspace("Elsewhere", slug="elsewhere")
    core.create_user(other, "eve", "long-password-1", Role.ADMIN)
    client = Client()
    client.login(username="eve", password="long-password-1")
    assert (
        client.get(f"/work/cards/{card.pk}/link-search/", {"kind": "campaign", "target_id": "s"})
    ).status_code == 404
    assert Client().get(f"/work/cards/{card.pk}/link-search/").status_code == 302
