"""Writes for segments: define, change and delete them; keep their membership current
(incrementally from the change feed, fully from the warehouse); static lists by hand or
CSV. Every membership change is recorded with its time (``MembershipChange``)."""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from pacer.core import audit, faults
from pacer.core.bulk import fetch_in, insert_rows
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.people import selectors as people
from pacer.segments import definition as d
from pacer.segments import evaluation, incremental
from pacer.segments.models import Membership, MembershipChange, Segment

NAME_LENGTH = Segment._meta.get_field("name").max_length
MAX_CSV_ROWS = 100_000
MAX_MANUAL = 1000


def resolver(workspace: Workspace, among: list[int] | None = None):
    """segment id -> ("dynamic", tree) | ("static", member ids) | None, read once each.

    With ``among`` (contact ids, sorted and distinct), a static list's members are read
    only among those contacts (the change feed's evaluation of a few contacts need not
    read a long list whole)."""
    cache: dict[int, tuple | None] = {}

    def resolve(segment_id: int):
        if segment_id not in cache:
            found = Segment.objects.filter(workspace=workspace, pk=segment_id).first()
            if found is None:
                cache[segment_id] = None
            elif found.kind == Segment.Kind.STATIC:
                cache[segment_id] = ("static", _members_of([found.pk], among)[found.pk])
            else:
                cache[segment_id] = ("dynamic", incremental.parsed(found.definition))
        return cache[segment_id]

    return resolve


def _members_of(segment_ids: list[int], among: list[int] | None) -> dict[int, set[int]]:
    """segment id -> its members (only those in ``among`` when given), in one query per
    ``people.CHUNK`` contacts."""
    found: dict[int, set[int]] = {pk: set() for pk in segment_ids}
    rows = Membership.objects.filter(segment_id__in=segment_ids)
    chunks = (
        [rows]
        if among is None
        else [
            rows.filter(contact_id__in=among[start : start + people.CHUNK])
            for start in range(0, len(among), people.CHUNK)
        ]
    )
    for chunk in chunks:
        for segment_id, contact_id in chunk.values_list("segment_id", "contact_id"):
            found[segment_id].add(contact_id)
    return found


def _check_references(workspace: Workspace, segment_id: int | None, tree: d.Group) -> None:
    """Every referred segment exists here, and none leads back to ``segment_id``."""
    errors: dict[str, str] = {}
    for path, node in _paths(tree, "definition"):
        if not isinstance(node, d.SegmentCondition):
            continue
        if node.segment_id == segment_id:
            errors[path] = "a segment cannot refer to itself"
        elif not Segment.objects.filter(workspace=workspace, pk=node.segment_id).exists():
            errors[path] = f"no segment {node.segment_id} in this workspace"
        elif segment_id is not None and (
            chain := _leads_to(workspace, node.segment_id, segment_id)
        ):
            errors[path] = "refers back to this segment through " + " → ".join(chain)
    if errors:
        raise ValidationFailed(errors)


def _paths(node, path: str):
    yield path, node
    if isinstance(node, d.Group):
        for index, child in enumerate(node.children):
            yield from _paths(child, f"{path}.children[{index}]")


def _leads_to(workspace: Workspace, start: int, target: int) -> list[str]:
    """The names along a chain of references from ``start`` to ``target`` ([] if none)."""
    stack, seen = [(start, [start])], set()
    while stack:
        current, chain = stack.pop()
        if current == target:
            names = dict(
                Segment.objects.filter(workspace=workspace, pk__in=chain).values_list("pk", "name")
            )
            return [f"'{names.get(pk, pk)}'" for pk in chain]
        if current in seen:
            continue
        seen.add(current)
        found = Segment.objects.filter(workspace=workspace, pk=current).first()
        if found is None or found.kind != Segment.Kind.DYNAMIC:
            continue
        for ref in d.references(d.parse(found.definition)):
            stack.append((ref, [*chain, ref]))
    return []


def _check_fields(workspace: Workspace, segment_id: int | None, name: str, kind: str) -> str:
    errors = {}
    name = name.strip()
    if not name:
        errors["name"] = "must not be empty"
    elif len(name) > NAME_LENGTH:
        errors["name"] = f"must be at most {NAME_LENGTH} characters"
    elif Segment.objects.filter(workspace=workspace, name=name).exclude(pk=segment_id).exists():
        errors["name"] = f"'{name}' is already a segment in this workspace"
    if kind not in Segment.Kind.values:
        errors["kind"] = f"must be one of {', '.join(Segment.Kind.values)}"
    if errors:
        raise ValidationFailed(errors)
    return name


