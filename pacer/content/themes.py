"""Themes and seasons of the calendar: their fields checked (for a new theme and an
edit), edited and deleted. A deleted theme's items keep their dates and lose the theme
(they are not deleted or moved: a theme is a band drawn behind them, not their plan).
A theme's colour is one of a small fixed palette (``COLOURS``), each a light tint with
dark text of its hue that reads on it at 4.5:1 or more (WCAG AA)."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from pacer.content.models import ContentItem, Theme, ThemeColour
from pacer.core import audit
from pacer.core.errors import ValidationFailed, check_text, read_day

FIELDS = ("name", "starts_on", "ends_on", "colour")

# colour -> (background, text) of a theme's band (tests/content/test_theme_colours.py
# checks each pair's contrast)
COLOURS = {
    "amber": ("#fef3c7", "#78350f"),
    "green": ("#dcfce7", "#14532d"),
    "teal": ("#ccfbf1", "#134e4a"),
    "purple": ("#f3e8ff", "#581c87"),
    "pink": ("#fce7f3", "#831843"),
    "red": ("#fee2e2", "#7f1d1d"),
    "grey": ("#e5e7eb", "#111827"),
}


def band_style(colour: str) -> str:
    """The ``style`` attribute of a band (or chip) in the theme's colour."""
    background, text = COLOURS.get(colour, COLOURS["amber"])
    return f"background: {background}; color: {text}"


def checked(values: dict, errors: dict) -> dict:
    """The theme's fields in ``values`` (any of ``FIELDS``) cleaned; a reason per field
    in ``errors``."""
    cleaned = {}
    if "name" in values:
        cleaned["name"] = check_text(errors, "name", values["name"], 200, required=True)
    if "colour" in values:
        if values["colour"] in ThemeColour.values:
            cleaned["colour"] = values["colour"]
        else:
            errors["colour"] = f"must be one of {', '.join(ThemeColour.values)}"
    for field in ("starts_on", "ends_on"):
        if field in values and (day := read_day(errors, field, values[field])) is not None:
            cleaned[field] = day
    return cleaned


def check_days(starts_on: date, ends_on: date, errors: dict) -> None:
    if "starts_on" not in errors and "ends_on" not in errors and ends_on < starts_on:
        errors["ends_on"] = "must not be before the start"


@transaction.atomic
def update_theme(theme: Theme, changes: dict, *, actor=None) -> Theme:
    """Change a theme's name, days and/or colour (only the fields given), all or nothing: every
    refusal at once, naming its field; the days are checked together (the end not before
    the start). An edit that changes nothing writes nothing."""
    unknown = sorted(set(changes) - set(FIELDS))
    errors: dict[str, str] = {field: "not a field of a theme" for field in unknown}
    cleaned = checked(changes, errors)
    locked = Theme.objects.select_for_update().get(pk=theme.pk)
    after = {field: cleaned.get(field, getattr(locked, field)) for field in FIELDS}
    check_days(after["starts_on"], after["ends_on"], errors)
    if errors:
        raise ValidationFailed(errors)
    changed = [field for field in FIELDS if after[field] != getattr(locked, field)]
    if not changed:
        return locked
    before = audit.snapshot(locked, changed)
    for field in changed:
        setattr(locked, field, after[field])
    locked.save(update_fields=changed)
    audit.record(
        locked.workspace,
        "content.theme_update",
        locked,
        actor=actor,
        before=before,
        after=audit.snapshot(locked, changed),
    )
    return locked


def items_of(theme: Theme) -> int:
    """How many items a theme has (they lose it if it is deleted)."""
    return ContentItem.objects.filter(workspace_id=theme.workspace_id, theme=theme).count()


@transaction.atomic
def delete_theme(theme: Theme, *, actor=None) -> int:
    """Delete a theme; its items keep their dates and lose the theme. Returns how many
    items lost it (the audit entry names them)."""
    locked = Theme.objects.select_for_update().get(pk=theme.pk)
    items = ContentItem.objects.filter(workspace_id=locked.workspace_id, theme=locked)
    item_ids = sorted(items.values_list("pk", flat=True))
    items.update(theme=None, changed_at=timezone.now())
    before = audit.snapshot(locked, list(FIELDS))
    audit.record(
        locked.workspace,
        "content.theme_delete",
        locked,
        actor=actor,
        before=before,
        after={"items_without_theme": item_ids},
    )
    locked.delete()
    return len(item_ids)
