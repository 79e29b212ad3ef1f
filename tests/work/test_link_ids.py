"""A card's link names a row by its id as ``pacer.core.errors.row_id`` reads one: a sign,
spaces or leading zeros name the same row and the link is stored under its plain id (so
it is not made twice); every id a row can have (up to 2**63 - 1, which has 19 digits) is
found; past it, or zero or negative, nothing is, and the link is refused at its field
instead of a 500 (SQLite raises OverflowError for such a number in a query)."""

import pytest

from pacer.content.models import Asset
from pacer.core.errors import ValidationFailed
from pacer.work import actions, bulk
from pacer.work.models import CardLink
from tests.work.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]
LARGEST = 2**63 - 1


@pytest.fixture
def card(board):
    return actions.create_card(board, title="launch", now=NOW)


def _refusal(card, kind, target_id):
    with pytest.raises(ValidationFailed) as refused:
        actions.add_link(card, kind, target_id)
    return refused.value.errors


def test_ids_of_nineteen_digits_up_to_the_largest_row_id_are_found(workspace, card):
    Asset.objects.create(workspace=workspace, name="Nineteen digits", pk=10**18)
    Asset.objects.create(workspace=workspace, name="Largest", pk=LARGEST)

    actions.add_link(card, "asset", str(10**18))
    actions.add_link(card, "asset", f"+{LARGEST}")

    assert sorted(card.links.values_list("target_id", flat=True)) == [str(10**18), str(LARGEST)]


@pytest.mark.parametrize("spelling", ["+{pk}", " {pk} ", "000{pk}"])
def test_another_spelling_of_a_linked_id_is_the_same_link(workspace, card, spelling):
    asset = Asset.objects.create(workspace=workspace, name="Poster")
    actions.add_link(card, "asset", spelling.format(pk=asset.pk))
    assert list(card.links.values_list("target_id", flat=True)) == [str(asset.pk)]

    assert _refusal(card, "asset", str(asset.pk)) == {
        "target_id": f"the card already links to asset {asset.pk} (Poster)"
    }
    assert card.links.count() == 1


@pytest.mark.parametrize("target_id", [str(LARGEST + 1), "1" * 23, "0", "-5", "5.0", "1e3"])
def test_ids_no_row_can_have_are_refused_at_the_field(workspace, card, target_id):
    for kind, label in [("asset", "asset"), ("content", "content item"), ("lead", "lead")]:
        assert _refusal(card, kind, target_id) == {
            "target_id": f"there is no {label} '{target_id}' in this workspace"
        }
    assert CardLink.objects.count() == 0


def test_a_bulk_link_is_stored_under_the_plain_id_and_refused_when_doubled(workspace, board, card):
    asset = Asset.objects.create(workspace=workspace, name="Poster", pk=10**18)
    bulk.bulk_edit(board, [card.pk], {"link": ["asset", f"+{asset.pk}"]}, now=NOW)
    assert list(card.links.values_list("target_id", flat=True)) == [str(10**18)]
    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_edit(board, [card.pk], {"link": ["asset", f"0{asset.pk}"]}, now=NOW)
    assert refused.value.errors == {
        f"cards.{card.pk}.link.target_id": f"the card already links to asset {10**18} (Poster)"
    }
    assert list(card.links.values_list("target_id", flat=True)) == [str(10**18)]
