"""A partner's login is a member of the workspace but sees only the partner portal: it
owns no plan node (refused at ``owner``, nothing written) and is not offered as one."""

import pytest
from django.contrib.auth.models import User

from pacer.core.errors import ValidationFailed
from pacer.planning import plan_selectors
from pacer.planning.models import PlanNode
from pacer.planning.plan_actions import create_node, update_node
from tests.api_client import ApiClient
from tests.partner_login import partner_login

pytestmark = pytest.mark.django_db
REFUSED = "'agency-pat' may not own plans (role: Partner)"


@pytest.fixture
def outsider(workspace) -> User:
    return partner_login(workspace)


def test_a_partners_login_owns_no_plan_node(workspace, admin, outsider):
    plan = {"kind": "plan", "name": "FY2026", "fiscal_year": 2026}
    with pytest.raises(ValidationFailed) as refused:
        create_node(workspace, {**plan, "owner": outsider.pk})
    assert refused.value.errors == {"owner": REFUSED}
    assert not PlanNode.objects.exists()
    node = create_node(workspace, {**plan, "owner": admin.pk})
    with pytest.raises(ValidationFailed) as refused:
        update_node(node, {**plan, "owner": outsider.pk})
    assert refused.value.errors == {"owner": REFUSED}
    answer = ApiClient(workspace, admin).put(
        f"plans/nodes/{node.pk}", {**plan, "owner": outsider.pk}
    )
    assert answer.status_code == 422 and answer.json()["errors"] == {"owner": REFUSED}
    node.refresh_from_db()
    assert node.owner_id == admin.pk
    assert [name for _, name in plan_selectors.member_choices(workspace)] == ["ada"]
