"""The plan tree: creating, changing and moving nodes, linking campaigns, allocating
envelopes top-down; refusals name the field and write nothing."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.people.actions import upsert_locations
from pacer.planning.actions import create_campaign
from pacer.planning.models import PlanNode
from pacer.planning.plan_actions import (
    allocate,
    create_node,
    delete_node,
    move_node,
    set_root_allocation,
    update_node,
)
from pacer.teams.selectors import team_by_key

pytestmark = pytest.mark.django_db


def plan(workspace, name="FY2026", kind="plan", parent=None, **values):
    fields = {"kind": kind, "name": name, "fiscal_year": 2026, **values}
    return create_node(workspace, fields, parent_id=parent.pk if parent else None)


def test_a_node_is_created_with_every_field_cleaned(workspace, admin):
    upsert_locations(workspace, [{"code": "AUS", "name": "Austin"}])
    campaign = create_campaign(workspace, "spring", "paid_social")
    root = plan(workspace)
    node = create_node(
        workspace,
        {
            "kind": "campaign",
            "name": " Spring sale ",
            "fiscal_year": "2026",
            "period": "Q1",
            "owner": admin.pk,
            "team": "Performance",
            "channels": ["paid_social", "email", "email"],
            "locations": ["AUS"],
            "starts_on": date(2026, 3, 1),
            "ends_on": date(2026, 3, 31),
            "objective": "Leads",
            "target_kpis": {"cac": "45.50", "leads": 1200},
            "campaign": "spring",
        },
        parent_id=root.pk,
        actor=admin,
    )
    node.refresh_from_db()
    performance = team_by_key(workspace, "performance")
    assert (node.parent_id, node.name, node.fiscal_year, node.team_id) == (
        root.pk,
        "Spring sale",
        2026,
        performance.pk,
    )
    assert node.channels == ["email", "paid_social"]
    assert node.locations == ["AUS"]
    assert node.target_kpis == {"cac": "45.50", "leads": "1200"}
    assert node.owner_id == admin.pk and node.campaign_id == campaign.pk
    assert AuditEntry.objects.filter(action="plan_node.create").count() == 2


def test_bad_node_fields_are_refused_by_name_and_nothing_is_written(workspace):
    audited = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        create_node(
            workspace,
            {
                "kind": "epic",
                "name": "",
                "fiscal_year": 1800,
                "team": "a b",
                "channels": ["tv2"],
                "locations": ["NOPE"],
                "starts_on": date(2026, 3, 2),
                "ends_on": date(2026, 3, 1),
                "target_kpis": {"cac": "lots"},
                "owner": 999999,
                "campaign": "missing",
            },
            parent_id=424242,
        )
    assert refused.value.errors == {
        "kind": "'epic' is not one of plan, program, campaign, tactic",
        "name": "must not be empty",
        "fiscal_year": "must be from 1900 to 2199",
        "team": "no team 'a b' in this workspace",
        "channels": "'tv2' is not a Pacer channel",
        "locations": "no location 'NOPE' in this workspace",
        "ends_on": "must not be before starts_on",
        "target_kpis.cac": "'lots' is not a number",
        "owner": "must be a member of this workspace",
        "campaign": "no campaign 'missing' in this workspace",
        "parent": "no node 424242 in this workspace",
    }
    assert not PlanNode.objects.exists() and AuditEntry.objects.count() == audited


def test_a_campaign_belongs_to_one_node(workspace):
    create_campaign(workspace, "spring", "email")
    root = plan(workspace, campaign="spring")
    with pytest.raises(ValidationFailed) as refused:
        plan(workspace, "Other", parent=root, campaign="spring")
    assert refused.value.errors == {
        "campaign": "campaign 'spring' belongs to node 'FY2026' already"
    }
    assert PlanNode.objects.count() == 1


def test_updating_a_node_keeps_its_place_and_audits_the_change(workspace, admin):
    root = plan(workspace)
    child = plan(workspace, "Brand", kind="program", parent=root)
    update_node(child, {"kind": "program", "name": "Brand 2026", "fiscal_year": 2026}, actor=admin)
    child.refresh_from_db()
    assert (child.name, child.parent_id) == ("Brand 2026", root.pk)
    entry = AuditEntry.objects.get(action="plan_node.update")
    assert (entry.before["name"], entry.after["name"]) == ("Brand", "Brand 2026")


def test_moving_a_node_under_its_own_subtree_is_refused(workspace):
    root = plan(workspace)
    program = plan(workspace, "Brand", kind="program", parent=root)
    campaign = plan(workspace, "Spring", kind="campaign", parent=program)
    other = plan(workspace, "FY2027")
    for target in (program, campaign):
        with pytest.raises(ValidationFailed) as refused:
            move_node(program, target.pk)
        assert refused.value.errors == {
            "parent": "must not be the node itself or one of its descendants"
        }
    program.refresh_from_db()
    assert program.parent_id == root.pk
    move_node(program, other.pk)
    program.refresh_from_db()
    campaign.refresh_from_db()
    assert (program.parent_id, campaign.parent_id) == (other.pk, program.pk)
    move_node(program, None)
    program.refresh_from_db()
    assert program.parent_id is None


def test_a_node_with_children_is_not_deleted(workspace):
    root = plan(workspace)
    child = plan(workspace, "Brand", kind="program", parent=root)
    with pytest.raises(ValidationFailed):
        delete_node(root)
    delete_node(child)
    assert list(PlanNode.objects.values_list("name", flat=True)) == ["FY2026"]


def test_envelopes_are_allocated_top_down_within_the_parents(workspace):
    root = plan(workspace)
    brand = plan(workspace, "Brand", kind="program", parent=root)
    perf = plan(workspace, "Performance", kind="program", parent=root)
    set_root_allocation(root, "100000.00")
    allocate(root, {brand.pk: "40000", perf.pk: "60000.00"})
    with pytest.raises(ValidationFailed) as refused:
        allocate(root, {brand.pk: "40000.01"})
    assert refused.value.errors == {
        "allocations": "total 100000.01 exceeds the node's own envelope 100000.00"
    }
    brand.refresh_from_db()
    assert brand.allocation == Decimal("40000.00")
    with pytest.raises(ValidationFailed) as refused:
        set_root_allocation(root, "99999.99")
    assert refused.value.errors == {
        "allocation": "must be at least 100000.00, allocated to its children already"
    }
    with pytest.raises(ValidationFailed) as refused:
        allocate(root, {root.pk: "1"})
    assert refused.value.errors == {
        f"allocations.{root.pk}": f"node {root.pk} is not a child of node {root.pk}"
    }


def test_a_node_may_have_a_start_without_an_end(workspace):
    node = plan(workspace, starts_on=date(2026, 1, 1), ends_on=None)
    assert (node.starts_on, node.ends_on) == (date(2026, 1, 1), None)
