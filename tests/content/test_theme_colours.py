"""A theme's colour: one of a small fixed palette whose text reads on its tint at 4.5:1
or more; chosen when a theme is added or edited (page and REST API; anything else is
refused at ``colour``, nothing written) and drawn on the calendar's bands and legend and
on the themes list."""

import re

import pytest
from django.test import Client

from pacer.content import actions, themes
from pacer.content.models import Theme, ThemeColour
from pacer.core.models import AuditEntry
from pacer.work.palette import contrast
from tests.api_client import ApiClient
from tests.content.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_every_colour_has_text_that_reads_on_it():
    assert set(themes.COLOURS) == set(ThemeColour.values)
    for name, (background, text) in themes.COLOURS.items():
        assert contrast(background, text) >= 4.5, name
    assert themes.band_style("teal") == "background: #ccfbf1; color: #134e4a"


def test_a_theme_added_on_the_page_keeps_its_colour_and_is_drawn_in_it(workspace, team):
    editor = _client(team["editor"])
    made = editor.post(
        "/content/themes/",
        {"name": "Spring", "starts_on": "2026-03-02", "ends_on": "2026-03-20", "colour": "teal"},
    )
    assert made.status_code == 302
    theme = Theme.objects.get(name="Spring")
    assert theme.colour == "teal"
    month = editor.get("/content/calendar/?day=2026-03-10").content.decode()
    band = (
        '<span class="cal-band theme" title="Spring" style="background: #ccfbf1; color: #134e4a">'
    )
    assert month.count(band) == 19  # every day of it in the grid, the 2nd to the 20th
    assert (
        '<span class="cal-band theme" style="background: #ccfbf1; color: #134e4a">Theme: Spring'
        in month
    )
    listed = editor.get("/content/themes/").content.decode()
    assert (
        '<span class="cal-band theme theme-colour" style="background: #ccfbf1; '
        'color: #134e4a">Teal</span>' in listed
    )
    # the forms offer the palette, the stored colour chosen
    edit = editor.get(f"/content/themes/{theme.pk}/edit/").content.decode()
    select = edit[edit.index('id="field-theme-colour"') :].split("</select>")[0]
    assert re.search(r'<option value="teal"\s+selected', select)
    assert re.findall(r'<option value="(\w+)"', select) == ThemeColour.values


def test_a_colour_outside_the_palette_is_refused_at_its_field(workspace, team):
    editor = _client(team["editor"])
    theme = actions.create_theme(
        workspace, name="Summer", starts_on="2026-06-01", ends_on="2026-06-30"
    )
    assert theme.colour == "amber"  # the default
    entries = AuditEntry.objects.count()
    refused = editor.post(
        "/content/themes/",
        {"name": "Odd", "starts_on": "2026-03-02", "ends_on": "2026-03-20", "colour": "#000000"},
    )
    assert refused.status_code == 422
    page = refused.content.decode()
    assert '<a href="#field-theme-colour">Colour: must be one of amber, green, teal' in page
    edited = editor.post(
        f"/content/themes/{theme.pk}/edit/",
        {"name": "Summer", "starts_on": "2026-06-01", "ends_on": "2026-06-30", "colour": "gold"},
    )
    assert edited.status_code == 422 and 'id="field-theme-colour-error"' in edited.content.decode()
    assert list(Theme.objects.values_list("name", "colour")) == [("Summer", "amber")]
    assert AuditEntry.objects.count() == entries
    saved = editor.post(
        f"/content/themes/{theme.pk}/edit/",
        {"name": "Summer", "starts_on": "2026-06-01", "ends_on": "2026-06-30", "colour": "pink"},
    )
    assert saved.status_code == 302
    entry = AuditEntry.objects.get(action="content.theme_update")
    assert (entry.before, entry.after) == ({"colour": "amber"}, {"colour": "pink"})


def test_the_api_reads_and_writes_the_colour(workspace, team):
    editor, staff = ApiClient(workspace, team["editor"]), ApiClient(workspace, team["legal"])
    made = editor.post(
        "content/themes",
        {"name": "Autumn", "starts_on": "2026-09-01", "ends_on": "2026-09-30", "colour": "red"},
    )
    assert made.status_code == 201 and made.json()["colour"] == "red"
    theme_id = made.json()["id"]
    plain = editor.post(
        "content/themes", {"name": "Plain", "starts_on": "2026-10-01", "ends_on": "2026-10-02"}
    )
    assert plain.json()["colour"] == "amber"
    entries = AuditEntry.objects.count()
    for bad in ("gold", None, 3):
        refused = editor.patch(f"content/themes/{theme_id}", {"colour": bad})
        assert refused.status_code == 422, bad
        assert list(refused.json()["errors"]) == ["colour"], refused.json()
    assert staff.patch(f"content/themes/{theme_id}", {"colour": "green"}).status_code == 403
    assert Theme.objects.get(pk=theme_id).colour == "red"
    assert AuditEntry.objects.count() == entries
    changed = editor.patch(f"content/themes/{theme_id}", {"colour": "green"})
    assert changed.status_code == 200 and changed.json()["colour"] == "green"
    assert staff.get(f"content/themes/{theme_id}").json()["colour"] == "green"
