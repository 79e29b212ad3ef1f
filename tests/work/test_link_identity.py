"""A card's link has one identity: the id of what it names. A campaign named by its key is
stored under its id, so the same campaign cannot be linked twice (once by key, once by
id): the second is refused at ``target_id`` on the page (422, inline, the typed value
kept) and in the API (422), with nothing written; so is a bulk link to it (per card,
``tests/work/test_bulk_links.py``). A campaign deleted and made again with the same key
is a new campaign: the old link does not follow the key to it."""

import pytest

from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.planning.actions import create_campaign, delete_campaign
from pacer.work import actions, bulk, links
from pacer.work.models import CardLink
from tests.browser_pages import signed_in
from tests.web.error_links import broken_error_links
from tests.work.conftest import NOW
from tests.work.test_refused_forms import _fits

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]


@pytest.fixture
def card(board):
    return actions.create_card(board, title="launch", now=NOW)


@pytest.fixture
def spring(workspace):
    return create_campaign(workspace, "spring", "email", name="Spring sale")


def _written():
    return sorted(CardLink.objects.values_list("card_id", "kind", "target_id")), sorted(
        AuditEntry.objects.values_list("pk", flat=True)
    )


@pytest.mark.parametrize("first,second", [("key", "id"), ("id", "key"), ("key", "key")])
def test_a_campaign_linked_by_key_and_by_id_is_one_link(card, spring, admin, first, second):
    spelled = {"key": "spring", "id": str(spring.pk)}
    link = actions.add_link(card, "campaign", spelled[first], actor=admin)
    assert (link.kind, link.target_id) == ("campaign", str(spring.pk))
    before = _written()

    with pytest.raises(ValidationFailed) as refused:
        actions.add_link(card, "campaign", spelled[second], actor=admin)

    assert refused.value.errors == {
        "target_id": f"the card already links to campaign {spring.pk} (Spring sale)"
    }
    assert _written() == before
    assert before[0] == [(card.pk, "campaign", str(spring.pk))]


def test_a_key_of_digits_names_the_campaign_of_that_id_first(workspace, card, spring):
    digits = create_campaign(workspace, str(spring.pk), "email", name="Digits")
    link = actions.add_link(card, "campaign", str(spring.pk))
    assert link.target_id == str(spring.pk)  # the id wins over a key spelled the same
    assert links.resolve(workspace, "campaign", "spring").ref == str(spring.pk)
    assert links.resolve(workspace, "campaign", str(digits.pk)).ref == str(digits.pk)


def test_a_campaign_made_again_under_a_deleted_ones_key_is_not_the_old_link(
    workspace, card, spring, admin
):
    actions.add_link(card, "campaign", "spring")
    delete_campaign(spring, actor=admin)
    again = create_campaign(workspace, "spring", "email", name="Spring sale again")

    assert links.resolve(workspace, "campaign", str(spring.pk)) is None  # "no longer there"
    actions.add_link(card, "campaign", "spring")  # the new campaign: a new link

    assert sorted(card.links.values_list("target_id", flat=True)) == sorted(
        [str(spring.pk), str(again.pk)]
    )


def test_a_bulk_link_by_key_to_a_card_linked_by_id_is_refused_for_that_card(board, card, spring):
    other = actions.create_card(board, title="other", now=NOW)
    actions.add_link(card, "campaign", str(spring.pk))
    before = _written()

    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_edit(board, [card.pk, other.pk], {"link": ["campaign", "spring"]}, now=NOW)

    reason = f"the card already links to campaign {spring.pk} (Spring sale)"
    assert refused.value.errors == {f"cards.{card.pk}.link.target_id": reason}
    assert _written() == before


def test_the_card_page_refuses_the_second_link_inline_with_the_typed_key_kept(ada, card, spring):
    assert (
        ada.post(
            f"/work/cards/{card.pk}/",
            {"op": "link", "kind": "campaign", "target_id": str(spring.pk)},
        ).status_code
        == 302
    )
    before = _written()

    response = ada.post(
        f"/work/cards/{card.pk}/", {"op": "link", "kind": "campaign", "target_id": "spring"}
    )

    assert response.status_code == 422
    page = response.content.decode()
    reason = f"the card already links to campaign {spring.pk} (Spring sale)"
    assert f'<div class="field-error" id="field-target_id-error"><p>{reason}</p>' in page
    label = "Name or id"  # the field's label, not target_id
    assert f'<a href="#field-target_id">{label}: {reason}</a>' in page
    assert 'name="target_id" type="text" value="spring"' in page
    assert broken_error_links(page) == []
    assert '<option value="campaign" selected>Campaign</option>' in page
    assert 'id="field-title" name="title" type="text" value="launch"' in page  # the card's
    assert _written() == before


