"""A board's labels over the REST API (putting them on cards: ``PATCH /cards/{id}`` with
``labels``, or bulk edit's ``add_label`` / ``remove_label``, in ``pacer.work.api``)."""

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from pacer.core.api_schema import ERRORS, NOT_FOUND, Id, text
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.work import labels, selectors
from pacer.work.api import WRITE, RemovedOut, Slug, _board
from pacer.work.models import Label, LabelColour

router = Router(tags=["work"])


class LabelIn(Schema):
    name: text(50, min_length=1)
    colour: LabelColour


class LabelChangeIn(Schema):
    name: text(50, min_length=1) | None = None
    colour: LabelColour | None = None


class LabelOut(Schema):
    id: int
    name: str
    colour: LabelColour
    cards: int = Field(description="how many cards carry it")


def _label_out(found: Label, cards: int) -> dict:
    return {"id": found.pk, "name": found.name, "colour": found.colour, "cards": cards}


def _label(request, label_id: int) -> Label:
    found = selectors.label(request.workspace, label_id)
    if found is None:
        raise NotFound("label_id", f"no label {label_id} in this workspace")
    return found


@router.get("/boards/{slug}/labels", response={200: list[LabelOut], **ERRORS, **NOT_FOUND})
@endpoint("work.view")
def list_labels(request, slug: Slug):
    """The board's labels by name, with how many cards carry each."""
    return [_label_out(x, x.card_count) for x in selectors.labels(_board(request, slug))]


@router.post("/boards/{slug}/labels", response={201: LabelOut, **WRITE})
@endpoint("work.manage")
def create_label(request, slug: Slug, payload: LabelIn):
    """A new label on the board; a name the board has (ignoring case) is refused
    (422, ``name``)."""
    found = labels.create_label(
        _board(request, slug),
        name=payload.name,
        colour=payload.colour,
        now=timezone.now(),
        actor=request.user,
    )
    return Status(201, _label_out(found, 0))


@router.patch("/labels/{label_id}", response={200: LabelOut, **WRITE})
@endpoint("work.manage")
def change_label(request, label_id: Id, payload: LabelChangeIn):
    """Rename or recolour a label; its cards keep it."""
    changes = payload.dict(exclude_unset=True)
    found = labels.update_label(
        _label(request, label_id),
        name=changes.get("name"),
        colour=changes.get("colour"),
        actor=request.user,
    )
    return _label_out(found, labels.card_count(found))


@router.delete("/labels/{label_id}", response={200: RemovedOut, **ERRORS, **NOT_FOUND})
@endpoint("work.manage")
def delete_label(request, label_id: Id):
    """Delete a label and take it off its cards (answers how many carried it)."""
    return {
        "cards": labels.delete_label(
            _label(request, label_id), now=timezone.now(), actor=request.user
        )
    }
