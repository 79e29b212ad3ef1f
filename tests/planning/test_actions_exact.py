"""The exact behaviour of the campaign writes of ``pacer.planning.actions``: each refusal's
field and words with nothing written, the rows after each write, and its audit entry
(action, actor, object, before and after). Written against the survivors of the first
mutation sample of the module (docs/testing.md, stop 38); the spend writes are in
``test_actions_exact_spend.py``."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.planning import actions
from pacer.planning.budget_actions import plan_lines
from pacer.planning.close_actions import close_month
from pacer.planning.models import Campaign, NodeMonth, PlanNode, SpendEntry
from pacer.planning.plan_actions import create_node
from tests.planning.test_campaign_delete import from_scratch, kept

pytestmark = pytest.mark.django_db
BOUNDS = "must be between 1900-01-01 and 2199-12-31"


def _refused(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        call(*args, **kwargs)
    return refused.value.errors


def _entries(action: str) -> list[tuple]:
    return list(
        AuditEntry.objects.filter(action=action)
        .order_by("pk")
        .values_list("workspace_id", "actor_id", "actor_label", "object_type", "object_id")
    )


def _stored(workspace) -> list[tuple]:
    return list(
        Campaign.objects.filter(workspace=workspace)
        .order_by("key")
        .values_list("key", "name", "channel", "starts_on", "ends_on", "landing_url")
    )


def _snapshot(workspace, key, name, channel, starts=None, ends=None, url="", *, pk=None) -> dict:
    return {
        "id": pk or Campaign.objects.get(workspace=workspace, key=key).pk,
        "workspace": workspace.pk,
        "key": key,
        "name": name,
        "channel": channel,
        "starts_on": starts,
        "ends_on": ends,
        "landing_url": url,
    }


# --- the checks every campaign write shares (check_campaign) -------------------------------


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"channel": "fax"}, {"channel": "'fax' is not a Pacer channel"}),
        ({"channel": "x" * 50}, {"channel": f"'{'x' * 40}' is not a Pacer channel"}),
        ({"channel": 7}, {"channel": "'7' is not a Pacer channel"}),
        ({"starts_on": "2026-03-01"}, {"starts_on": "must be a date"}),
        ({"ends_on": "2026-03-01"}, {"ends_on": "must be a date"}),
        ({"starts_on": date(1899, 12, 31)}, {"starts_on": BOUNDS}),
        ({"ends_on": date(2200, 1, 1)}, {"ends_on": BOUNDS}),
        (
            {"starts_on": date(2026, 3, 2), "ends_on": date(2026, 3, 1)},
            {"ends_on": "must not be before starts_on"},
        ),
        # an end out of bounds and before the start keeps its first reason
        (
            {"starts_on": date(2200, 1, 5), "ends_on": date(2200, 1, 1)},
            {"starts_on": BOUNDS, "ends_on": BOUNDS},
        ),
        (
            {"landing_url": "ftp://example.com/"},
            {"landing_url": "must start with http:// or https:// (it has 'ftp:')"},
        ),
        (
            {"landing_url": "https:///path"},
            {"landing_url": "must name a site (https://example.com/…)"},
        ),
        # text the column refuses keeps that reason, not the URL check's
        ({"landing_url": "ftp://e.com/\x00"}, {"landing_url": "must not contain NUL characters"}),
        # too long for the column: one reason, not the URL check's as well
        (
            {"landing_url": "https://e.com/" + "a" * 1990},
            {"landing_url": "must be at most 2000 characters"},
        ),
        (
            {"key": "", "channel": "fax", "starts_on": 3, "landing_url": "x"},
            {
                "key": "must not be empty",
                "channel": "'fax' is not a Pacer channel",
                "starts_on": "must be a date",
                "landing_url": "must start with http:// or https:// (it has no scheme)",
            },
        ),
    ],
)
def test_a_new_campaign_is_refused_by_field_with_nothing_written(workspace, values, errors):
    given = {"key": "spring", "channel": "email", "name": "Spring"} | values
    assert _refused(actions.create_campaign, workspace, **given) == errors
    assert not Campaign.objects.exists()
    assert not AuditEntry.objects.filter(action="campaign.create").exists()


def test_a_campaign_may_start_and_end_on_one_day_and_on_the_first_and_last_days(workspace):
    one = actions.create_campaign(
        workspace, "one", "email", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 1)
    )
    wide = actions.create_campaign(
        workspace, "wide", "tv", starts_on=date(1900, 1, 1), ends_on=date(2199, 12, 31)
    )
    assert (one.starts_on, one.ends_on) == (date(2026, 3, 1), date(2026, 3, 1))
    assert (wide.starts_on, wide.ends_on) == (date(1900, 1, 1), date(2199, 12, 31))


# --- create_campaign -----------------------------------------------------------------------


def test_a_new_campaign_is_written_whole_with_its_audit_entry(workspace, admin):
    campaign = actions.create_campaign(
        workspace,
        "  spring  ",
        "paid_social",
        name="  Spring sale ",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 4, 30),
        landing_url=" https://example.com/spring ",
        actor=admin,
    )
    expected = ("spring", "Spring sale", "paid_social", date(2026, 3, 1), date(2026, 4, 30))
    assert _stored(workspace) == [(*expected, "https://example.com/spring")]
    assert campaign.pk == Campaign.objects.get().pk
    assert _entries("campaign.create") == [
        (workspace.pk, admin.pk, "ada", "Campaign", str(campaign.pk))
    ]
    entry = AuditEntry.objects.get(action="campaign.create")
    assert entry.before is None
    assert entry.after == _snapshot(
        workspace,
        "spring",
        "Spring sale",
        "paid_social",
        "2026-03-01",
        "2026-04-30",
        "https://example.com/spring",
    )


def test_a_campaign_without_a_name_is_named_by_its_key_and_recorded_as_the_system(workspace):
    campaign = actions.create_campaign(workspace, "autumn", "email")
    assert _stored(workspace) == [("autumn", "autumn", "email", None, None, "")]
    assert _entries("campaign.create") == [
        (workspace.pk, None, "system", "Campaign", str(campaign.pk))
    ]


def test_a_key_the_workspace_has_is_refused_beside_the_other_reasons(workspace):
    actions.create_campaign(workspace, "spring", "email", name="First")
    assert _refused(actions.create_campaign, workspace, " spring ", "tv", name="Second") == {
        "key": "a campaign with key 'spring' exists already"
    }
    assert _refused(actions.create_campaign, workspace, "spring", "fax") == {
        "key": "a campaign with key 'spring' exists already",
        "channel": "'fax' is not a Pacer channel",
    }
    assert _stored(workspace) == [("spring", "First", "email", None, None, "")]
    assert len(_entries("campaign.create")) == 1


def test_another_workspaces_key_is_free(workspace):
    other = core_actions.create_workspace("Other", slug="other")
    actions.create_campaign(other, "spring", "tv")
    actions.create_campaign(workspace, "spring", "email")
    assert _stored(workspace) == [("spring", "spring", "email", None, None, "")]
    assert _stored(other) == [("spring", "spring", "tv", None, None, "")]


# --- upsert_campaign -----------------------------------------------------------------------


def test_upsert_creates_a_campaign_once_and_then_returns_it_unchanged(workspace, admin):
    made = actions.upsert_campaign(
        workspace,
        " spring ",
        "email",
        name=" Spring ",
        actor=admin,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
    )
    assert _stored(workspace) == [
        ("spring", "Spring", "email", date(2026, 3, 1), date(2026, 3, 31), "")
    ]
    again = actions.upsert_campaign(workspace, "spring", "tv", name="Other", actor=admin)
    assert again.pk == made.pk
    assert (again.name, again.channel) == ("Spring", "email")
    assert _stored(workspace) == [
        ("spring", "Spring", "email", date(2026, 3, 1), date(2026, 3, 31), "")
    ]
    assert _entries("campaign.create") == [
        (workspace.pk, admin.pk, "ada", "Campaign", str(made.pk))
    ]
    entry = AuditEntry.objects.get(action="campaign.create")
    assert entry.after == _snapshot(
        workspace, "spring", "Spring", "email", "2026-03-01", "2026-03-31"
    )


def test_upsert_names_a_campaign_by_its_key_and_keeps_workspaces_apart(workspace):
    other = core_actions.create_workspace("Other", slug="other")
    mine = actions.upsert_campaign(workspace, "spring", "email")
    theirs = actions.upsert_campaign(other, "spring", "tv")
    assert mine.pk != theirs.pk
    assert _stored(workspace) == [("spring", "spring", "email", None, None, "")]
    assert _stored(other) == [("spring", "spring", "tv", None, None, "")]
    assert _entries("campaign.create") == [
        (workspace.pk, None, "system", "Campaign", str(mine.pk)),
        (other.pk, None, "system", "Campaign", str(theirs.pk)),
    ]


def test_upsert_refuses_by_field_with_nothing_written(workspace):
    errors = _refused(
        actions.upsert_campaign,
        workspace,
        " ",
        "fax",
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 3, 1),
    )
    assert errors == {
        "key": "must not be empty",
        "channel": "'fax' is not a Pacer channel",
        "ends_on": "must not be before starts_on",
    }
    assert _refused(actions.upsert_campaign, workspace, "k" * 201, "email") == {
        "key": "must be at most 200 characters"
    }
    assert not Campaign.objects.exists()
    assert not AuditEntry.objects.filter(action="campaign.create").exists()


# --- update_campaign -----------------------------------------------------------------------


def test_an_update_changes_all_but_the_key_with_its_audit_entry(workspace, admin):
    campaign = actions.create_campaign(workspace, "spring", "email", name="Spring")
    updated = actions.update_campaign(
        campaign,
        channel="tv",
        name=" Spring TV ",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
        landing_url=" https://example.com/tv ",
        actor=admin,
    )
    row = (
        "spring",
        "Spring TV",
        "tv",
        date(2026, 3, 1),
        date(2026, 3, 31),
        "https://example.com/tv",
    )
    assert _stored(workspace) == [row]
    assert (updated.pk, updated.name, updated.channel, updated.landing_url) == (
        campaign.pk,
        "Spring TV",
        "tv",
        "https://example.com/tv",
    )
    assert _entries("campaign.update") == [
        (workspace.pk, admin.pk, "ada", "Campaign", str(campaign.pk))
    ]
    entry = AuditEntry.objects.get(action="campaign.update")
    assert entry.before == _snapshot(workspace, "spring", "Spring", "email")
    assert entry.after == _snapshot(
        workspace, "spring", "Spring TV", "tv", "2026-03-01", "2026-03-31", "https://example.com/tv"
    )
    # a name taken away: the key, and the dates and URL cleared
    actions.update_campaign(updated, channel="tv", name="")
    assert _stored(workspace) == [("spring", "spring", "tv", None, None, "")]
    assert _entries("campaign.update")[1] == (
        workspace.pk,
        None,
        "system",
        "Campaign",
        str(campaign.pk),
    )


def test_an_update_that_changes_nothing_writes_nothing(workspace):
    campaign = actions.create_campaign(workspace, "spring", "email", name="Spring")
    stale = Campaign.objects.get(pk=campaign.pk)
    stale.name = "Changed here only"  # the stored row is what is compared
    returned = actions.update_campaign(stale, channel="email", name="Spring")
    assert returned.name == "Spring"
    assert _stored(workspace) == [("spring", "Spring", "email", None, None, "")]
    assert not AuditEntry.objects.filter(action="campaign.update").exists()


def test_an_update_is_refused_by_field_with_nothing_changed(workspace):
    campaign = actions.create_campaign(workspace, "spring", "email", name="Spring")
    errors = _refused(
        actions.update_campaign,
        campaign,
        channel="fax",
        name="n" * 201,
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 3, 1),
        landing_url="mailto:a@example.com",
    )
    assert errors == {
        "name": "must be at most 200 characters",
        "channel": "'fax' is not a Pacer channel",
        "ends_on": "must not be before starts_on",
        "landing_url": "must start with http:// or https:// (it has 'mailto:')",
    }
    assert _stored(workspace) == [("spring", "Spring", "email", None, None, "")]
    assert not AuditEntry.objects.filter(action="campaign.update").exists()


# --- delete_campaign -----------------------------------------------------------------------


@pytest.fixture
def linked(workspace):
    """ "spring" linked to a campaign node that plans 100 of email in January, with email
    spend on it on 5 January (30), 5 February (20) and 5 March (10), and "autumn" (no
    node) with 4 of email on 6 February."""
    campaign = actions.create_campaign(workspace, "spring", "email")
    actions.create_campaign(workspace, "autumn", "email")
    root = create_node(workspace, {"kind": "plan", "name": "FY", "fiscal_year": 2026})
    leaf = create_node(
        workspace,
        {"kind": "campaign", "name": "L", "fiscal_year": 2026, "campaign": "spring"},
        parent_id=root.pk,
    )
    plan_lines(
        workspace, [{"node": leaf.pk, "month": "2026-01", "channel": "email", "amount": "100"}]
    )
    for month, amount in ((1, "30"), (2, "20"), (3, "10")):
        actions.enter_spend(
            workspace,
            {
                "day": date(2026, month, 5),
                "channel": "email",
                "campaign": "spring",
                "amount": amount,
            },
        )
    actions.enter_spend(
        workspace,
        {"day": date(2026, 2, 6), "channel": "email", "campaign": "autumn", "amount": "4"},
    )
    return {"campaign": campaign, "leaf": leaf}


def _actuals(leaf) -> dict:
    return {
        row.month: (row.actual, row.unplanned)
        for row in NodeMonth.objects.filter(node=leaf).order_by("month")
    }


def test_a_campaign_with_spend_in_closed_months_names_them_all_in_order(workspace, linked):
    other = core_actions.create_workspace("Other", slug="other")
    close_month(other, date(2026, 2, 1))  # another workspace's close does not count
    close_month(workspace, date(2026, 3, 1))
    close_month(workspace, date(2026, 1, 1))
    before = kept(workspace)
    assert _refused(actions.delete_campaign, linked["campaign"]) == {
        "campaign": "has spend in 2026-01, 2026-03, closed: an admin must reopen it first"
    }
    assert Campaign.objects.filter(key="spring").exists()
    assert PlanNode.objects.get(pk=linked["leaf"].pk).campaign_id == linked["campaign"].pk
    assert kept(workspace) == before
    assert not AuditEntry.objects.filter(action="campaign.delete").exists()


def test_a_closed_month_with_another_campaigns_spend_only_lets_the_delete_through(
    workspace, linked, admin
):
    actions.enter_spend(workspace, {"day": date(2026, 4, 2), "channel": "tv", "amount": "3"})
    close_month(workspace, date(2026, 4, 1))  # no spend of spring's in it
    campaign = linked["campaign"]
    assert _actuals(linked["leaf"]) == {
        date(2026, 1, 1): (3000, 0),
        date(2026, 2, 1): (0, 2000),
        date(2026, 3, 1): (0, 1000),
    }
    actions.delete_campaign(Campaign.objects.get(pk=campaign.pk), actor=admin)
    assert sorted(Campaign.objects.values_list("key", flat=True)) == ["autumn"]
    assert PlanNode.objects.get(pk=linked["leaf"].pk).campaign_id is None
    assert SpendEntry.objects.filter(campaign=None).count() == 4
    assert _actuals(linked["leaf"]) == {date(2026, 1, 1): (0, 0)}
    assert kept(workspace) == from_scratch(workspace)
    assert _entries("campaign.delete") == [
        (workspace.pk, admin.pk, "ada", "Campaign", str(campaign.pk))
    ]
    entry = AuditEntry.objects.get(action="campaign.delete")
    assert (entry.before, entry.after) == (
        _snapshot(workspace, "spring", "spring", "email", pk=campaign.pk),
        None,
    )


def test_deleting_a_campaign_without_spend_leaves_the_others_money(workspace, linked):
    free = actions.create_campaign(workspace, "winter", "tv")
    before = kept(workspace)
    actions.delete_campaign(free)
    assert sorted(Campaign.objects.values_list("key", flat=True)) == ["autumn", "spring"]
    assert kept(workspace) == before == from_scratch(workspace)
    assert SpendEntry.objects.filter(campaign__key="spring").count() == 3
    assert _entries("campaign.delete") == [(workspace.pk, None, "system", "Campaign", str(free.pk))]
    assert Decimal(sum(SpendEntry.objects.values_list("amount", flat=True))) == Decimal("64.00")
