"""The calendar's themes and seasons over the REST API: list, read, add, edit (only the
fields sent) and delete (its items keep their dates and lose the theme). The same
actions as the pages; bad input is 422 naming the field, nothing written."""

from datetime import date

from ninja import Field, Router, Schema, Status

from pacer.content import actions, selectors, themes
from pacer.content.models import ThemeColour
from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Day, Id, text
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint

router = Router(tags=["content"])
WRITE = {**ERRORS, **BODY_ERRORS, **NOT_FOUND}


class ContentThemeOut(Schema):
    id: int
    name: str
    starts_on: date
    ends_on: date
    colour: ThemeColour = Field(description="its band's colour on the calendar")
    items: int = Field(description="how many content items have this theme")


class ContentThemeIn(Schema):
    name: text(200, min_length=1)
    starts_on: Day
    ends_on: Day = Field(description="inclusive; not before starts_on")
    colour: ThemeColour = ThemeColour.AMBER


class ContentThemePatch(Schema):
    """A field left out keeps its value; ``null`` is refused."""

    name: text(200, min_length=1) | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    colour: ThemeColour | None = None


class ContentThemeDeleteOut(Schema):
    id: int
    name: str
    items_without_theme: int = Field(description="items that kept their dates, without it")


def _out(theme) -> dict:
    return {
        "id": theme.pk,
        "name": theme.name,
        "starts_on": theme.starts_on,
        "ends_on": theme.ends_on,
        "colour": theme.colour,
        "items": themes.items_of(theme),
    }


def _theme(request, theme_id: int):
    found = selectors.themes(request.workspace).filter(pk=theme_id).first()
    if found is None:
        raise NotFound("theme_id", "no such theme in this workspace")
    return found


@router.get("/themes", response={200: list[ContentThemeOut], **ERRORS})
@endpoint("content.view")
def list_themes(request):
    """Every theme, by first day."""
    return [_out(theme) for theme in selectors.themes(request.workspace)]


@router.post("/themes", response={201: ContentThemeOut, **ERRORS, **BODY_ERRORS})
@endpoint("content.edit")
def create_theme(request, payload: ContentThemeIn):
    theme = actions.create_theme(request.workspace, **payload.dict(), actor=request.user)
    return Status(201, _out(theme))


@router.get("/themes/{theme_id}", response={200: ContentThemeOut, **ERRORS, **NOT_FOUND})
@endpoint("content.view")
def get_theme(request, theme_id: Id):
    return _out(_theme(request, theme_id))


@router.patch("/themes/{theme_id}", response={200: ContentThemeOut, **WRITE})
@endpoint("content.edit")
def update_theme(request, theme_id: Id, payload: ContentThemePatch):
    """Change its name, days and/or colour, all or nothing (the end not before the start)."""
    changes = payload.dict(exclude_unset=True)
    return _out(themes.update_theme(_theme(request, theme_id), changes, actor=request.user))


@router.delete("/themes/{theme_id}", response={200: ContentThemeDeleteOut, **ERRORS, **NOT_FOUND})
@endpoint("content.edit")
def delete_theme(request, theme_id: Id):
    """Delete it; its items keep their dates and lose the theme."""
    theme = _theme(request, theme_id)
    count = themes.delete_theme(theme, actor=request.user)
    return {"id": theme_id, "name": theme.name, "items_without_theme": count}
