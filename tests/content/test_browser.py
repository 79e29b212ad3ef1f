"""Content pages in the browser: every page fits 390 and 1440 px and passes axe
(screenshots under $PACER_SCREENSHOTS), a reviewer approves an item by clicking, and an
item is rescheduled by dragging it on the calendar."""

from datetime import UTC, datetime

import pytest

from pacer.content import actions, assets, releases, selectors, tasks, withdrawal
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
    releases.add_release(asset, person="Mia Rossi", territories="US, CA", ends_on="2026-06-30")
    actions.set_due(item, "2026-03-10")
    for n in range(6):  # a busy day: the month view shows 4 and "+2 more"
        actions.create_item(
            workspace,
            title=f"Busy {n}",
            kind="social_post",
            scheduled_for=datetime(2026, 3, 20, 8 + n, tzinfo=UTC),
        )
    banner = assets.upload_asset(workspace, name="Winter banner", filename="w.png", data=png())
    winter = actions.create_item(
        workspace, title="Winter ad", kind="ad", owner=team["editor"], scheduled_for="2026-03-05"
    )
    assets.use_asset(winter, banner)
    withdrawal.withdraw_asset(banner, reason="the photographer revoked the licence")
    return {
        "url": live_server.url,
        "item": item,
        "asset": asset,
        "kit": kit,
        "token": token,
        "banner": banner,
        "winter": winter,
    }


def test_content_pages_fit_every_width_and_pass_axe(browser, content_site):
    url, item, asset = content_site["url"], content_site["item"], content_site["asset"]
    pages = [
        ("content-list", "/content/items/"),
        ("content-item", f"/content/items/{item.pk}/"),
        ("content-edit", f"/content/items/{item.pk}/edit/"),
        ("content-diff", f"/content/items/{item.pk}/changes/"),
        ("content-calendar", "/content/calendar/?day=2026-03-15"),
        ("content-calendar-week", "/content/calendar/?view=week&day=2026-03-12"),
        ("content-calendar-list", "/content/calendar/?view=list&day=2026-03-15"),
        ("content-calendar-day", "/content/calendar/?view=day&day=2026-03-20"),
        ("content-flags", "/content/flags/"),
        ("content-item-flagged", f"/content/items/{content_site['winter'].pk}/?back=flags"),
        ("asset-withdrawn", f"/assets/{content_site['banner'].pk}/"),
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
        page.goto(f"{url}/assets/{asset.pk}/")  # the withdrawal's confirmation, open
        page.click("a[data-modal-open=withdraw-dialog]")
        page.wait_for_selector("#withdraw-dialog[open]")
        found += _check(page, "asset-withdraw-dialog", width, problems)
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


def test_an_asset_is_withdrawn_through_its_confirmation_dialog(browser, content_site):
    url, asset, item = content_site["url"], content_site["asset"], content_site["item"]
    context, page, problems = _context(browser, 1440, "ada", url)
    page.goto(f"{url}/assets/{asset.pk}/")
    page.click("a[data-modal-open=withdraw-dialog]")
    dialog = page.locator("#withdraw-dialog")
    assert "Spring launch post · In review, flagged" in dialog.inner_text()
    page.fill("#field-withdraw-reason", "model release withdrawn")
    dialog.locator("button[type=submit]").click()
    page.wait_for_selector("#withdrawn", timeout=10_000)
    assert "model release withdrawn" in page.inner_text("#withdrawn")
    asset.refresh_from_db()
    assert (asset.status, asset.withdrawn_reason) == ("withdrawn", "model release withdrawn")
    assert [f.kind for f in selectors.open_flags(item)] == ["in_progress"]
    assert problems == []
    context.close()
