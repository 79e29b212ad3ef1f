"""/content/themes/ is a page: the themes list (each a link to the calendar at its first
day, filtered to it) with the form that adds one; it used to answer a GET with an empty
405, as the target of the calendar's theme form only."""

from datetime import date

import pytest
from django.test import Client

from pacer.content import actions
from pacer.content.models import Theme
from pacer.core.models import AuditEntry
from tests.content.conftest import PASSWORD
from tests.web.test_layout import _check, _context

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def themes(workspace):
    return [
        actions.create_theme(workspace, name=name, starts_on=starts, ends_on=ends)
        for name, starts, ends in (
            ("Spring sale", "2026-03-10", "2026-03-20"),
            ("Summer season", "2026-06-01", "2026-08-31"),
        )
    ]


def test_the_themes_page_lists_themes_newest_first_with_links_to_the_calendar(
    workspace, team, themes
):
    spring, summer = themes
    response = _client(team["editor"]).get("/content/themes/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Summer season") < page.index("Spring sale")
    assert f'href="/content/calendar/?day=2026-03-10&amp;theme={spring.pk}"' in page
    assert f'href="/content/calendar/?day=2026-06-01&amp;theme={summer.pk}"' in page
    assert 'id="theme-form"' in page  # an editor may add one here
    calendar = _client(team["editor"]).get("/content/calendar/?day=2026-03-15")
    assert 'href="/content/themes/"' in calendar.content.decode()


def test_adding_a_theme_from_the_page_goes_to_the_calendar_at_its_first_day(
    workspace, team, themes
):
    response = _client(team["editor"]).post(
        "/content/themes/",
        {"name": "Back to school", "starts_on": "2026-08-24", "ends_on": "2026-09-06"},
    )
    assert response["Location"] == "/content/calendar/?day=2026-08-24"
    added = Theme.objects.get(workspace=workspace, name="Back to school")
    assert (added.starts_on, added.ends_on) == (date(2026, 8, 24), date(2026, 9, 6))


def test_a_member_who_may_not_edit_sees_the_list_but_cannot_add(workspace, team, themes):
    client = _client(team["legal"])  # staff: content.view, not content.edit
    page = client.get("/content/themes/").content.decode()
    assert "Summer season" in page and 'id="theme-form"' not in page
    refused = client.post(
        "/content/themes/", {"name": "Sneaky", "starts_on": "2026-01-01", "ends_on": "2026-01-02"}
    )
    assert refused.status_code == 403
    assert not Theme.objects.filter(workspace=workspace, name="Sneaky").exists()


def test_no_themes_says_what_a_theme_is(workspace, team):
    page = _client(team["legal"]).get("/content/themes/").content.decode()
    assert "No themes yet." in page
    assert "a date range drawn behind the calendar" in page


def test_a_refused_theme_shows_the_form_again_with_the_reason_at_the_field(workspace, team, themes):
    """It answered with a redirect to the calendar and a toast ("ends_on: ..."), the
    typed name lost."""
    audited = AuditEntry.objects.count()
    response = _client(team["editor"]).post(
        "/content/themes/",
        {"name": "Rentrée <b>scolaire</b>", "starts_on": "2026-09-06", "ends_on": "2026-08-24"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    error = '<div class="field-error" id="field-theme-ends_on-error"><p>must not be before'
    assert error + " the start</p></div>" in page
    assert 'id="field-theme-ends_on" name="ends_on" type="date" value="2026-08-24"' in page
    assert 'value="Rentrée &lt;b&gt;scolaire&lt;/b&gt;"' in page  # kept, escaped
    assert '<a href="#field-theme-ends_on">Ends: must not be before the start</a>' in page
    assert "Summer season" in page  # the list is still there
    response = _client(team["editor"]).post(
        "/content/themes/", {"name": " ", "starts_on": "someday", "ends_on": ""}
    )
    assert response.status_code == 422
    page = response.content.decode()
    for field in ("name", "starts_on", "ends_on"):
        assert f'id="field-theme-{field}-error"' in page, field
    assert 'value="someday"' in page
    assert Theme.objects.filter(workspace=workspace).count() == 2
    assert AuditEntry.objects.count() == audited


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_refused_theme_in_the_browser_marks_the_field_and_keeps_the_input(
    browser, live_server, workspace, team
):
    """At 390 and 1440 px: a theme ending before it starts comes back with the reason
    under "Ends", the typed name kept; corrected, it is added and the calendar opens at
    its first day."""
    url, found = live_server.url, []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "eve", url)
        page.goto(f"{url}/content/themes/")
        page.fill("#field-theme-name", "Rentrée ✏️")
        page.fill("#field-theme-starts_on", "2026-09-06")
        page.fill("#field-theme-ends_on", "2026-08-24")
        page.click("#theme-form button[type=submit]")
        page.wait_for_selector("#field-theme-ends_on-error")
        assert page.inner_text("#field-theme-ends_on-error") == "must not be before the start"
        assert page.get_attribute("#field-theme-ends_on", "aria-invalid") == "true"
        assert page.input_value("#field-theme-name") == "Rentrée ✏️"
        assert page.input_value("#field-theme-starts_on") == "2026-09-06"
        found += _check(page, "content-theme-refused", width, problems)
        assert not Theme.objects.filter(workspace=workspace).exists()
        page.fill("#field-theme-ends_on", "2026-09-20")
        page.click("#theme-form button[type=submit]")
        page.wait_for_url(f"{url}/content/calendar/?day=2026-09-06")
        assert Theme.objects.get(workspace=workspace).name == "Rentrée ✏️"
        Theme.objects.filter(workspace=workspace).delete()
        context.close()
    assert found == [], "\n".join(found)