def validated(workspace: Workspace, segment_id: int | None, definition) -> d.Group:
    """The definition parsed and its references checked, or ``ValidationFailed``."""
    tree = d.parse(definition)
    _check_references(workspace, segment_id, tree)
    return tree


def create_segment(
    workspace: Workspace,
    *,
    name: str,
    kind: str = Segment.Kind.DYNAMIC,
    definition: dict | None = None,
    description: str = "",
    actor=None,
    now: datetime | None = None,
) -> Segment:
    """A new segment; a dynamic one is evaluated for every contact at once."""
    name = _check_fields(workspace, None, name, kind)
    stored = {}
    if kind == Segment.Kind.DYNAMIC:
        stored = d.dump(validated(workspace, None, definition))
    now = now or timezone.now()
    try:
        with transaction.atomic():
            segment = Segment.objects.create(
                workspace=workspace,
                name=name,
                kind=kind,
                definition=stored,
                description=description[:500],
                created_at=now,
                updated_at=now,
            )
            audit.record(workspace, "segment.create", segment, actor=actor, after={"name": name})
            if kind == Segment.Kind.DYNAMIC:
                rebuild(workspace, segment, now=now)
    except IntegrityError:
        raise ValidationFailed(
            {"name": f"'{name}' is already a segment in this workspace"}
        ) from None
    return segment


def update_segment(
    workspace: Workspace,
    segment: Segment,
    *,
    name: str,
    definition: dict | None = None,
    description: str = "",
    actor=None,
    now: datetime | None = None,
) -> Segment:
    """Rename or redefine; a new definition re-evaluates every contact."""
    name = _check_fields(workspace, segment.pk, name, segment.kind)
    stored = segment.definition
    if segment.kind == Segment.Kind.DYNAMIC:
        stored = d.dump(validated(workspace, segment.pk, definition))
    now = now or timezone.now()
    with transaction.atomic():
        before = {"name": segment.name, "definition": segment.definition}
        segment.name, segment.description = name, description[:500]
        segment.definition, segment.updated_at = stored, now
        segment.save()
        audit.record(
            workspace,
            "segment.update",
            segment,
            actor=actor,
            before=before,
            after={"name": name, "definition": stored},
        )
        if segment.kind == Segment.Kind.DYNAMIC:
            rebuild(workspace, segment, now=now)
    return segment


def delete_segment(workspace: Workspace, segment: Segment, *, actor=None) -> None:
    """Delete a segment no other segment refers to."""
    users = [
        other.name
        for other in Segment.objects.filter(workspace=workspace, kind=Segment.Kind.DYNAMIC)
        if segment.pk in d.references(d.parse(other.definition))
    ]
    if users:
        raise ValidationFailed({"segment": "used by " + ", ".join(f"'{n}'" for n in users)})
    with transaction.atomic():
        audit.record(
            workspace, "segment.delete", segment, actor=actor, before={"name": segment.name}
        )
        segment.delete()


def apply_membership(
    segment: Segment,
    considered: Iterable[int] | None,
    matched: set[int],
    *,
    now: datetime,
    source: str,
    present: set[int] | None = None,
) -> tuple[int, int]:
    """Make the members among ``considered`` (None: every contact) exactly ``matched``,
    recording who entered and who exited at ``now``; returns (entered, exited).
    ``present``, when the caller has read them, are the members among ``considered``."""
    if considered is not None:
        considered = set(considered)
        if present is None:
            present = _members_of([segment.pk], sorted(considered))[segment.pk]
        matched = matched & considered
    else:
        present = set(
            Membership.objects.filter(segment=segment).values_list("contact_id", flat=True)
        )
    entered, exited = sorted(matched - present), sorted(present - matched)
    if entered or exited:
        record_changes(
            segment.workspace_id, {segment.pk: (entered, exited)}, now=now, source=source
        )
        segment.refresh_from_db(fields=["member_count"])
    return len(entered), len(exited)


