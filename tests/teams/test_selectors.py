"""Reads of the teams domain that other domains call with what a user typed."""

import pytest

from pacer.teams.selectors import team_by_key

pytestmark = pytest.mark.django_db


def test_a_key_is_found_ignoring_case_and_spaces_and_one_with_a_nul_names_no_team(workspace):
    """A NUL in the key was a 500 on PostgreSQL from every form that names a team (plans,
    work boards, content items): it cannot be in a query, and no key has one."""
    found = team_by_key(workspace, "  Performance ")
    assert found is not None and found.key == "performance"
    assert team_by_key(workspace, "perform\x00ance") is None
    assert team_by_key(workspace, "nobody") is None
