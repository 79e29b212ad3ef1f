"""Pages for segments: the list, the builder (nested groups, a live count and sample), the
membership page with its CSV export, and static-list editing (add, remove, CSV upload)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.leads import selectors as lead_selectors
from pacer.people import selectors as people
from pacer.people.kinds import LifecycleStage
from pacer.segments import actions, builder, selectors
from pacer.segments import definition as d
from pacer.segments.models import Segment
from pacer.segments.preview import preview
from pacer.web.tables import Column, Table

MAX_UPLOAD = 10 * 1024 * 1024


def segment_url(row) -> str:
    return reverse("segment", args=[row["pk"]])


LIST_COLUMNS = [
    Column("name", "Name", sortable=True, href=segment_url),
    Column("description", "Description"),  # what each is for, without opening it
    Column("kind", "Kind", sortable=True, labels=dict(Segment.Kind.choices)),
    Column("member_count", "Members", format="count", sortable=True),
    Column("updated_at", "Changed", format="datetime", sortable=True),
    Column("evaluated_at", "Evaluated", format="datetime", sortable=True, visible=False),
]


def contact_url(row) -> str | None:
    """The member's contact page (the id column carries it; hidden, no link)."""
    return reverse("contact", args=[row["contact"]]) if row.get("contact") else None


MEMBER_COLUMNS = [
    Column("contact", "Contact", sortable=True, href=contact_url),
    Column(
        "contact__email",
        "Email",
        sortable=True,
        href=contact_url,
        text=lambda r: r["contact__email"] or "(no email)",
    ),
    Column("contact__first_name", "First name", sortable=True),
    Column("contact__last_name", "Last name", sortable=True),
    Column("contact__lifecycle_stage", "Stage", sortable=True),
    Column("contact__location__name", "Location", sortable=True, visible=False),
    Column("entered_at", "Entered", format="datetime", sortable=True),
]


@page("segments.view")
def segment_list(request):
    table = Table(
        request,
        selectors.segments(request.workspace),
        LIST_COLUMNS,
        default_sort="name",
        caption="Segments",
        empty_title="No segments yet.",
        empty_hint="A segment is an audience kept current as contacts change: "
        "start one with New segment.",
        html_id="segments",
    )
    can_edit = allows(request.role, "segments.edit")
    return render(request, "segments/list.html", {"table": table, "can_edit": can_edit})


def _member_table(request, segment: Segment) -> Table:
    export = allows(request.role, "segments.export")
    return Table(
        request,
        selectors.memberships(request.workspace, segment.pk),
        MEMBER_COLUMNS,
        default_sort="-entered_at",
        csv_url=reverse("segment-export", args=[segment.pk]) if export else None,
        caption=f"Members of {segment.name}",
        empty_title="No members yet.",
        empty_hint="Contacts appear here as they match the definition."
        if segment.kind == Segment.Kind.DYNAMIC
        else "Add contacts by email or upload a CSV.",
        html_id="members",
    )


def _segment(request, segment_id: int) -> Segment:
    found = selectors.segment(request.workspace, segment_id)
    if found is None:
        raise Http404("No such segment in this workspace.")
    return found


@page("segments.view")
def segment_detail(request, segment_id: int):
    segment = _segment(request, segment_id)
    return render(request, "segments/detail.html", _detail_context(request, segment))


def _detail_context(request, segment: Segment, **refused) -> dict:
    """The segment's page; ``refused``: a refused form's ``member_errors`` and
    ``member_form`` (what was typed), or ``delete_errors``, shown where they belong."""
    return {
        "segment": segment,
        "table": _member_table(request, segment),
        "changes": list(selectors.changes(request.workspace, segment.pk)[:10]),
        "can_edit": allows(request.role, "segments.edit"),
        "summary": _summary(request, segment),
        **refused,
    }


def _summary(request, segment: Segment) -> list[str]:
    """The definition in words, one line per condition (for the membership page)."""
    if segment.kind != Segment.Kind.DYNAMIC:
        return []
    names = dict(selectors.segments(request.workspace).values_list("pk", "name"))
    stages = dict(stage_choices(request.workspace))
    lines = []

    def say(node, depth):
        pad = "  " * depth
        if isinstance(node, d.Group):
            if node.negate:
                words = "none of" if node.op == "or" else "not all of"
            else:
                words = "all of" if node.op == "and" else "any of"
            lines.append(f"{pad}{words}")
            for child in node.children:
                say(child, depth + 1)
        else:
            lines.append(f"{pad}{builder.describe(node, names, stages)}")

    say(d.parse(segment.definition), 0)
    return lines


