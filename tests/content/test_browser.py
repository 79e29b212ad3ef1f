"""Content pages in the browser: every page fits 390 and 1440 px and passes axe
(screenshots under $PACER_SCREENSHOTS), a reviewer approves an item by clicking, and an
item is rescheduled by dragging it on the calendar."""

from datetime import UTC, datetime

import pytest

from pacer.content import actions, assets, selectors, tasks
from pacer.content.models import ContentItem
from tests.content.test_assets import png
from tests.web.test_layout import _check, _context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def content_site(live_server, workspace, admin, team, plan):
    theme = actions.create_theme(
        workspace, name="Spring sale", starts_on="2026-03-09", ends_on="2026-03-22"
    )
    item = actions.create_item(
        workspace,
        title="Spring launch post",
        kind="blog_post",
        body="Spring is here.\nEverything 20% off.",
        channel="organic_social",
        team="brand",
        theme_id=theme.pk,
        owner=team["editor"],
        reviewers=plan,
        scheduled_for=datetime(2026, 3, 12, 9, tzinfo=UTC),
    )
    actions.save_version(item, "Spring is here.\nEverything 25% off.\nSee you soon.")
    actions.transition(item, "draft")
    actions.transition(item, "in_review")
    for n in range(6):
        actions.create_item(
            workspace,
            title=f"Post {n}",
            kind=("email", "ad", "video")[n % 3],
            team="content",
            scheduled_for=datetime(2026, 3, 3 + 4 * n, 10, tzinfo=UTC),
        )
    asset = assets.upload_asset(
        workspace,
        name="Beach hero",
        filename="hero.png",
        data=png(),
        tags="summer, hero",
        rights={"licence": "Stock", "territories": "US, CA", "rights_end": "2026-06-30"},
        owner=team["editor"],
    )
    tasks.render(asset.versions.get().pk)
    assets.use_asset(item, asset, territory="US")
    actions.rotate_feed(workspace, user=admin, scope="calendar")
    kit = assets.create_collection(workspace, "Summer kit")
    assets.collect(kit, asset)
    _, token = assets.share_collection(
        kit, label="Springfield", days=30, can_download=True, renditions=["medium"]
    )
    return {"url": live_server.url, "item": item, "asset": asset, "kit": kit, "token": token}


def test_content_pages_fit_every_width_and_pass_axe(browser, content_site):
    url, item, asset = content_site["url"], content_site["item"], content_site["asset"]
    pages = [
        ("content-list", "/content/items/"),
        ("content-item", f"/content/items/{item.pk}/"),
        ("content-diff", f"/content/items/{item.pk}/changes/"),
        ("content-calendar", "/content/calendar/?day=2026-03-15"),
        ("content-calendar-week", "/content/calendar/?view=week&day=2026-03-12"),
        ("content-calendar-list", "/content/calendar/?view=list&day=2026-03-15"),
        ("content-feeds", "/content/feeds/"),
        ("assets", "/assets/"),
        ("asset", f"/assets/{asset.pk}/"),
        ("collection", f"/assets/collections/{content_site['kit'].pk}/"),
        ("share", f"/share/{content_site['token']}/"),
    ]
    found = []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", url)
        for name, path in pages:
            page.goto(url + path)
            found += _check(page, name, width, problems)
        context.close()
        context, page, problems = _context(browser, width, "lee", url)
        page.goto(f"{url}/content/items/{item.pk}/")
        found += _check(page, "content-item-reviewer", width, problems)
        context.close()
    assert found == [], "\n".join(found)


def test_reviewers_approve_a_content_item_in_the_browser(browser, content_site, team):
    url, item = content_site["url"], content_site["item"]
    for reviewer in ("lee", "bo"):
        context, page, problems = _context(browser, 1440, reviewer, url)
        page.goto(f"{url}/content/items/{item.pk}/")
        page.fill("#field-comment", f"ok from {reviewer}")
        page.click("#vote-form button[value=approved]")
        page.wait_for_selector(".toast, .flash", timeout=10_000)
        state = page.inner_text("#item-state")
        assert problems == []
        context.close()
    assert state == "Approved"
    item.refresh_from_db()
    assert item.state == "approved"
    assert selectors.approval_problem(item) is None


def test_dragging_an_item_to_another_day_reschedules_it(browser, content_site):
    url = content_site["url"]
    context, page, problems = _context(browser, 1440, "ada", url)
    page.goto(f"{url}/content/calendar/?day=2026-03-15")
    post = ContentItem.objects.get(title="Post 0")  # on 3 March
    page.drag_and_drop(f"#cal-item-{post.pk}", 'section[data-day="2026-03-19"]')
    page.wait_for_selector(f"#cal-item-{post.pk}[data-moved-to='2026-03-19']", timeout=10_000)
    post.refresh_from_db()
    assert post.scheduled_for == datetime(2026, 3, 19, 10, tzinfo=UTC)
    assert problems == []
    context.close()