@pytest.fixture
def api(workspace, admin, client):
    _, token = core.issue_api_key(workspace, "personal", "test", user=admin)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def call(method, path, body=None, **extra):
        send = getattr(client, method)
        if body is None:
            return send(f"/api/work{path}", **{**headers, **extra})
        return send(
            f"/api/work{path}", body, content_type="application/json", **{**headers, **extra}
        )

    return call


def test_the_api_links_a_card_once_and_answers_422_for_the_same_campaign_by_key(
    api, card, spring, admin
):
    made = api("post", f"/cards/{card.pk}/links", {"kind": "campaign", "target_id": "spring"})
    assert made.status_code == 201
    assert made.json() == {
        "id": card.links.get().pk,
        "kind": "campaign",
        "target_id": str(spring.pk),
        "label": "Spring sale",
    }
    assert AuditEntry.objects.filter(action="card.link").values_list("actor_id", "after").get() == (
        admin.pk,
        {"campaign": str(spring.pk)},
    )
    before = _written()

    again = api(
        "post", f"/cards/{card.pk}/links", {"kind": "campaign", "target_id": f"+{spring.pk}"}
    )

    assert again.status_code == 422
    assert again.json()["errors"] == {
        "target_id": f"the card already links to campaign {spring.pk} (Spring sale)"
    }
    assert _written() == before
    assert api("get", f"/cards/{card.pk}/links").json() == [made.json()]


def test_the_link_api_is_gated_and_scoped_to_the_workspace(api, client, card, spring):
    other = core.create_workspace("Other", slug="other")
    theirs = create_campaign(other, "theirs", "email", name="Not ours")
    body = {"kind": "campaign", "target_id": "spring"}

    assert (
        client.post(
            f"/api/work/cards/{card.pk}/links", body, content_type="application/json"
        ).status_code
        == 401
    )
    missing = api("post", "/cards/999999/links", body)
    assert (missing.status_code, missing.json()["errors"]) == (
        404,
        {"card_id": "no card 999999 in this workspace"},
    )
    foreign = api("post", f"/cards/{card.pk}/links", {"kind": "campaign", "target_id": "theirs"})
    assert (foreign.status_code, foreign.json()["errors"]) == (
        422,
        {"target_id": "there is no campaign 'theirs' in this workspace"},
    )
    by_their_id = api(
        "post", f"/cards/{card.pk}/links", {"kind": "campaign", "target_id": str(theirs.pk)}
    )
    assert by_their_id.status_code == 422
    assert CardLink.objects.count() == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_refused_link_shows_at_its_field_on_a_phone_and_a_desktop(
    browser, live_server, admin, card, spring
):
    """At 390 and 1440 px: the second link to the campaign (by key) comes back with the
    reason under the field, the key kept, the error box's link landing on the field, and
    no sideways scroll (a screenshot each with ``$PACER_SCREENSHOTS``)."""
    actions.add_link(card, "campaign", str(spring.pk))
    before, found = _written(), []
    for width in (390, 1440):
        context, page = signed_in(browser, live_server.url, width)
        page.goto(f"{live_server.url}/work/cards/{card.pk}/")
        page.select_option("#field-kind", "campaign")
        page.fill("#field-target_id", "spring")
        page.click("#link-form button[type=submit]")
        page.wait_for_selector("#field-target_id-error")
        assert page.inner_text("#field-target_id-error") == (
            f"the card already links to campaign {spring.pk} (Spring sale)"
        )
        assert page.input_value("#field-target_id") == "spring"
        page.click('a[href="#field-target_id"]')
        assert page.evaluate("document.activeElement.id") == "field-target_id"
        found += _fits(page, "refused-card-link", width)
        context.close()
    assert found == [], "\n".join(found)
    assert _written() == before
