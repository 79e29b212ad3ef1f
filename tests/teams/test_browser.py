"""The team scoreboard (of every location and of one), its weekly review, the location
scoreboard, the experience page and the public survey page in headless Chromium at phone
and desktop widths: the numbers shown, a decision recorded through the form, no serious
axe violations, no sideways scrolling. The members page and a team's "Members and lead"
at both widths: every member's role choice and Remove button within the window.
Screenshots go to ``$PACER_SCREENSHOTS`` (default /tmp/pacer-screenshots)."""

import pytest

from pacer.core import actions as core
from pacer.core.models import Membership
from pacer.core.roles import Role
from pacer.metrics.cube import refresh_cube
from pacer.teams import actions, surveys
from pacer.teams.models import ReviewItem, Team
from pacer.warehouse.sync import sync
from tests.browser_pages import at_each_width, cut_off, looked_at
from tests.web.test_layout import _check, _context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_team_scoreboard_and_review_in_a_browser(
    browser, live_server, workspace, admin, small_business
):
    sync(after_sync=refresh_cube)
    team = Team.objects.get(workspace=workspace, key="performance")
    owner = Membership.objects.get(user=admin).pk
    actions.update_team(team, name="Performance", member_ids=[owner], lead_id=owner)
    actions.set_target(team, metric="cac", month="2026-02", target=150, owner_id=owner)
    actions.set_target(team, metric="revenue", month="2026-02", target=500, owner_id=owner)
    actions.set_target(team, metric="spend", month="2026-01", target=250)
    survey = surveys.create_survey(workspace, name="After visit", kind="nps")
    first, second = small_business["location"].contact_set.order_by("pk")[:2]
    contact_id = first.pk
    token = surveys.answer_token(survey, contact_id)
    surveys.answer(survey, second.pk, score=3)
    surveys.import_ratings(
        workspace, b"location,source,external_id,rating,date\nL1,google,g1,2.5,2026-02-03\n"
    )
    actions.add_review_item(
        team,
        week="2026-02-16",
        kind="action",
        text="Brief the agency",
        owner_id=owner,
        due_on="2026-02-20",
    )
    url, found = live_server.url, []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/teams/performance/?month=2026-02")
        cells = page.eval_on_selector_all(
            "#scoreboard tbody tr", "rows => rows.map(r => r.innerText.replace(/\\s+/g, ' '))"
        )
        assert any(
            "CAC" in c and "$150.00" in c and "$100.00" in c and "On target" in c for c in cells
        )
        assert any(
            "Revenue" in c and "$500.00" in c and "$250.00" in c and "Behind" in c for c in cells
        )
        found += _check(page, "teams-scoreboard", width, problems)
        # a franchise owner's view: the same team at one location, chosen in the form
        page.select_option("#scoreboard-location", "L1")
        page.click("#location-form button[type=submit]")
        page.wait_for_selector("#location-shown")
        assert "location=L1" in page.get_attribute("#month-next", "href")
        cells = page.eval_on_selector_all(
            "#scoreboard tbody tr", "rows => rows.map(r => r.innerText.replace(/\\s+/g, ' '))"
        )
        assert any("CAC" in c and "$100.00" in c for c in cells)  # all spend is at L1
        found += _check(page, "teams-scoreboard-location", width, problems)
        page.goto(f"{url}/teams/performance/review/?week=2026-02-16")
        if width == 390:
            page.fill("#field-text", "Move 20% of TV to search")
            page.click("#review-form button[type=submit]")
            page.wait_for_selector("#decisions li")
        assert "Move 20% of TV to search" in page.inner_text("#decisions")
        found += _check(page, "teams-review", width, problems)
        for name, path in (
            ("teams-list", "/teams/"),
            (
                "teams-locations",
                "/locations/scoreboard/?start=2026-01-01&end=2026-02-28",
            ),
            ("teams-experience", "/experience/?start=2026-01-01&end=2026-02-28"),
            ("teams-survey", f"/experience/surveys/{survey.pk}/?contact={contact_id}"),
        ):
            page.goto(url + path)
            found += _check(page, name, width, problems)
        context.close()
        context, page, problems = _context(browser, width, None, url)
        page.goto(f"{url}/s/{token}/")
        found += _check(page, "teams-answer", width, problems)
        context.close()
    assert list(ReviewItem.objects.values_list("text", flat=True)) == [
        "Brief the agency",
        "Move 20% of TV to search",
    ]
    assert found == [], "\n".join(found)


def test_the_members_pages_keep_every_remove_button_in_a_phones_window(
    browser, live_server, workspace, admin
):
    for username, first, last in (
        ("maximiliane.schwarzenberger", "Maximiliane", "Schwarzenberger-Lindqvist"),
        ("bob", "Bob", "Oduya-Hartmann"),
    ):
        person = core.create_user(
            workspace,
            username,
            "correct-horse-2",
            Role.MARKETER,
            email=f"{username}@franchise-location-lower-saxony.example.com",
        )
        person.first_name, person.last_name = first, last
        person.save()
    url = live_server.url
    for width, page in at_each_width(browser, url):
        page.goto(f"{url}/settings/members/")
        looked_at(page, f"members-{width}")
        assert page.locator("#members button.danger").count() == 3
        assert cut_off(page, "#members button, #members select, #members td") == []
        page.goto(f"{url}/teams/brand/edit/")
        looked_at(page, f"team-members-{width}")
        assert page.locator("#field-member_ids label.check").count() == 3
        assert cut_off(page, "#team-form label, #team-form button, #team-form select") == []
