"""What the segment actions promise beyond test_actions.py, each with exact values: the
fields' refusals in their own words with nothing written, renaming and redefining (a new
definition re-evaluates every contact, audited before and after), deleting (audited,
memberships gone), the hourly full rebuild of every dynamic segment, and removing
members from a static list only."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core.actions import create_workspace
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.people.models import Contact, Identity
from pacer.segments import actions
from pacer.segments.definition import dump, parse
from pacer.segments.models import Membership, MembershipChange, Segment

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def group(*children, op="and"):
    return {"type": "group", "op": op, "negate": False, "children": list(children)}


def stage(value):
    return {"type": "field", "field": "lifecycle_stage", "op": "eq", "value": value}


def refused(call) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.errors


def members(segment) -> set[int]:
    return set(Membership.objects.filter(segment=segment).values_list("contact_id", flat=True))


def changes(segment) -> list[tuple]:
    return list(
        MembershipChange.objects.filter(segment=segment)
        .order_by("id")
        .values_list("contact_id", "change", "at", "source")
    )


@pytest.fixture
def people(workspace):
    return [
        Contact.objects.create(workspace=workspace, email=email, lifecycle_stage=stage_)
        for email, stage_ in [("ann@x.io", "lead"), ("bob@x.io", "customer"), ("cy@x.io", "lead")]
    ]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": ""}, {"name": "must not be empty"}),
        ({"name": "   "}, {"name": "must not be empty"}),
        ({"name": "n" * 201}, {"name": "must be at most 200 characters"}),
        ({"kind": "smart"}, {"kind": "must be one of dynamic, static"}),
        (
            {"name": "", "kind": "smart"},
            {"name": "must not be empty", "kind": "must be one of dynamic, static"},
        ),
    ],
)
def test_a_bad_name_or_kind_is_refused_in_its_own_words_and_nothing_is_made(
    workspace, fields, errors
):
    audited = AuditEntry.objects.count()
    arguments = {"name": "Leads", "kind": "dynamic", "definition": group(stage("lead"))}
    assert refused(lambda: actions.create_segment(workspace, **(arguments | fields))) == errors
    assert not Segment.objects.exists()
    assert AuditEntry.objects.count() == audited


def test_a_segment_is_made_with_its_trimmed_name_and_cut_description_and_audited(
    workspace, admin, people
):
    segment = actions.create_segment(
        workspace,
        name="  Leads  ",
        definition=group(stage("lead")),
        description="d" * 600,
        actor=admin,
        now=NOW,
    )
    segment.refresh_from_db()
    assert (segment.name, segment.kind, segment.description) == ("Leads", "dynamic", "d" * 500)
    assert (segment.created_at, segment.updated_at, segment.evaluated_at) == (NOW, NOW, NOW)
    assert segment.definition == dump(parse(group(stage("lead"))))
    entry = AuditEntry.objects.get(action="segment.create")
    assert (entry.object_type, entry.object_id, entry.actor, entry.before, entry.after) == (
        "Segment",
        str(segment.pk),
        admin,
        None,
        {"name": "Leads"},
    )
    # a 200-character name is the longest allowed
    longest = actions.create_segment(workspace, name="n" * 200, kind="static")
    assert longest.name == "n" * 200 and longest.definition == {}
    assert members(longest) == set() and longest.evaluated_at is None


def test_a_new_definition_re_evaluates_every_contact_and_is_audited(workspace, admin, people):
    ann, bob, cy = people
    segment = actions.create_segment(
        workspace, name="Leads", definition=group(stage("lead")), now=NOW
    )
    before_definition = segment.definition

    updated = actions.update_segment(
        workspace,
        segment,
        name=" Customers ",
        definition=group(stage("customer")),
        description="c" * 501,
        actor=admin,
        now=LATER,
    )

    assert updated is segment
    segment.refresh_from_db()
    assert (segment.name, segment.description) == ("Customers", "c" * 500)
    assert (segment.created_at, segment.updated_at, segment.evaluated_at) == (NOW, LATER, LATER)
    assert segment.definition == dump(parse(group(stage("customer"))))
    assert members(segment) == {bob.pk} and segment.member_count == 1
    assert changes(segment) == [
        (ann.pk, "entered", NOW, "full"),
        (cy.pk, "entered", NOW, "full"),
        (bob.pk, "entered", LATER, "full"),
        (ann.pk, "exited", LATER, "full"),
        (cy.pk, "exited", LATER, "full"),
    ]
    entry = AuditEntry.objects.get(action="segment.update")
    assert (entry.object_id, entry.actor, entry.before, entry.after) == (
        str(segment.pk),
        admin,
        {"name": "Leads", "definition": before_definition},
        {"name": "Customers", "definition": segment.definition},
    )


def test_an_update_may_keep_its_own_name_but_not_take_another_and_a_refusal_changes_nothing(
    workspace, people
):
    leads = actions.create_segment(
        workspace, name="Leads", definition=group(stage("lead")), now=NOW
    )
    actions.create_segment(workspace, name="Others", definition=group(stage("x")), now=NOW)
    actions.update_segment(
        workspace, leads, name="Leads", definition=group(stage("lead")), now=LATER
    )
    assert Segment.objects.get(pk=leads.pk).name == "Leads"
    audited = AuditEntry.objects.count()
    for name, error in (("Others", "'Others' is already a segment in this workspace"),
                        ("", "must not be empty")):  # fmt: skip
        assert refused(
            lambda name=name: actions.update_segment(
                workspace, leads, name=name, definition=group(stage("customer")), now=LATER
            )
        ) == {"name": error}
    leads.refresh_from_db()
    assert (leads.name, leads.updated_at) == ("Leads", LATER)
    assert leads.definition == dump(parse(group(stage("lead"))))
    assert members(leads) == {people[0].pk, people[2].pk}
    assert AuditEntry.objects.count() == audited


def test_renaming_a_static_list_keeps_its_members_and_evaluates_nothing(workspace, people):
    vip = actions.create_segment(workspace, name="VIP", kind="static", now=NOW)
    actions.add_members(workspace, vip, [people[1].pk])
    actions.update_segment(workspace, vip, name="Top", definition=group(stage("x")), now=LATER)
    vip.refresh_from_db()
    assert (vip.name, vip.definition, vip.evaluated_at) == ("Top", {}, None)
    assert members(vip) == {people[1].pk}


def test_deleting_a_segment_removes_it_and_its_members_and_is_audited(workspace, admin, people):
    leads = actions.create_segment(workspace, name="Leads", definition=group(stage("lead")))
    kept = actions.create_segment(workspace, name="Kept", definition=group(stage("lead")))
    pk = leads.pk
    actions.delete_segment(workspace, leads, actor=admin)
    assert not Segment.objects.filter(pk=pk).exists()
    assert not Membership.objects.filter(segment_id=pk).exists()
    assert members(kept) == {people[0].pk, people[2].pk}
    entry = AuditEntry.objects.get(action="segment.delete")
    assert (entry.object_id, entry.actor, entry.before, entry.after) == (
        str(pk),
        admin,
        {"name": "Leads"},
        None,
    )


def test_members_are_removed_from_static_lists_only(workspace, people):
    leads = actions.create_segment(workspace, name="Leads", definition=group(stage("lead")))
    assert refused(lambda: actions.remove_members(workspace, leads, [people[0].pk])) == {
        "segment": "members are added to static lists only"
    }
    assert members(leads) == {people[0].pk, people[2].pk}
    assert MembershipChange.objects.filter(change="exited").count() == 0


def test_the_hourly_rebuild_brings_every_dynamic_segment_up_to_date(workspace, people):
    ann, bob, cy = people
    other = create_workspace("Other", slug="other")
    dan = Contact.objects.create(workspace=other, email="dan@x.io", lifecycle_stage="lead")
    leads = actions.create_segment(
        workspace, name="Leads", definition=group(stage("lead")), now=NOW
    )
    theirs = actions.create_segment(
        other, name="Leads", definition=group(stage("customer")), now=NOW
    )
    vip = actions.create_segment(workspace, name="VIP", kind="static", now=NOW)
    actions.add_members(workspace, vip, [bob.pk])
    # changed behind the feed's back: only a full rebuild sees it
    Contact.objects.filter(pk=ann.pk).update(lifecycle_stage="customer")
    Contact.objects.filter(pk=dan.pk).update(lifecycle_stage="customer")

    assert actions.rebuild_all() == 2  # Ann left Leads, Dan entered theirs

    assert members(leads) == {cy.pk} and members(theirs) == {dan.pk}
    assert members(vip) == {bob.pk}
    assert changes(leads)[-1][:2] == (ann.pk, "exited")
    assert changes(theirs) == [(dan.pk, "entered", changes(theirs)[0][2], "full")]
    for segment in (leads, theirs):
        segment.refresh_from_db()
        assert segment.evaluated_at > NOW and segment.member_count == 1
    assert actions.rebuild_all() == 0  # nothing changed since
    assert len(changes(leads)) == 3


def test_a_csv_with_a_byte_order_mark_and_short_rows_is_read_and_an_empty_one_refused(
    workspace, people
):
    ann, _, cy = people
    Identity.objects.create(workspace=workspace, contact=cy, kind="user_id", value="u-3")
    vip = actions.create_segment(workspace, name="VIP", kind="static")
    assert refused(lambda: actions.import_members(workspace, vip, b"")) == {"file": "is empty"}
    assert members(vip) == set() and not MembershipChange.objects.exists()
    # the header's first name follows a byte order mark; the second row stops short
    content = "\ufeffExternal_ID , EMAIL\n,ann@x.io\nu-3\n".encode()
    result = actions.import_members(workspace, vip, content)
    assert result == {"added": 2, "already": 0, "problems": []}
    assert members(vip) == {ann.pk, cy.pk}
    assert {(c[0], c[1], c[3]) for c in changes(vip)} == {
        (ann.pk, "entered", "csv"),
        (cy.pk, "entered", "csv"),
    }
    # an unknown value is quoted in its problem cut to 80 characters
    unknown = "y" * 90 + "@x.io"
    result = actions.import_members(workspace, vip, f"email\n{unknown}\n".encode())
    assert result == {
        "added": 0,
        "already": 0,
        "problems": [(2, f"no contact with email '{'y' * 80}'")],
    }


def test_a_csv_of_up_to_a_hundred_thousand_rows_is_read_and_a_longer_one_refused(workspace, people):
    vip = actions.create_segment(workspace, name="VIP", kind="static")
    assert actions.MAX_CSV_ROWS == 100_000
    # blank rows: each is a problem of its own line, and no contact is looked up
    result = actions.import_members(workspace, vip, b"email\n" + b",\n" * 100_000)
    assert (result["added"], result["already"], len(result["problems"])) == (0, 0, 100_000)
    assert result["problems"][-1] == (100_001, "no email or external_id")
    longer = b"email\n" + b",\n" * 100_001
    assert refused(lambda: actions.import_members(workspace, vip, longer)) == {
        "file": "has more than 100000 rows"
    }
    assert members(vip) == set() and not MembershipChange.objects.exists()
