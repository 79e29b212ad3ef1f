"""Fixtures shared by the planning tests."""

import pytest

from tests.planning.alerts_fixture import alert_lines as build_alert_lines
from tests.planning.alerts_fixture import alert_owner as build_alert_owner


@pytest.fixture
def alert_owner(workspace):
    """olga, a marketer who owns the alerts' program."""
    return build_alert_owner(workspace)


@pytest.fixture
def alert_lines(workspace, alert_owner):
    """The variance alerts' plan (``tests.planning.alerts_fixture``)."""
    return build_alert_lines(workspace, alert_owner)