def record_changes(
    workspace_id: int,
    changes: dict[int, tuple[list[int], list[int]]],
    *,
    now: datetime,
    source: str,
) -> int:
    """For each segment id, (contacts who entered, contacts who exited): the memberships
    made and removed, each change recorded at ``now``, the member counts moved by the
    difference (a recount would read every member); a few statements for all segments.
    Returns how many memberships changed."""
    entered = [(s, c) for s, (came, _) in changes.items() for c in came]
    insert_rows(
        Membership,
        ["workspace", "segment", "contact", "entered_at"],
        [(workspace_id, s, c, now) for s, c in entered],
    )
    quote = connection.ops.quote_name
    members = quote(Membership._meta.db_table)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for segment_id, (_, left) in changes.items():
            for start in range(0, len(left), people.CHUNK):
                part = left[start : start + people.CHUNK]
                listed = "= ANY(%s)" if postgres else f"IN ({', '.join(['%s'] * len(part))})"
                cursor.execute(
                    f"DELETE FROM {members} WHERE segment_id = %s AND contact_id {listed}",
                    [segment_id, part] if postgres else [segment_id, *part],
                )
        counts = [
            (len(came) - len(left), segment_id)
            for segment_id, (came, left) in changes.items()
            if came or left
        ]
        if counts:
            table = quote(Segment._meta.db_table)
            cursor.executemany(
                f"UPDATE {table} SET member_count = member_count + %s WHERE id = %s", counts
            )
    ENTERED, EXITED = MembershipChange.Change.ENTERED, MembershipChange.Change.EXITED
    rows = [
        (workspace_id, segment_id, contact_id, change, now, source)
        for segment_id, (came, left) in changes.items()
        for change, contacts in ((ENTERED, came), (EXITED, left))
        for contact_id in contacts
    ]
    insert_rows(
        MembershipChange, ["workspace", "segment", "contact", "change", "at", "source"], rows
    )
    return len(rows)


def refresh_contacts(workspace: Workspace, contact_ids: Iterable[int], *, now: datetime) -> int:
    """Re-evaluate every dynamic segment of the workspace for these contacts (the change
    feed's handler); returns how many memberships changed.

    A few statements whatever the number of segments: the segments (their definitions,
    parsed and compiled once per version, ``incremental.parsed``), the present
    memberships of these contacts in every segment (static lists included), one query
    per kind of fact the definitions need, and the writes (``record_changes``)."""
    ordered = sorted(set(contact_ids))  # once, for every read among them
    if not ordered:
        return 0
    stored = fetch_in(Segment, ["id", "kind", "definition"], {}, "workspace", [workspace.pk])
    kinds = {segment_id: kind for segment_id, kind, _ in stored}
    trees = {
        segment_id: incremental.parsed(definition)
        for segment_id, kind, definition in stored
        if kind == Segment.Kind.DYNAMIC
    }
    if not trees:
        return 0
    present: dict[int, set[int]] = defaultdict(set)
    for segment_id, contact_id in fetch_in(
        Membership, ["segment", "contact"], {"workspace": workspace.pk}, "contact", ordered
    ):
        present[segment_id].add(contact_id)

    def resolve(segment_id: int):
        kind = kinds.get(segment_id)
        if kind is None:
            return None
        if kind == Segment.Kind.STATIC:
            return ("static", present[segment_id])
        return ("dynamic", trees[segment_id])

    matched = incremental.evaluate(workspace, trees, ordered, now=now, resolve=resolve)
    changes = {}
    for segment_id in trees:
        was, now_in = present[segment_id], matched[segment_id]
        if was != now_in:
            changes[segment_id] = (sorted(now_in - was), sorted(was - now_in))
    changed = record_changes(workspace.pk, changes, now=now, source="feed")
    faults.point("segments.refresh.applied")  # every segment's changes made
    return changed


def rebuild(
    workspace: Workspace, segment: Segment, *, now: datetime, matched: set[int] | None = None
) -> tuple[int, int]:
    """Evaluate a dynamic segment for every contact (``members_now``; ``matched``: already
    evaluated) and record who entered and exited; returns (entered, exited)."""
    if matched is None:
        matched = members_now(workspace, segment, now=now)
    changed = apply_membership(segment, None, matched, now=now, source="full")
    faults.point("segments.rebuild.applied")  # members and history written, not the time
    segment.evaluated_at = now
    segment.save(update_fields=["evaluated_at"])
    return changed


def members_now(workspace: Workspace, segment: Segment, *, now: datetime) -> set[int]:
    """Every contact the dynamic segment's definition matches at ``now``."""
    tree = d.parse(segment.definition)
    return evaluation.members(workspace, tree, now=now, resolve=resolver(workspace))


