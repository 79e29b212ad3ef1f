"""The exact behaviour of the spend writes of ``pacer.planning.actions`` (``record_spend``
and the references it resolves, ``enter_spend``, ``update_spend``, ``delete_spend``):
each refusal's field and words with nothing written, the lines, day totals and plan
summaries after each write (to the cent), and its audit entry. Written against the
survivors of the first mutation sample of the module (docs/testing.md, stop 38)."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.people.actions import upsert_locations
from pacer.planning import actions, totals
from pacer.planning.budget_actions import plan_lines
from pacer.planning.close_actions import close_month
from pacer.planning.models import NodeMonth, SpendDay, SpendEntry
from pacer.planning.plan_actions import create_node
from tests.planning.test_campaign_delete import from_scratch, kept

pytestmark = pytest.mark.django_db
MAR1, MAR2, MAR3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
CLOSED = "2026-01 is closed: an admin must reopen it before changes dated in it"
BOUNDS = "must be between 1900-01-01 and 2199-12-31"


def _refused(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        call(*args, **kwargs)
    return refused.value.errors


def _lines(workspace) -> list[tuple]:
    """(day, channel, campaign key, location code, amount), no campaign or location first
    (sorted here: PostgreSQL sorts NULL last, SQLite first)."""
    rows = SpendEntry.objects.filter(workspace=workspace).values_list(
        "day", "channel", "campaign__key", "location__code", "amount"
    )
    return sorted(rows, key=lambda row: tuple("" if value is None else value for value in row))


def _days(workspace) -> dict:
    return {
        (row.day, row.channel): (row.cents, row.lines)
        for row in SpendDay.objects.filter(workspace=workspace)
    }


def _entries(action: str) -> list[tuple]:
    return list(
        AuditEntry.objects.filter(action=action)
        .order_by("pk")
        .values_list("workspace_id", "actor_label", "object_type", "object_id", "before", "after")
    )


def _line_snapshot(entry, **changes) -> dict:
    values = {
        "id": entry.pk,
        "workspace": entry.workspace_id,
        "day": str(entry.day),
        "channel": entry.channel,
        "campaign": entry.campaign_id,
        "location": entry.location_id,
        "amount": str(entry.amount),
    }
    return values | changes


@pytest.fixture
def made(workspace):
    """Campaign "spring" linked to a campaign node planning 100 of email in March 2026,
    "autumn" (no node) and locations N and S; another workspace with its own "spring"."""
    other = core_actions.create_workspace("Other", slug="other")
    spring = actions.create_campaign(workspace, "spring", "email")
    autumn = actions.create_campaign(workspace, "autumn", "email")
    theirs = actions.create_campaign(other, "spring", "email")
    north, south = upsert_locations(
        workspace, [{"code": "N", "name": "North"}, {"code": "S", "name": "South"}]
    )
    root = create_node(workspace, {"kind": "plan", "name": "FY", "fiscal_year": 2026})
    leaf = create_node(
        workspace,
        {"kind": "campaign", "name": "L", "fiscal_year": 2026, "campaign": "spring"},
        parent_id=root.pk,
    )
    plan_lines(
        workspace, [{"node": leaf.pk, "month": "2026-03", "channel": "email", "amount": "100"}]
    )
    return {
        "other": other,
        "spring": spring,
        "autumn": autumn,
        "theirs": theirs,
        "north": north,
        "south": south,
        "leaf": leaf,
    }


def _leaf_month(made, month=MAR1) -> list[int]:
    row = NodeMonth.objects.filter(node=made["leaf"], month=month).first()
    return [row.planned, row.actual, row.unplanned] if row else []


# --- record_spend: refusals ----------------------------------------------------------------


def test_every_bad_row_is_refused_by_its_field_and_nothing_is_written(workspace, made):
    rows = [
        {"day": MAR1, "amount": "1"},  # no channel
        {"day": MAR1, "channel": "fax", "amount": "1"},
        {"day": MAR1, "channel": "tv"},  # no amount
        {"day": MAR1, "channel": "tv", "amount": "-1"},
        {"day": "2026-03-01", "channel": "tv", "amount": "1"},
        {"day": date(1899, 12, 31), "channel": "tv", "amount": "1"},
        {"day": MAR2, "channel": "email", "amount": "1.5"},  # the one good row
    ]
    assert _refused(actions.record_spend, workspace, rows) == {
        "rows[0].channel": "'None' is not a Pacer channel",
        "rows[1].channel": "'fax' is not a Pacer channel",
        "rows[2].amount": "must be a number",
        "rows[3].amount": "must be a finite number of at least 0",
        "rows[4].day": "must be a date",
        "rows[5].day": BOUNDS,
    }
    assert _lines(workspace) == []
    assert _days(workspace) == {}
    assert _leaf_month(made) == [10000, 0, 0]
    assert not AuditEntry.objects.filter(action="spend.record").exists()


def test_a_key_repeated_in_one_set_is_refused_at_the_later_row(workspace, made):
    rows = [
        {"day": MAR1, "channel": "tv", "amount": "1"},
        {"day": MAR1, "channel": "tv", "amount": "2", "location": made["north"]},
        {"day": MAR1, "channel": "tv", "amount": "3", "campaign": made["spring"]},
        {"day": MAR2, "channel": "tv", "amount": "4"},
        {"day": MAR1, "channel": "tv", "amount": "5"},  # repeats row 0
        {"day": MAR1, "channel": "tv", "amount": "x", "location": made["north"]},  # and bad
        {"day": MAR1, "channel": "tv", "amount": "6", "campaign": made["spring"]},  # row 2
    ]
    assert _refused(actions.record_spend, workspace, rows) == {
        "rows[4].day": "repeats rows[0] (same day, channel, campaign and location): "
        "send one amount per key",
        "rows[5].amount": "'x' is not a number",
        "rows[6].day": "repeats rows[2] (same day, channel, campaign and location): "
        "send one amount per key",
    }
    assert _lines(workspace) == []
    assert not AuditEntry.objects.filter(action="spend.record").exists()


def test_rows_in_a_closed_month_are_refused_by_row(workspace, made):
    close_month(workspace, date(2026, 1, 1))
    close_month(made["other"], date(2026, 3, 1))  # another workspace's close
    rows = [
        {"day": date(2026, 1, 31), "channel": "tv", "amount": "1"},
        {"day": MAR1, "channel": "tv", "amount": "2"},
        {"day": date(2026, 1, 1), "channel": "email", "amount": "3"},
    ]
    assert _refused(actions.record_spend, workspace, rows) == {
        "rows[0].day": CLOSED,
        "rows[2].day": CLOSED,
    }
    assert _lines(workspace) == []
    del rows[0], rows[1]
    assert actions.record_spend(workspace, rows) == {"recorded": 1, "replaced": 0}


# --- record_spend: what it writes ----------------------------------------------------------


def test_recorded_rows_are_new_lines_with_days_summaries_and_audit(workspace, made, admin):
    rows = [
        {"day": MAR1, "channel": "email", "amount": "30.10", "campaign": made["spring"]},
        {
            "day": MAR1,
            "channel": "email",
            "amount": "0.25",
            "campaign": made["spring"],
            "location": made["north"],
        },
        {"day": MAR3, "channel": "display", "amount": 7, "campaign": made["spring"]},
        {"day": MAR2, "channel": "tv", "amount": Decimal("1000")},
    ]
    assert actions.record_spend(workspace, rows, actor=admin) == {"recorded": 4, "replaced": 0}
    assert _lines(workspace) == [
        (MAR1, "email", "spring", None, Decimal("30.10")),
        (MAR1, "email", "spring", "N", Decimal("0.25")),
        (MAR2, "tv", None, None, Decimal("1000.00")),
        (MAR3, "display", "spring", None, Decimal("7.00")),
    ]
    assert _days(workspace) == {
        (MAR1, "email"): (3035, 2),
        (MAR2, "tv"): (100000, 1),
        (MAR3, "display"): (700, 1),
    }
    assert _leaf_month(made) == [10000, 3035, 700]
    assert kept(workspace) == from_scratch(workspace)
    assert _entries("spend.record") == [
        (workspace.pk, "ada", "Workspace", str(workspace.pk), None, {"recorded": 4, "replaced": 0})
    ]


def test_recording_again_replaces_changed_amounts_and_leaves_the_rest(workspace, made):
    first = [
        {"day": MAR1, "channel": "email", "amount": "30", "campaign": made["spring"]},
        {"day": MAR3, "channel": "email", "amount": "5", "campaign": made["spring"]},
        {"day": MAR2, "channel": "tv", "amount": "8", "location": made["south"]},
    ]
    actions.record_spend(workspace, first)
    # the same rows again: nothing changes, and an entry says so
    assert actions.record_spend(workspace, first) == {"recorded": 0, "replaced": 0}
    assert SpendEntry.objects.filter(workspace=workspace).count() == 3
    # the first and last day's lines changed, the middle one kept, a new one beside it
    again = [
        {"day": MAR1, "channel": "email", "amount": "31.5", "campaign": made["spring"]},
        {"day": MAR2, "channel": "tv", "amount": "8", "location": made["south"]},
        {"day": MAR3, "channel": "email", "amount": "0", "campaign": made["spring"]},
        {"day": MAR2, "channel": "tv", "amount": "2", "location": made["north"]},
    ]
    ids = set(SpendEntry.objects.values_list("pk", flat=True))
    assert actions.record_spend(workspace, again) == {"recorded": 1, "replaced": 2}
    assert _lines(workspace) == [
        (MAR1, "email", "spring", None, Decimal("31.50")),
        (MAR2, "tv", None, "N", Decimal("2.00")),
        (MAR2, "tv", None, "S", Decimal("8.00")),
        (MAR3, "email", "spring", None, Decimal("0.00")),
    ]
    assert ids < set(SpendEntry.objects.values_list("pk", flat=True))  # replaced in place
    assert _days(workspace) == {
        (MAR1, "email"): (3150, 1),
        (MAR2, "tv"): (1000, 2),
        (MAR3, "email"): (0, 1),
    }
    assert _leaf_month(made) == [10000, 3150, 0]
    assert kept(workspace) == from_scratch(workspace)
    assert [after for *_, after in _entries("spend.record")] == [
        {"recorded": 3, "replaced": 0},
        {"recorded": 0, "replaced": 0},
        {"recorded": 1, "replaced": 2},
    ]


def test_lines_appended_twice_for_one_key_become_the_first_one(workspace, made):
    """Lines the API appended before it replaced: the oldest keeps the new amount (even
    an unchanged one), the others go; the day totals and summaries follow."""
    spring = made["spring"]
    first, second, third = (
        SpendEntry.objects.create(
            workspace=workspace, day=MAR1, channel="email", campaign=spring, amount=amount
        )
        for amount in (Decimal("10"), Decimal("20"), Decimal("10"))
    )
    totals.rebuild(workspace)
    row = {"day": MAR1, "channel": "email", "amount": "10", "campaign": spring}
    assert actions.record_spend(workspace, [row]) == {"recorded": 0, "replaced": 1}
    assert list(SpendEntry.objects.values_list("pk", "amount")) == [(first.pk, Decimal("10.00"))]
    assert _days(workspace) == {(MAR1, "email"): (1000, 1)}
    assert _leaf_month(made) == [10000, 1000, 0]
    assert kept(workspace) == from_scratch(workspace)


def test_appended_lines_of_every_key_go_not_only_the_last_keys(workspace, made):
    for channel, amounts in (("email", ("1", "2", "3")), ("tv", ("4", "5"))):
        for amount in amounts:
            SpendEntry.objects.create(
                workspace=workspace, day=MAR2, channel=channel, amount=Decimal(amount)
            )
    totals.rebuild(workspace)
    rows = [
        {"day": MAR2, "channel": "email", "amount": "6"},
        {"day": MAR2, "channel": "tv", "amount": "7"},
    ]
    assert actions.record_spend(workspace, rows) == {"recorded": 0, "replaced": 2}
    assert _lines(workspace) == [
        (MAR2, "email", None, None, Decimal("6.00")),
        (MAR2, "tv", None, None, Decimal("7.00")),
    ]
    assert _days(workspace) == {(MAR2, "email"): (600, 1), (MAR2, "tv"): (700, 1)}


def test_another_workspaces_lines_of_the_same_key_are_not_touched(workspace, made):
    theirs = {"day": MAR1, "channel": "email", "amount": "9", "campaign": made["theirs"]}
    actions.record_spend(made["other"], [theirs | {"campaign": None}])
    mine = {"day": MAR1, "channel": "email", "amount": "4"}
    assert actions.record_spend(workspace, [mine]) == {"recorded": 1, "replaced": 0}
    assert actions.record_spend(workspace, [mine | {"amount": "5"}]) == {
        "recorded": 0,
        "replaced": 1,
    }
    assert _lines(made["other"]) == [(MAR1, "email", None, None, Decimal("9.00"))]
    assert _lines(workspace) == [(MAR1, "email", None, None, Decimal("5.00"))]
    assert _days(made["other"]) == {(MAR1, "email"): (900, 1)}


def test_recording_no_rows_writes_only_its_audit_entry(workspace, made):
    assert actions.record_spend(workspace, []) == {"recorded": 0, "replaced": 0}
    assert _lines(workspace) == []
    assert _entries("spend.record") == [
        (
            workspace.pk,
            "system",
            "Workspace",
            str(workspace.pk),
            None,
            {"recorded": 0, "replaced": 0},
        )
    ]


# --- resolve_spend_references ------------------------------------------------------------


def test_references_resolve_to_this_workspaces_campaigns_and_locations(workspace, made):
    rows = [
        {"day": MAR1, "channel": "tv", "amount": "1", "campaign": "spring", "location": "N"},
        {"day": MAR1, "channel": "tv", "amount": "2", "campaign": "", "location": None},
        {"day": MAR2, "channel": "tv", "amount": "3"},
    ]
    resolved = actions.resolve_spend_references(workspace, rows)
    assert resolved == [
        {
            "day": MAR1,
            "channel": "tv",
            "amount": "1",
            "campaign": made["spring"],
            "location": made["north"],
        },
        {"day": MAR1, "channel": "tv", "amount": "2", "campaign": None, "location": None},
        {"day": MAR2, "channel": "tv", "amount": "3", "campaign": None, "location": None},
    ]
    assert resolved[0]["campaign"].workspace_id == workspace.pk


def test_unknown_references_are_refused_by_row(workspace, made):
    upsert_locations(made["other"], [{"code": "W", "name": "West"}])
    actions.create_campaign(made["other"], "theirs-only", "tv")
    rows = [
        {"day": MAR1, "campaign": "theirs-only", "location": "N"},
        {"day": MAR1, "campaign": "spring", "location": "W"},
        {"day": MAR1, "campaign": "nope", "location": "X"},
    ]
    assert _refused(actions.resolve_spend_references, workspace, rows) == {
        "rows[0].campaign": "no campaign 'theirs-only' in this workspace",
        "rows[1].location": "no location 'W' in this workspace",
        "rows[2].campaign": "no campaign 'nope' in this workspace",
        "rows[2].location": "no location 'X' in this workspace",
    }


# --- enter_spend (the entry form's one line) -------------------------------------------


def test_a_form_line_is_refused_by_field_with_nothing_written(workspace, made):
    values = {
        "day": "2026-03-01",
        "channel": "",
        "amount": "",
        "campaign": "c" * 250,
        "location": "L" * 50,
    }
    assert _refused(actions.enter_spend, workspace, values) == {
        "day": "must be a date",
        "channel": "choose one",
        "amount": "must be a number",
        "campaign": f"no campaign '{'c' * 200}' in this workspace",
        "location": f"no location '{'L' * 40}' in this workspace",
    }
    values = {"day": date(2200, 1, 1), "channel": "f" * 50, "amount": "1e20"}
    assert _refused(actions.enter_spend, workspace, values) == {
        "day": BOUNDS,
        "channel": f"'{'f' * 40}' is not a Pacer channel",
        "amount": "must be at most 999,999,999,999.99",
    }
    # another workspace's campaign and location are unknown here
    upsert_locations(made["other"], [{"code": "W", "name": "West"}])
    actions.create_campaign(made["other"], "theirs-only", "tv")
    values = {
        "day": MAR1,
        "channel": "tv",
        "amount": "1",
        "campaign": "theirs-only",
        "location": "W",
    }
    assert _refused(actions.enter_spend, workspace, values) == {
        "campaign": "no campaign 'theirs-only' in this workspace",
        "location": "no location 'W' in this workspace",
    }
    assert _lines(workspace) == []
    assert _days(workspace) == {}
    assert not AuditEntry.objects.filter(action="spend.create").exists()


def test_a_form_line_is_written_with_its_day_summary_and_audit(workspace, made, admin):
    values = {
        "day": MAR2,
        "channel": "email",
        "amount": " 12.345 ",
        "campaign": "spring",
        "location": "S",
    }
    entry = actions.enter_spend(workspace, values, actor=admin)
    assert _lines(workspace) == [(MAR2, "email", "spring", "S", Decimal("12.34"))]
    assert (entry.pk, entry.amount) == (SpendEntry.objects.get().pk, Decimal("12.34"))
    assert _days(workspace) == {(MAR2, "email"): (1234, 1)}
    assert _leaf_month(made) == [10000, 1234, 0]
    assert kept(workspace) == from_scratch(workspace)
    assert _entries("spend.create") == [
        (workspace.pk, "ada", "SpendEntry", str(entry.pk), None, _line_snapshot(entry))
    ]
    assert AuditEntry.objects.get(action="spend.create").after["amount"] == "12.34"


def test_a_form_line_for_a_recorded_key_is_refused_and_one_that_differs_is_not(workspace, made):
    line = actions.enter_spend(
        workspace, {"day": MAR1, "channel": "tv", "amount": "5", "location": "N"}
    )
    same = {"day": MAR1, "channel": "tv", "amount": "7", "location": "N"}
    assert _refused(actions.enter_spend, workspace, same) == {
        "day": "spend for this day, channel, campaign and location is recorded already "
        f"(line {line.pk}, 5.00); edit that line instead"
    }
    # another location, no location, a campaign, another day, another channel: new keys
    for changes in (
        {"location": "S"},
        {"location": ""},
        {"campaign": "autumn"},
        {"day": MAR2},
        {"channel": "radio"},
    ):
        actions.enter_spend(workspace, same | changes)
    # the same key in another workspace does not count
    actions.enter_spend(made["other"], {"day": MAR1, "channel": "tv", "amount": "1"})
    assert len(_lines(workspace)) == 6
    assert _days(workspace)[(MAR1, "tv")] == (500 + 700 * 3, 4)


def test_a_form_line_in_a_closed_month_is_refused(workspace, made):
    close_month(workspace, date(2026, 1, 1))
    values = {"day": date(2026, 1, 15), "channel": "tv", "amount": "5"}
    assert _refused(actions.enter_spend, workspace, values) == {"day": CLOSED}
    assert _lines(workspace) == []
    assert not AuditEntry.objects.filter(action="spend.create").exists()


# --- update_spend --------------------------------------------------------------------------


def test_an_update_moves_the_line_and_its_money_with_its_audit_entry(workspace, made, admin):
    line = actions.enter_spend(
        workspace, {"day": MAR1, "channel": "email", "amount": "30", "campaign": "spring"}
    )
    other = actions.enter_spend(workspace, {"day": MAR1, "channel": "email", "amount": "1"})
    before = _line_snapshot(line, amount="30.00")
    values = {
        "day": MAR2,
        "channel": "display",
        "amount": "7.5",
        "campaign": "autumn",
        "location": "N",
    }
    updated = actions.update_spend(line, values, actor=admin)
    assert updated.pk == line.pk
    assert _lines(workspace) == [
        (MAR1, "email", None, None, Decimal("1.00")),
        (MAR2, "display", "autumn", "N", Decimal("7.50")),
    ]
    assert _days(workspace) == {(MAR1, "email"): (100, 1), (MAR2, "display"): (750, 1)}
    assert _leaf_month(made) == [10000, 0, 0]  # the spend left spring's node
    assert kept(workspace) == from_scratch(workspace)
    after = before | {
        "day": "2026-03-02",
        "channel": "display",
        "amount": "7.50",
        "campaign": made["autumn"].pk,
        "location": made["north"].pk,
    }
    assert _entries("spend.update") == [
        (workspace.pk, "ada", "SpendEntry", str(line.pk), before, after)
    ]
    # back onto spring's node
    actions.update_spend(updated, values | {"campaign": "spring"})
    assert _leaf_month(made) == [10000, 0, 750]
    assert kept(workspace) == from_scratch(workspace)
    assert SpendEntry.objects.get(pk=other.pk).amount == Decimal("1.00")


def test_an_update_onto_another_lines_key_is_refused_but_its_own_key_is_kept(workspace, made):
    line = actions.enter_spend(workspace, {"day": MAR1, "channel": "tv", "amount": "5"})
    taken = actions.enter_spend(workspace, {"day": MAR2, "channel": "tv", "amount": "6"})
    assert _refused(actions.update_spend, line, {"day": MAR2, "channel": "tv", "amount": "5"}) == {
        "day": f"line {taken.pk} has this day, channel, campaign and location already"
    }
    assert _lines(workspace) == [
        (MAR1, "tv", None, None, Decimal("5.00")),
        (MAR2, "tv", None, None, Decimal("6.00")),
    ]
    # its own key with another amount is a change of that line
    actions.update_spend(line, {"day": MAR1, "channel": "tv", "amount": "5.01"})
    assert _lines(workspace)[0] == (MAR1, "tv", None, None, Decimal("5.01"))
    assert _days(workspace) == {(MAR1, "tv"): (501, 1), (MAR2, "tv"): (600, 1)}
    # the same key in another workspace does not count
    actions.enter_spend(made["other"], {"day": MAR3, "channel": "tv", "amount": "1"})
    actions.update_spend(line, {"day": MAR3, "channel": "tv", "amount": "5.01"})
    assert _lines(workspace)[1] == (MAR3, "tv", None, None, Decimal("5.01"))


def test_an_update_that_changes_nothing_writes_nothing(workspace, made):
    line = actions.enter_spend(
        workspace, {"day": MAR1, "channel": "email", "amount": "30", "campaign": "spring"}
    )
    stale = SpendEntry.objects.get(pk=line.pk)
    stale.amount = Decimal("99")  # the stored line is what is compared
    values = {"day": MAR1, "channel": "email", "amount": "30.00", "campaign": "spring"}
    actions.update_spend(stale, values)
    assert _lines(workspace) == [(MAR1, "email", "spring", None, Decimal("30.00"))]
    assert _days(workspace) == {(MAR1, "email"): (3000, 1)}
    assert _leaf_month(made) == [10000, 3000, 0]
    assert not AuditEntry.objects.filter(action="spend.update").exists()


def test_an_update_into_or_out_of_a_closed_month_is_refused(workspace, made):
    january = actions.enter_spend(
        workspace, {"day": date(2026, 1, 5), "channel": "tv", "amount": "5"}
    )
    march = actions.enter_spend(workspace, {"day": MAR1, "channel": "tv", "amount": "6"})
    close_month(workspace, date(2026, 1, 1))
    assert _refused(
        actions.update_spend, january, {"day": MAR2, "channel": "tv", "amount": "5"}
    ) == {"day": CLOSED}
    assert _refused(
        actions.update_spend, march, {"day": date(2026, 1, 6), "channel": "tv", "amount": "6"}
    ) == {"day": CLOSED}
    assert _refused(
        actions.update_spend, march, {"day": MAR1, "channel": "fax", "amount": "6"}
    ) == {"channel": "'fax' is not a Pacer channel"}
    assert _lines(workspace) == [
        (date(2026, 1, 5), "tv", None, None, Decimal("5.00")),
        (MAR1, "tv", None, None, Decimal("6.00")),
    ]
    assert _days(workspace) == {(date(2026, 1, 5), "tv"): (500, 1), (MAR1, "tv"): (600, 1)}
    assert not AuditEntry.objects.filter(action="spend.update").exists()


# --- delete_spend --------------------------------------------------------------------------


def test_a_deleted_line_leaves_its_day_and_summary_with_its_audit_entry(workspace, made, admin):
    line = actions.enter_spend(
        workspace, {"day": MAR1, "channel": "email", "amount": "30", "campaign": "spring"}
    )
    kept_line = actions.enter_spend(workspace, {"day": MAR1, "channel": "email", "amount": "2"})
    before = _line_snapshot(line, amount="30.00")
    actions.delete_spend(line, actor=admin)
    assert _lines(workspace) == [(MAR1, "email", None, None, Decimal("2.00"))]
    assert _days(workspace) == {(MAR1, "email"): (200, 1)}
    assert _leaf_month(made) == [10000, 0, 0]
    assert kept(workspace) == from_scratch(workspace)
    assert _entries("spend.delete") == [
        (workspace.pk, "ada", "SpendEntry", str(line.pk), before, None)
    ]
    assert SpendEntry.objects.filter(pk=kept_line.pk).exists()


def test_a_stale_copy_is_deleted_as_stored(workspace, made):
    line = actions.enter_spend(
        workspace, {"day": MAR1, "channel": "email", "amount": "30", "campaign": "spring"}
    )
    stale = SpendEntry.objects.get(pk=line.pk)
    actions.update_spend(line, {"day": MAR2, "channel": "tv", "amount": "4"})
    actions.delete_spend(stale)
    assert _lines(workspace) == []
    assert _days(workspace) == {}
    assert kept(workspace) == from_scratch(workspace)


def test_a_line_in_a_closed_month_is_not_deleted(workspace, made):
    line = actions.enter_spend(workspace, {"day": date(2026, 1, 5), "channel": "tv", "amount": "5"})
    close_month(workspace, date(2026, 1, 1))
    assert _refused(actions.delete_spend, line) == {"day": CLOSED}
    assert _lines(workspace) == [(date(2026, 1, 5), "tv", None, None, Decimal("5.00"))]
    assert _days(workspace) == {(date(2026, 1, 5), "tv"): (500, 1)}
    assert not AuditEntry.objects.filter(action="spend.delete").exists()