@page("segments.export")
def segment_export(request, segment_id: int):
    segment = _segment(request, segment_id)
    return _member_table(request, segment).csv_response(f"segment-{segment.pk}.csv")


def _builder_context(request, segment: Segment | None, tree: dict, errors: dict) -> dict:
    others = selectors.segments(request.workspace)
    if segment is not None:
        others = others.exclude(pk=segment.pk)
    return {
        "segment": segment,
        "root": builder.rows(tree, errors, stage_choices(request.workspace)),
        "errors": errors,
        "kinds": builder.KINDS.items(),
        "fields": builder.FIELD_LABELS.items(),
        "field_ops": [(op, builder.OP_LABELS[op]) for op in builder.FIELD_OPS],
        "value_ops": [(op, builder.OP_LABELS[op]) for op in d.VALUE_OPS],
        "count_ops": [(op, builder.OP_LABELS[op]) for op in d.COUNT_OPS],
        "number_ops": [(op, builder.OP_LABELS[op]) for op in ("gte", "gt", "eq", "lte", "lt")],
        "segments": list(others.values_list("pk", "name")),
        "rfm_segments": d.RFM_SEGMENTS,
        "lead_measures": builder.LEAD_MEASURES.items(),
        "kind_options": Segment.Kind.choices,
    }


def stage_choices(workspace) -> list[tuple[str, str]]:
    """The lifecycle stages a condition offers: the workspace's configured lead stages in
    their order, then the contact stages they leave out (evangelist, other)."""
    configured = [(stage.key, stage.label) for stage in lead_selectors.stages(workspace)]
    keys = {key for key, _ in configured}
    return configured + [(k, label) for k, label in LifecycleStage.choices if k not in keys]


def _render_builder(request, segment, tree, errors, form_values, status=200):
    context = _builder_context(request, segment, tree, errors)
    context.update(form_values)
    if request.POST.get("edit") == "preview":  # the Count button, without JavaScript
        context["preview_done"] = True
        context.update(_preview_context(request, segment, tree))
    if request.headers.get("HX-Request") and request.POST.get("edit"):
        response = render(request, "segments/_builder.html", context, status=status)
        response["HX-Trigger"] = "builder-changed"
        return response
    return render(request, "segments/builder.html", context, status=status)


def _preview_context(request, segment: Segment | None, tree) -> dict:
    try:
        count, sample = preview(
            request.workspace, tree, now=timezone.now(), segment_id=segment.pk if segment else None
        )
    except ValidationFailed as error:
        return {"preview_errors": builder.error_lines(error.errors)}
    return {"count": count, "sample": sample}


def _edit(request, segment: Segment | None):
    if request.method != "POST":
        tree = (
            segment.definition
            if segment and segment.definition
            else {"type": "group", "op": "and", "children": [builder.DEFAULTS["field"]]}
        )
        values = {
            "name": segment.name if segment else "",
            "description": segment.description if segment else "",
            "kind": segment.kind if segment else "dynamic",
        }
        return _render_builder(request, segment, tree, {}, values)
    form = request.POST
    values = {
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "kind": segment.kind if segment else form.get("kind", "dynamic"),
    }
    tree = builder.node_from(form, "r") if form.get("r.type") else {"type": "group", "children": []}
    edit = form.get("edit", "")
    if edit:
        if edit.startswith("add:"):
            path = edit[len("add:") :]
            edit = f"add-{form.get(f'add-kind.{path}', 'field')}:{path}"
        return _render_builder(request, segment, builder.apply_edit(tree, edit), {}, values)
    static = values["kind"] == Segment.Kind.STATIC
    try:
        if segment is None:
            segment = actions.create_segment(
                request.workspace,
                name=values["name"],
                kind=values["kind"],
                description=values["description"],
                definition=None if static else tree,
                actor=request.user,
            )
            messages.success(request, f"Segment '{segment.name}' created.")
        else:
            actions.update_segment(
                request.workspace,
                segment,
                name=values["name"],
                description=values["description"],
                definition=None if static else tree,
                actor=request.user,
            )
            messages.success(request, f"Segment '{segment.name}' saved.")
    except ValidationFailed as error:
        return _render_builder(request, segment, tree, error.errors, values, status=422)
    return redirect("segment", segment.pk)


