"""The suppression check's three paths: a workspace that erased nobody (nothing hashed),
few suppressions (matched in memory) and many (asked for by digest)."""

import pytest

from pacer.privacy import selectors
from pacer.privacy.actions import erase_person
from pacer.privacy.selectors import suppressed

pytestmark = pytest.mark.django_db
ASKED = [("email", "gone@example.org"), ("user_id", "u-gone"), ("user_id", "u-here")] + [
    ("anonymous_id", f"visitor-{i}") for i in range(2000)
]


def test_a_workspace_that_erased_nobody_is_answered_by_one_query(
    workspace, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert suppressed(workspace, ASKED) == set()


@pytest.mark.parametrize("held_in_memory", [1000, 2])
def test_few_or_many_suppressions_find_the_same(
    workspace, monkeypatch, django_assert_num_queries, held_in_memory
):
    erase_person(workspace, {"email": "gone@example.org", "phone": "+44 20 7946 0000"})
    erase_person(workspace, {"user_id": "u-gone"})
    monkeypatch.setattr(selectors, "HELD_IN_MEMORY", held_in_memory)
    # 3 suppressions: all read at once under 1000; over 2, asked for by digest
    with django_assert_num_queries(1 if held_in_memory > 3 else 2):
        found = suppressed(workspace, ASKED)
    assert found == {("email", "gone@example.org"), ("user_id", "u-gone")}