def rebuild_all() -> int:
    """Rebuild every dynamic segment (the worker's hourly loop: time windows move on
    without any change on the feed); returns how many memberships changed.

    Each segment is evaluated before its transaction: on SQLite the transaction holds the
    one write lock every sign-in and loop waits on from its ``BEGIN IMMEDIATE``, and the
    evaluation of the demo's 20,000 contacts took 7 s at load 12, the longest hold of
    the demo's first minutes (on PostgreSQL it never locked what it read). Only the
    changes are written under the lock, each segment's whole or not at all; a segment
    redefined or deleted meanwhile is left to the change that rebuilt it, and a contact
    the change feed says changed meanwhile keeps the membership it has (the feed's
    handler evaluates it afresh: it has, or will)."""
    changed = 0
    for segment in Segment.objects.filter(kind=Segment.Kind.DYNAMIC).select_related("workspace"):
        workspace, now = segment.workspace, timezone.now()
        mark = evaluation.latest_batch(workspace)
        matched = members_now(workspace, segment, now=now)
        faults.point("segments.rebuild.evaluated")  # read, nothing written yet
        with transaction.atomic():
            same = Segment.objects.select_for_update().filter(
                pk=segment.pk, updated_at=segment.updated_at
            )
            if same.values_list("pk").first() is None:
                continue
            if touched := evaluation.changed_after(workspace, mark):
                present = fetch_in(
                    Membership, ["contact"], {"segment": segment.pk}, "contact", sorted(touched)
                )
                matched = (matched - touched) | {contact_id for (contact_id,) in present}
            entered, exited = rebuild(workspace, segment, now=now, matched=matched)
        changed += entered + exited
    return changed


# Static lists ---------------------------------------------------------------------------


def _static(segment: Segment) -> None:
    if segment.kind != Segment.Kind.STATIC:
        raise ValidationFailed({"segment": "members are added to static lists only"})


def add_members(
    workspace: Workspace, segment: Segment, contact_ids: list[int], *, source: str = "manual"
) -> int:
    """Add live contacts of the workspace to a static list; returns how many were new."""
    _static(segment)
    live = set(people.live_contact_ids(workspace, contact_ids))
    unknown = [c for c in contact_ids if c not in live]
    if unknown:
        listed = ", ".join(map(str, unknown[:10]))
        raise ValidationFailed({"contact_ids": f"no live contact {listed} in this workspace"})
    with transaction.atomic():
        entered, _ = apply_membership(segment, live, live, now=timezone.now(), source=source)
    return entered


def remove_members(workspace: Workspace, segment: Segment, contact_ids: list[int]) -> int:
    """Remove contacts from a static list; returns how many were members."""
    _static(segment)
    with transaction.atomic():
        _, exited = apply_membership(
            segment, set(contact_ids), set(), now=timezone.now(), source="manual"
        )
    return exited


def import_members(workspace: Workspace, segment: Segment, content: bytes) -> dict:
    """Add the contacts a CSV names (a column ``email`` or ``external_id``, header first)
    to a static list. Unknown or malformed rows are reported by line and reason and the
    known ones are added: {"added", "already", "problems": [(line, reason)]}."""
    _static(segment)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"file": "is not UTF-8 text"}) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValidationFailed({"file": "is empty"})
    header = [cell.strip().lower() for cell in rows[0]]
    columns = [name for name in ("email", "external_id") if name in header]
    if not columns:
        raise ValidationFailed({"file": "needs a header with a column 'email' or 'external_id'"})
    if len(rows) - 1 > MAX_CSV_ROWS:
        raise ValidationFailed({"file": f"has more than {MAX_CSV_ROWS} rows"})
    keyed: list[tuple[int, str, str]] = []
    problems: list[tuple[int, str]] = []
    for line, row in enumerate(rows[1:], start=2):
        values = {
            name: row[header.index(name)].strip()
            for name in columns
            if header.index(name) < len(row)
        }
        name = next((n for n in columns if values.get(n)), None)
        if name is None:
            problems.append((line, "no email or external_id"))
        else:
            keyed.append((line, name, values[name]))
    emails = people.contacts_by_email(workspace, [v for _, n, v in keyed if n == "email"])
    external = people.contacts_by_user_id(workspace, [v for _, n, v in keyed if n == "external_id"])
    found: list[int] = []
    for line, name, value in keyed:
        contact_id = emails.get(value.lower()) if name == "email" else external.get(value)
        if contact_id is None:
            problems.append((line, f"no contact with {name} '{value[:80]}'"))
        else:
            found.append(contact_id)
    unique = sorted(set(found))
    added = add_members(workspace, segment, unique, source="csv") if unique else 0
    return {"added": added, "already": len(unique) - added, "problems": sorted(problems)}
