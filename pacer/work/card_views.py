"""A card's page: its fields, checklist, comments, labels, links, attachments and history,
each change a form posted back to the page (``op``)."""

import re

from django.contrib import messages
from django.db.models.functions import Lower
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core import clock
from pacer.core.errors import ValidationFailed, row_id
from pacer.core.permissions import allows, check, page
from pacer.core.roles import Role
from pacer.web import formats
from pacer.web.address import show_at
from pacer.work import actions, attachments, comments, labels, links, selectors
from pacer.work.models import Attachment, ChecklistItem, Comment, LinkKind
from pacer.work.views import _card_or_404, _int_or_none, board_address, label_filter


def _override(card) -> tuple[str, str] | None:
    """The label and help of the edit form's reason to go over a limit: the board's limit
    per person (a new assignee of an in-progress card), the sprint's capacity (a new
    estimate), or both; None when neither applies to the card."""
    limits = {}
    if card.board.person_wip_limit is not None:
        limits["the limit per person"] = (
            f"a new assignee would hold more than {card.board.person_wip_limit} cards in progress"
        )
    if card.sprint_id is not None:
        limits["the sprint's capacity"] = "a new estimate would take the sprint over its capacity"
    if not limits:
        return None
    over = next(iter(limits)) if len(limits) == 1 else "a limit"
    return (
        f"Reason to go over {over}",
        f"Only needed when {' or '.join(limits.values())}; recorded in the audit log",
    )


def _edit_form(card, posted=None) -> dict:
    """The edit form's values: what was posted when it was refused, else the card's."""
    if posted is not None:
        return {
            f: posted.get(f, "") for f in ("title", "description", "assignee", "due", "estimate")
        }
    return {
        "title": card.title,
        "description": card.description,
        "assignee": "" if card.assignee_id is None else str(card.assignee_id),
        "due": card.due.isoformat() if card.due else "",
        "estimate": card.estimate,
    }


def _error_links(errors: dict, override) -> dict:
    """Where the error box links: a refused reason to go over a limit to its field (id
    ``override-reason``, or nothing when the card shows none), the others to theirs."""
    if "override_reason" not in errors:
        return {"error_fields": None, "error_target": ""}
    others = {re.split(r"[.\[ ]", name)[0] for name in errors} - {"override_reason"}
    target = "override-reason" if override else ""
    return {"error_fields": ",".join(sorted(others)), "error_target": target}


def card_address(request, card) -> str:
    """The card's page, keeping the board's label filter it was opened from (``?label``,
    when it is one of the board's labels)."""
    label = label_filter(request, card.board)[1]
    address = reverse("work-card", args=[card.pk])
    return f"{address}?label={label.pk}" if label else address


def _move_form(card, posted=None) -> dict:
    """The Move form's values: what was posted when it was refused, else the card's."""
    if posted is not None:
        return {f: posted.get(f, "") for f in ("column", "swimlane", "override_reason")}
    lane = "" if card.swimlane_id is None else str(card.swimlane_id)
    return {"column": str(card.column_id), "swimlane": lane, "override_reason": ""}


def _link_search(request, posted) -> dict:
    """The link picker's matches: for a refused link form, those of what was typed (and the
    match picked, kept ticked); none otherwise."""
    if posted is None or not posted.get("target_id", "").strip():
        return {}
    kind = posted.get("kind", "")
    found = links.search(request.workspace, request.role, kind, posted.get("target_id", ""))
    picked = posted.get("pick", "") if posted.get("pick_kind") == kind else ""
    return {"search": found, "kind": kind, "picked": picked}


@page("work.edit")
def link_search(request, card_id: int):
    """The link picker's matches for the kind chosen and the text typed (``kind``,
    ``target_id``): the radio buttons the card page's link form shows as one types."""
    card = _card_or_404(request, card_id)
    kind = request.GET.get("kind", "")
    found = links.search(card.workspace, request.role, kind, request.GET.get("target_id", ""))
    return render(request, "work/_link_results.html", {"search": found, "kind": kind})


