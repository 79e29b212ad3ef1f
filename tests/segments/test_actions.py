"""Defining segments (clear refusals naming the node, references without cycles) and
static lists (manual, CSV with per-line reasons), with nothing written on a refusal."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.people.models import Contact, Identity
from pacer.segments import actions
from pacer.segments.definition import parse
from pacer.segments.models import Membership, MembershipChange, Segment

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def group(*children, op="and", negate=False):
    return {"type": "group", "op": op, "negate": negate, "children": list(children)}


def stage(value):
    return {"type": "field", "field": "lifecycle_stage", "op": "eq", "value": value}


def refused(call) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.errors


@pytest.mark.parametrize(
    ("definition", "path", "reason"),
    [
        ([], "definition", "must be a group"),
        (group(), "definition.children", "at least one condition"),
        (
            group(stage("lead"), {"type": "event", "event": "X", "count": -1}),
            "definition.children[1].count",
            "greater than or equal to 0",
        ),
        (
            group(group({"type": "field", "field": "revenue", "op": "contains", "value": "x"})),
            "definition.children[0].children[0]",
            "does not apply to number field 'revenue'",
        ),
        (
            group({"type": "field", "field": "nope", "op": "eq", "value": "a"}),
            "definition.children[0].field",
            "Input should be 'email'",
        ),
        (group({"type": "sql", "query": "drop table"}), "definition.children[0]", "'sql'"),
        (
            group(
                {"type": "event", "event": "X", "where": [{"key": "a", "op": "gt", "value": "z"}]}
            ),
            "definition.children[0].where[0]",
            "needs a number",
        ),
        (
            group({"type": "field", "field": "last_seen_at", "op": "within_days", "value": 0}),
            "definition.children[0]",
            "whole number of days",
        ),
        (group(stage("lead"), op="xor"), "definition.op", "'and' or 'or'"),
        ({**group(stage("lead")), "extra": 1}, "definition.extra", "Extra inputs"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_node_and_the_reason(definition, path, reason):
    errors = refused(lambda: parse(definition))
    assert path in errors, errors
    assert reason in errors[path]


def test_groups_nest_at_most_six_deep():
    tree = stage("lead")
    for _ in range(6):
        tree = group(tree)
    parse(tree)  # six groups: fine
    errors = refused(lambda: parse(group(tree)))
    assert errors == {"definition" + ".children[0]" * 6: "groups nest at most 6 deep"}


def test_a_refused_segment_writes_nothing(workspace, admin):
    before = AuditEntry.objects.count()
    errors = refused(
        lambda: actions.create_segment(
            workspace,
            name="Bad",
            definition=group({"type": "lead_score", "op": "gte"}),
            actor=admin,
        )
    )
    assert errors == {"definition.children[0].value": "Field required"}
    assert not Segment.objects.exists()
    assert AuditEntry.objects.count() == before


def test_references_must_exist_in_the_workspace_and_never_lead_back(workspace, admin):
    from pacer.core.actions import create_workspace

    other = create_workspace("Other", slug="other")
    foreign = actions.create_segment(other, name="Theirs", definition=group(stage("lead")))
    a = actions.create_segment(workspace, name="A", definition=group(stage("lead")))
    b = actions.create_segment(
        workspace, name="B", definition=group({"type": "segment", "segment_id": a.pk})
    )
    errors = refused(
        lambda: actions.create_segment(
            workspace,
            name="C",
            definition=group(stage("x"), {"type": "segment", "segment_id": foreign.pk}),
        )
    )
    assert errors == {"definition.children[1]": f"no segment {foreign.pk} in this workspace"}

    # A -> B would close the loop A -> B -> A
    errors = refused(
        lambda: actions.update_segment(
            workspace, a, name="A", definition=group({"type": "segment", "segment_id": b.pk})
        )
    )
    assert errors == {"definition.children[0]": "refers back to this segment through 'B' → 'A'"}
    errors = refused(
        lambda: actions.update_segment(
            workspace, a, name="A", definition=group({"type": "segment", "segment_id": a.pk})
        )
    )
    assert errors == {"definition.children[0]": "a segment cannot refer to itself"}
    a.refresh_from_db()
    assert a.definition["children"][0] == {**stage("lead")}
    # and a segment in use cannot be deleted
    assert refused(lambda: actions.delete_segment(workspace, a)) == {"segment": "used by 'B'"}
    assert Segment.objects.filter(pk=a.pk).exists()


def test_names_are_unique_per_workspace(workspace):
    actions.create_segment(workspace, name="Leads", definition=group(stage("lead")))
    errors = refused(
        lambda: actions.create_segment(workspace, name=" Leads ", definition=group(stage("x")))
    )
    assert errors == {"name": "'Leads' is already a segment in this workspace"}


@pytest.fixture
def people(workspace):
    rows = [
        Contact.objects.create(workspace=workspace, email=email, lifecycle_stage=stage_)
        for email, stage_ in [("ann@x.io", "lead"), ("Bob@X.io", "customer"), ("cy@x.io", "lead")]
    ]
    Identity.objects.create(workspace=workspace, contact=rows[2], kind="user_id", value="u-3")
    return rows


def test_creating_a_dynamic_segment_evaluates_it_and_records_the_entries(workspace, people):
    segment = actions.create_segment(
        workspace, name="Leads", definition=group(stage("lead")), now=NOW
    )
    assert set(Membership.objects.filter(segment=segment).values_list("contact_id", flat=True)) == {
        people[0].pk,
        people[2].pk,
    }
    assert segment.member_count == 2
    assert (
        list(MembershipChange.objects.filter(segment=segment).values_list("change", "at", "source"))
        == [("entered", NOW, "full")] * 2
    )


def test_a_csv_adds_known_contacts_and_reports_each_unknown_row_by_line(workspace, people):
    segment = actions.create_segment(workspace, name="VIP", kind="static")
    content = (
        b"email,external_id\n"
        b"ann@x.io,\n"
        b"BOB@x.io,\n"  # any case
        b"nobody@x.io,\n"
        b",u-3\n"
        b",\n"
        b",u-404\n"
        b"ann@x.io,\n"  # again
    )
    result = actions.import_members(workspace, segment, content)
    assert result == {
        "added": 3,
        "already": 0,
        "problems": [
            (4, "no contact with email 'nobody@x.io'"),
            (6, "no email or external_id"),
            (7, "no contact with external_id 'u-404'"),
        ],
    }
    members = set(Membership.objects.filter(segment=segment).values_list("contact_id", flat=True))
    assert members == {p.pk for p in people}
    again = actions.import_members(workspace, segment, b"email\nann@x.io\n")
    assert again == {"added": 0, "already": 1, "problems": []}
    assert refused(lambda: actions.import_members(workspace, segment, b"name\nann\n")) == {
        "file": "needs a header with a column 'email' or 'external_id'"
    }
    assert refused(lambda: actions.import_members(workspace, segment, b"\xff\xfe")) == {
        "file": "is not UTF-8 text"
    }


def test_static_lists_add_and_remove_by_hand_and_refuse_unknown_contacts(workspace, people):
    segment = actions.create_segment(workspace, name="Hand", kind="static")
    assert actions.add_members(workspace, segment, [people[0].pk, people[1].pk]) == 2
    assert actions.add_members(workspace, segment, [people[0].pk]) == 0
    errors = refused(lambda: actions.add_members(workspace, segment, [people[2].pk, 999999]))
    assert errors == {"contact_ids": "no live contact 999999 in this workspace"}
    assert actions.remove_members(workspace, segment, [people[1].pk, people[2].pk]) == 1
    assert list(
        Membership.objects.filter(segment=segment).values_list("contact_id", flat=True)
    ) == [people[0].pk]
    assert list(
        MembershipChange.objects.filter(segment=segment)
        .order_by("id")
        .values_list("change", flat=True)
    ) == ["entered", "entered", "exited"]
    dynamic = actions.create_segment(workspace, name="Dyn", definition=group(stage("lead")))
    assert refused(lambda: actions.add_members(workspace, dynamic, [people[1].pk])) == {
        "segment": "members are added to static lists only"
    }


def test_a_segment_refers_to_a_static_list_by_reference(workspace, people):
    """Membership of another segment is read when evaluating, never copied in."""
    vip = actions.create_segment(workspace, name="VIP", kind="static")
    actions.add_members(workspace, vip, [people[1].pk])
    not_vip_leads = actions.create_segment(
        workspace,
        name="Leads not VIP",
        definition=group(
            {"type": "segment", "segment_id": vip.pk, "member": False},
            stage("customer"),
            op="or",
        ),
    )
    assert not_vip_leads.definition["children"][0] == {
        "type": "segment",
        "segment_id": vip.pk,
        "member": False,
    }
    members = set(
        Membership.objects.filter(segment=not_vip_leads).values_list("contact_id", flat=True)
    )
    assert members == {p.pk for p in people}  # everyone: not VIP, or the VIP customer


def test_the_feed_reads_a_referred_static_list_among_the_contacts_it_evaluates(workspace, people):
    vip = actions.create_segment(workspace, name="VIP", kind="static")
    actions.add_members(workspace, vip, [people[0].pk])
    in_vip = actions.create_segment(
        workspace, name="In VIP", definition=group({"type": "segment", "segment_id": vip.pk})
    )
    Membership.objects.filter(segment=in_vip).delete()  # as if the feed had not run yet

    changed = actions.refresh_contacts(workspace, [people[0].pk, people[1].pk], now=timezone.now())

    assert changed == 1
    members = Membership.objects.filter(segment=in_vip).values_list("contact_id", flat=True)
    assert set(members) == {people[0].pk}
