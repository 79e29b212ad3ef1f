"""Suppression lookups: one indexed query per batch, on normalised, hashed identifiers."""

from datetime import UTC, datetime

import pytest

from pacer.core.actions import create_workspace
from pacer.ingest.spec import validate
from pacer.privacy.actions import erase_person
from pacer.privacy.models import Suppression
from pacer.privacy.selectors import (
    is_suppressed,
    suppressed,
    suppressed_messages,
    suppressions_under_other_keys,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def erased(workspace):
    """Someone unknown to the workspace, erased by all four kinds of identifier."""
    for identifiers in (
        {"email": "gone@example.org", "phone": "+44 20 7946 0000"},
        {"user_id": "u-gone", "anonymous_id": "a-gone"},
    ):
        erase_person(workspace, identifiers)
    assert Suppression.objects.count() == 4
    return workspace


def test_a_batch_is_checked_in_one_query(erased, django_assert_num_queries):
    asked = [("anonymous_id", f"visitor-{i}") for i in range(3000)] + [
        ("email", "  GONE@example.org "),
        ("phone", "+44 (20) 7946-0000"),
        ("user_id", "u-gone"),
        ("anonymous_id", "a-gone"),
        ("user_id", "a-gone"),  # the right value under another kind is someone else
    ]
    with django_assert_num_queries(1):
        found = suppressed(erased, asked)
    assert found == set(asked[3000:3004])
    with django_assert_num_queries(0):
        assert suppressed(erased, []) == set()


def test_suppression_belongs_to_its_workspace(erased):
    other = create_workspace("Other", slug="other")
    assert is_suppressed(erased, [("user_id", "u-gone")])
    assert not is_suppressed(other, [("user_id", "u-gone")])


def test_messages_carrying_a_suppressed_identifier_are_picked_out(
    erased, django_assert_num_queries
):
    raw = [
        {"type": "track", "event": "Viewed", "userId": "u-ok"},
        {"type": "page", "anonymousId": "a-gone"},
        {"type": "identify", "userId": "u-new", "traits": {"email": "Gone@Example.org"}},
        {"type": "identify", "userId": "u-ok2", "traits": {"phone": "+442079460000"}},
        {"type": "alias", "userId": "u-fresh", "previousId": "u-gone"},
        {"type": "track", "event": "Viewed", "anonymousId": "a-ok",
         "properties": {"email": "gone@example.org"}},  # not an identifier of a track call
    ]  # fmt: skip
    messages = [
        validate({"messageId": f"m{i}", **m}, call_type=None, received_at=NOW)
        for i, m in enumerate(raw)
    ]
    with django_assert_num_queries(1):
        assert suppressed_messages(erased, messages) == {1, 2, 3, 4}


def test_a_changed_hashing_key_shows_up_as_unmatchable_suppressions(erased, settings):
    assert suppressions_under_other_keys() == 0
    settings.PRIVACY_HASH_KEY = "a-new-key"
    assert not is_suppressed(erased, [("user_id", "u-gone")])
    assert suppressions_under_other_keys() == 4
