"""A theme's page: edit its name and days, or delete it (its items keep their dates and
lose the theme; the confirmation says how many)."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.content import selectors, themes
from pacer.content.models import ThemeColour
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page


def _theme(request, theme_id: int):
    found = selectors.themes(request.workspace).filter(pk=theme_id).first()
    if found is None:
        raise Http404("no such theme")
    return found


@page("content.edit")
def theme_edit(request, theme_id: int):
    """The edit form (GET); saved (POST), back to the themes page; refused, this page again
    (422) with the reasons at the fields and what was typed kept."""
    theme = _theme(request, theme_id)
    form = {field: str(getattr(theme, field)) for field in themes.FIELDS}
    errors, status = {}, 200
    if request.method == "POST":
        form = {field: request.POST.get(field, "") for field in themes.FIELDS}
        form["colour"] = request.POST.get("colour", theme.colour)  # none sent: kept
        try:
            themes.update_theme(theme, form, actor=request.user)
        except ValidationFailed as error:
            errors, status = error.errors, 422
        else:
            messages.success(request, f"Theme “{form['name'].strip()}” saved.")
            return HttpResponseRedirect(reverse("content-theme"))
    context = {
        "theme": theme,
        "form": form,
        "errors": errors,
        "items": themes.items_of(theme),
        "colour_options": ThemeColour.choices,
    }
    return render(request, "content/theme_edit.html", context, status=status)


@require_POST
@page("content.edit")
def theme_delete(request, theme_id: int):
    theme = _theme(request, theme_id)
    count = themes.delete_theme(theme, actor=request.user)
    lost = (
        f" {count} item{'' if count == 1 else 's'} kept their dates, without a theme."
        if count
        else ""
    )
    messages.success(request, f"Theme “{theme.name}” deleted.{lost}")
    return HttpResponseRedirect(reverse("content-theme"))
