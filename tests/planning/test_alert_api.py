"""The variance alert thresholds over the REST API: read, set all three (audited),
refused by field with nothing changed, and only approvers may set them."""

import pytest

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning.budget_actions import planning_settings
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
PATH = "plans/alerts/thresholds"


def put(api, body):
    return api.put(PATH, body)


def stored(workspace) -> tuple:
    found = planning_settings(workspace)
    found.refresh_from_db()
    return (
        str(found.overspend_tolerance),
        str(found.underspend_below),
        str(found.pacing_tolerance),
    )


def test_thresholds_are_read_and_set_all_at_once(workspace, admin):
    api = ApiClient(workspace, admin)
    assert api.get(PATH).json() == {
        "overspend_tolerance": "0.0000",
        "underspend_below": "0.9000",
        "pacing_tolerance": "0.2000",
    }
    body = {"overspend_tolerance": "0.05", "underspend_below": 0.75, "pacing_tolerance": "0.3"}
    answer = put(api, body)
    assert answer.status_code == 200
    assert answer.json() == {
        "overspend_tolerance": "0.0500",
        "underspend_below": "0.7500",
        "pacing_tolerance": "0.3000",
    }
    assert stored(workspace) == ("0.0500", "0.7500", "0.3000")
    assert api.get(PATH).json()["underspend_below"] == "0.7500"
    entry = AuditEntry.objects.get(action="planning.alert_thresholds")
    assert entry.after == {
        "overspend_tolerance": "0.05",
        "underspend_below": "0.75",
        "pacing_tolerance": "0.3",
    }


@pytest.mark.parametrize(
    "change, field",
    [
        ({"overspend_tolerance": "1.5"}, "overspend_tolerance"),
        ({"underspend_below": "-0.1"}, "underspend_below"),
        ({"pacing_tolerance": "0"}, "pacing_tolerance"),
        ({"pacing_tolerance": "0.12345"}, "pacing_tolerance"),
        ({"overspend_tolerance": "lots"}, "overspend_tolerance"),
        ({"underspend_below": "NaN"}, "underspend_below"),
        ({"pacing_tolerance": None}, "pacing_tolerance"),
    ],
)
def test_a_bad_threshold_is_refused_by_name_and_nothing_changes(workspace, admin, change, field):
    api = ApiClient(workspace, admin)
    before = stored(workspace)
    body = {"overspend_tolerance": "0.1", "underspend_below": "0.8", "pacing_tolerance": "0.25"}
    answer = put(api, {**body, **change})
    assert answer.status_code == 422, answer.content
    assert list(answer.json()["errors"]) == [field]
    assert stored(workspace) == before
    assert not AuditEntry.objects.filter(action="planning.alert_thresholds").exists()


def test_a_missing_threshold_is_refused(workspace, admin):
    answer = put(ApiClient(workspace, admin), {"overspend_tolerance": "0.1"})
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == {"underspend_below", "pacing_tolerance"}


def test_only_approvers_set_thresholds_and_analysts_read_them(workspace, admin):
    body = {"overspend_tolerance": "0.1", "underspend_below": "0.8", "pacing_tolerance": "0.25"}
    marketer = ApiClient(
        workspace, core_actions.create_user(workspace, "mia", "pw-12345678", Role.MARKETER)
    )
    assert put(marketer, body).status_code == 403
    analyst = ApiClient(
        workspace, core_actions.create_user(workspace, "ann", "pw-12345678", Role.ANALYST)
    )
    assert analyst.get(PATH).status_code == 200
    staff = ApiClient(
        workspace, core_actions.create_user(workspace, "sam", "pw-12345678", Role.STAFF)
    )
    assert staff.get(PATH).status_code == 403
    assert stored(workspace) == ("0.0000", "0.9000", "0.2000")