def _card_page(
    request, card, errors=None, status: int = 200, posted=None, restoring=False, moving=False
):
    """The card's page; ``posted``: a refused edit, link or move form, shown as it was
    typed; ``restoring``: a refused restore (its errors link to the reason to go over a
    limit); ``moving``: a refused move (its errors shown by the Move form). An archived
    card's page shows it read-only, with its Restore (and Delete) buttons."""
    show_at(request, card_address(request, card))
    typed = posted.get("op") if posted is not None else None
    move_errors = (errors or {}) if moving else {}
    errors = {} if moving else errors
    card_labels = list(card.labels.order_by(Lower("name"), "pk"))
    held = {x.pk for x in card_labels}
    context = {
        "card": card,
        "board": card.board,
        "columns": list(card.board.columns.all()),
        "back_url": board_address(card.board, label_filter(request, card.board)[1]),
        "column_options": [(c.pk, c.name) for c in card.board.columns.all()],
        "lane_options": [("", "No swimlane")]
        + [(lane.pk, lane.name) for lane in card.board.swimlanes.all()],
        "move": _move_form(card, posted if typed == "move" else None),
        "move_errors": move_errors,
        "move_limits": card.board.person_wip_limit is not None
        or any(c.wip_limit is not None for c in card.board.columns.all()),
        "is_admin": request.role == Role.ADMIN,
        "member_options": [("", "Nobody")]
        + [(m.pk, formats.person(m)) for m in selectors.members(request.workspace)],
        "history": selectors.history(card),
        "comments": card.comments.select_related("author"),
        "user_id": request.user.pk,
        "link_kinds": LinkKind.choices,
        "links": [
            (link, links.resolve(request.workspace, link.kind, link.target_id))
            for link in card.links.all()
        ],
        "attachments": card.attachments.all(),
        "card_labels": card_labels,
        "label_options": [("", "Choose a label")]
        + [(x.pk, x.name) for x in card.board.labels.all() if x.pk not in held],
        "edit": _edit_form(card, posted if typed == "edit" else None),
        "link_typed": posted if typed == "link" else {},
        "link_search": _link_search(request, posted if typed == "link" else None),
        "override": _override(card),
        "errors": errors or {},
        **_error_links(errors or {}, _override(card)),
        **({"error_fields": "", "error_target": "restore-reason"} if restoring else {}),
        "restore_reason": posted.get("override_reason", "") if restoring and posted else "",
        "can_edit": card.archived_at is None and allows(request.role, "work.edit"),
        "can_restore": card.archived_at is not None and allows(request.role, "work.edit"),
        "can_delete": card.archived_at is not None and allows(request.role, "work.manage"),
    }
    return render(request, "work/card.html", context, status=status)


def _checklist_item(card, data) -> ChecklistItem:
    found = card.checklist.filter(pk=row_id(data.get("item"))).first()
    if found is None:
        raise ValidationFailed({"item": "is not on this card's checklist"})
    return found


def _comment_of(card, comment_id) -> Comment:
    found = card.comments.filter(pk=_int_or_none(comment_id)).first()
    if found is None:
        raise ValidationFailed({"comment": "is not a comment on this card"})
    return found


CARD_OPERATIONS = {
    "edit": lambda card, data, now, user: actions.update_card(
        card,
        now=now,
        actor=user,
        override_reason=data.get("override_reason", ""),
        **{f: data.get(f, "") for f in ("title", "description", "assignee", "due", "estimate")},
    ),
    "block": lambda card, data, now, user: actions.set_blocked(
        card, data.get("blocked_reason", ""), now=now, actor=user
    ),
    "checklist": lambda card, data, now, user: actions.add_checklist_item(
        card, data.get("text", ""), actor=user
    ),
    "checklist_remove": lambda card, data, now, user: actions.remove_checklist_item(
        _checklist_item(card, data)
    ),
    "comment": lambda card, data, now, user: comments.add_comment(
        card, data.get("body", ""), now=now, actor=user
    ),
    "comment_edit": lambda card, data, now, user: comments.edit_comment(
        _comment_of(card, data.get("comment")), data.get("body", ""), now=now, actor=user
    ),
    "link": lambda card, data, now, user: actions.add_link(
        card, data.get("kind", ""), _link_target(data), actor=user
    ),
    "link_remove": lambda card, data, now, user: actions.remove_link(
        card, data.get("link"), actor=user
    ),
    "move": lambda card, data, now, user: actions.move_card(
        card,
        column=data.get("column", ""),
        swimlane=data.get("swimlane", ""),
        override_reason=data.get("override_reason", ""),
        now=now,
        actor=user,
    ),
    "label_add": lambda card, data, now, user: labels.change_labels(
        card, add=_chosen(data, "add"), now=now, actor=user
    ),
    "label_remove": lambda card, data, now, user: labels.change_labels(
        card, remove=_chosen(data, "remove"), now=now, actor=user
    ),
}


