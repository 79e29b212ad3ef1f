"""A partner's login is a member of the workspace but sees only the partner portal: it is
no team's member, lead or target owner (refused at the field, nothing written) and is not
offered as one."""

import pytest

from pacer.core.errors import ValidationFailed
from pacer.core.models import Membership
from pacer.teams import actions, selectors
from pacer.teams.models import KpiTarget, Team
from tests.partner_login import partner_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(workspace) -> Membership:
    return Membership.objects.get(workspace=workspace, user=partner_login(workspace))


def test_a_partners_login_is_in_no_team_and_owns_no_target(workspace, admin, outsider, call):
    refused_reason = "'agency-pat' may not be in a team (role: Partner)"
    ours = Membership.objects.get(workspace=workspace, user=admin)
    team = Team.objects.get(workspace=workspace, key="brand")
    actions.update_team(team, name="Brand", member_ids=[ours.pk], lead_id=ours.pk)
    for kwargs, field in (
        ({"member_ids": [ours.pk, outsider.pk], "lead_id": ours.pk}, "member_ids[1]"),
        ({"member_ids": [ours.pk], "lead_id": outsider.pk}, "lead_id"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            actions.update_team(team, name="Brand", **kwargs)
        assert refused.value.errors[field] == refused_reason
    answer = call("put", "brand", {"name": "Brand", "member_ids": [outsider.pk], "lead_id": None})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"member_ids[0]": refused_reason}
    with pytest.raises(ValidationFailed) as refused:
        actions.set_target(team, metric="leads", month="2026-02", target=10, owner_id=outsider.pk)
    assert refused.value.errors == {"owner_id": refused_reason}
    assert not KpiTarget.objects.exists()
    assert [m.pk for m in selectors.team_members(team)] == [ours.pk]
    names = [name for _, name in selectors.member_choices(workspace)]
    assert "agency-pat" not in names and len(names) == 3  # ada and the call fixture's two