@page("segments.edit")
def segment_new(request):
    return _edit(request, None)


@page("segments.edit")
def segment_edit(request, segment_id: int):
    return _edit(request, _segment(request, segment_id))


@require_POST
@page("segments.view")
def segment_preview(request):
    """The count and sample for the builder's current form (an HTMX fragment); 422 with
    the reasons when its rules are not complete yet."""
    segment_id = request.POST.get("segment_id", "")
    segment = (
        selectors.segment(request.workspace, int(segment_id)) if segment_id.isdecimal() else None
    )
    context = _preview_context(request, segment, builder.node_from(request.POST, "r"))
    status = 422 if "preview_errors" in context else 200
    return render(request, "segments/_preview.html", context, status=status)


@require_POST
@page("segments.edit")
def segment_delete(request, segment_id: int):
    segment = _segment(request, segment_id)
    try:
        actions.delete_segment(request.workspace, segment, actor=request.user)
    except ValidationFailed as error:
        context = _detail_context(request, segment, delete_errors=error.errors)
        return render(request, "segments/detail.html", context, status=422)
    messages.success(request, f"Segment '{segment.name}' deleted.")
    return redirect("segments")


@require_POST
@page("segments.edit")
def segment_members(request, segment_id: int):
    """Add contacts to a static list by email (one per line), remove by email (one per
    line) or id, or upload a CSV; the page reports what was done and every row that was
    not. A refused form comes back on the page (422) with the reason at its field and
    what was typed."""
    segment = _segment(request, segment_id)
    try:
        if "file" in request.FILES:
            upload = request.FILES["file"]
            if upload.size > MAX_UPLOAD:
                raise ValidationFailed({"file": f"is larger than {MAX_UPLOAD // 1024 // 1024} MB"})
            result = actions.import_members(request.workspace, segment, upload.read())
            _report(request, result)
        elif request.POST.get("emails", "").strip():
            text = "email\n" + request.POST["emails"]
            _report(request, actions.import_members(request.workspace, segment, text.encode()))
        elif request.POST.get("remove_emails", "").strip():
            _remove_by_email(request, segment, request.POST["remove_emails"])
        elif request.POST.get("remove", "").isdecimal():
            actions.remove_members(request.workspace, segment, [int(request.POST["remove"])])
            messages.success(request, "Removed from the list.")
        else:
            raise ValidationFailed({"emails": "enter at least one email, or choose a file"})
    except ValidationFailed as error:
        errors = dict(error.errors)
        if "file" not in request.FILES and "file" in errors:  # the emails read as a CSV
            errors["emails"] = errors.pop("file")
        typed = {name: request.POST.get(name, "") for name in ("emails", "remove_emails")}
        context = _detail_context(request, segment, member_errors=errors, member_form=typed)
        return render(request, "segments/detail.html", context, status=422)
    return redirect("segment", segment.pk)


def _remove_by_email(request, segment: Segment, text: str) -> None:
    """Remove the contacts with these emails (one a line) from a static list; each email
    no contact has is named."""
    emails = list(dict.fromkeys(line.strip().lower() for line in text.splitlines() if line.strip()))
    found = people.contacts_by_email(request.workspace, emails)
    removed = actions.remove_members(request.workspace, segment, sorted(set(found.values())))
    messages.success(request, f"Removed {removed} contacts from the list.")
    for email in [e for e in emails if e not in found][:20]:
        messages.warning(request, f"{email}: no contact has this email")


def _report(request, result: dict) -> None:
    messages.success(
        request, f"Added {result['added']} contacts ({result['already']} were already members)."
    )
    for line, reason in result["problems"][:20]:
        messages.warning(request, f"Line {line}: {reason}")
    if len(result["problems"]) > 20:
        messages.warning(request, f"… and {len(result['problems']) - 20} more rows not added.")