def _link_target(data) -> str:
    """What the link form names: the match picked in the list (when it was listed for the
    kind chosen), else the id (or campaign key) typed."""
    if data.get("pick") and data.get("pick_kind") == data.get("kind"):
        return data["pick"]
    return data.get("target_id", "")


def _chosen(data, name: str) -> list[str]:
    """The label the form chose (refused when it chose none)."""
    if not data.get(name, ""):
        raise ValidationFailed({name: "choose a label"})
    return [data[name]]


@page("work.view")
def card_detail(request, card_id: int):
    card = _card_or_404(request, card_id)
    if request.method != "POST":
        return _card_page(request, card)
    check(request.role, "work.edit")
    operation = request.POST.get("op", "")
    try:
        if operation == "tick":
            actions.tick(_checklist_item(card, request.POST), request.POST.get("done") == "1")
        elif operation == "comment_delete":
            comments.delete_comment(
                _comment_of(card, request.POST.get("comment")),
                actor=request.user,
                role=request.role,
            )
        elif operation in CARD_OPERATIONS:
            CARD_OPERATIONS[operation](card, request.POST, clock.now(), request.user)
        else:
            raise ValidationFailed(
                {"op": f"must be one of tick, comment_delete, {', '.join(CARD_OPERATIONS)}"}
            )
    except ValidationFailed as error:
        shown = selectors.card(request.workspace, card_id)
        # keep what was typed: an edit, to confirm; a link, to correct; a move, with a reason
        posted = request.POST if operation in ("edit", "link", "move") else None
        moving = operation == "move" and set(error.errors) != {"card"}
        return _card_page(request, shown, error.errors, 422, posted=posted, moving=moving)
    messages.success(request, "Saved.")
    return HttpResponseRedirect(card_address(request, card))


@page("work.edit")
def attachment_upload(request, card_id: int):
    card = _card_or_404(request, card_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationFailed({"file": "choose a file to attach"})
        if upload.size > attachments.MAX_BYTES:
            raise ValidationFailed(
                {"file": f"is {upload.size:,} bytes; the limit is {attachments.MAX_BYTES:,}"}
            )
        attachments.upload(
            card, filename=upload.name, data=upload.read(), now=clock.now(), actor=request.user
        )
    except ValidationFailed as error:
        return _card_page(request, card, error.errors, 422)
    messages.success(request, "File attached.")
    return HttpResponseRedirect(reverse("work-card", args=[card.pk]))


def _attachment_or_404(request, attachment_id: int) -> Attachment:
    found = (
        Attachment.objects.filter(workspace=request.workspace, pk=attachment_id)
        .select_related("card__workspace")
        .first()
    )
    if found is None:
        raise Http404("no such attachment")
    return found


@page("work.view")
def attachment_download(request, attachment_id: int):
    """The file, as a download (never shown inline: its type was judged by its bytes)."""
    return attachments.download(_attachment_or_404(request, attachment_id))


@require_POST
@page("work.edit")
def attachment_delete(request, attachment_id: int):
    found = _attachment_or_404(request, attachment_id)
    card_id = found.card_id
    attachments.delete(found, actor=request.user)
    messages.success(request, f"'{found.filename}' deleted.")
    return HttpResponseRedirect(reverse("work-card", args=[card_id]))
