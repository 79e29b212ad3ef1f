"""Refused forms of the content pages in Chromium at 390 and 1440 px (issue 11's rule):
the asset page's rights form and its withdrawal, the item page's comment, the feeds page
and a collection's share form come back with the reason at the field and what was typed,
the asset page's and the share form scrolled into view (their anchor); the share form's
channels narrow to the partner chosen (HTMX); a share link whose asset's rights no longer
cover its channel answers the 422 page. Every page fits the width and passes axe
(screenshots under $PACER_SCREENSHOTS)."""

import pytest
from django.test import Client

from pacer.content import actions, assets, partners
from pacer.content.models import Asset, CalendarFeed, ShareLink, VersionComment
from pacer.core.channels import CHANNELS
from tests.content.test_assets import png
from tests.web.test_layout import SHOTS, _check, _context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def site(live_server, workspace, admin, team):
    poster = assets.upload_asset(
        workspace, name="Poster", filename="p.png", data=png(), rights={"channels": ["print"]}
    )
    item = actions.create_item(workspace, title="Launch post", kind="blog_post", body="v1")
    kit = assets.create_collection(workspace, "Print kit")
    assets.collect(kit, poster)
    partners.create_partner(workspace, name="Franchise Berlin", territory="DE", channels=["print"])
    _, token = assets.share_collection(
        kit, label="Mailing", days=30, can_download=True, renditions=["original"], channels="email"
    )
    refused = Client().get(f"/share/{token}/{poster.pk}/original/")  # listed on the kit's page
    assert refused.status_code == 422
    return {"url": live_server.url, "poster": poster, "item": item, "kit": kit, "token": token}


def test_refused_content_forms_come_back_at_the_field_in_the_browser(browser, site):
    url, poster, item, kit = site["url"], site["poster"], site["item"], site["kit"]
    Client().get("/login/")  # import the URL configuration once, before the 30 s timeouts
    found = []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/assets/{poster.pk}/")
        page.fill("#field-territories", "Germany")
        page.click("#rights-form button[type=submit]")
        page.wait_for_selector("#field-territories-error")
        assert page.input_value("#field-territories") == "Germany"
        assert _in_view(page, "#rights-form .error-summary"), "the refused form is out of view"
        _view_shot(page, "asset-rights-refused-view", width)
        found += _check(page, "asset-rights-refused", width, problems)
        page.click("a[data-modal-open=withdraw-dialog]")
        page.fill("#field-withdraw-reason", "   ")
        page.click("#withdraw-form button[type=submit]")
        page.wait_for_selector("section#withdraw-dialog #field-withdraw-reason-error")
        found += _check(page, "asset-withdraw-refused", width, problems)
        page.goto(f"{url}/content/items/{item.pk}/")
        page.fill("#field-comment-body", "   ")
        page.click("#comment-form button[type=submit]")
        page.wait_for_selector("#field-comment-body-error")
        found += _check(page, "content-item-comment-refused", width, problems)
        page.goto(f"{url}/content/feeds/")
        page.select_option("#field-scope", "team")
        page.click("#new-feed button[type=submit]")
        page.wait_for_selector("#field-team-error")
        assert page.input_value("#field-scope") == "team"
        found += _check(page, "content-feeds-refused", width, problems)
        page.goto(f"{url}/assets/collections/{kit.pk}/")
        page.fill("#field-share-label", "Berlin print")
        page.check("#field-share-channels input[value=tv]")
        page.select_option("#field-share-partner", label="Franchise Berlin")
        page.wait_for_selector("#field-share-channels input[value=tv]", state="detached")
        assert _channel_boxes(page) == [("print", False)]  # Berlin's only; TV dropped
        page.check("#field-share-channels input[value=print]")
        page.fill("#field-share-days", "0")
        page.click("#share-form button[type=submit]")
        page.wait_for_selector("#field-share-days-error")
        assert page.input_value("#field-share-label") == "Berlin print"
        assert _channel_boxes(page) == [("print", True)]
        assert _in_view(page, "#share-form .error-summary"), "the refused form is out of view"
        refusals = 1 if width == 390 else 2  # and the one at the end of the 390 round
        assert page.locator("#share-refusals tbody tr").count() == refusals
        found += _check(page, "collection-share-refused", width, problems)
        page.select_option("#field-share-partner", label="—")  # no partner: any channel
        page.wait_for_selector("#field-share-channels input[value=tv]")
        assert len(_channel_boxes(page)) == len(CHANNELS)
        context.close()
        context, page, problems = _context(browser, width, None, url)
        page.goto(f"{url}/share/{site['token']}/")
        assert "Nothing here may be used now." in page.locator("#share").inner_text()
        found += _check(page, "share-channel-not-covered", width, problems)
        answer = page.goto(f"{url}/share/{site['token']}/{poster.pk}/original/")
        assert answer.status == 422
        assert page.locator("#share-refused").inner_text() == (
            "'Poster' is licensed for channels print, not 'email'"
        )
        found += _check(page, "share-download-refused", width, problems)
        context.close()
    assert found == [], "\n".join(found)
    assert Asset.objects.get(pk=poster.pk).status == "active"
    assert not VersionComment.objects.exists() and not CalendarFeed.objects.exists()
    assert ShareLink.objects.count() == 1


def _in_view(page, selector: str) -> bool:
    """Whether the top of ``selector`` is on screen and not under the sticky top bar."""
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            if (box.top < 0 || box.top + 8 > innerHeight) return false;
            const seen = document.elementFromPoint(box.left + 8, box.top + 8);
            return !!seen && !!seen.closest(selector);
        }""",
        selector,
    )


def _view_shot(page, name: str, width: int) -> None:
    """The screen as the user sees it (not the whole page), under $PACER_SCREENSHOTS."""
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"))


def _channel_boxes(page) -> list[tuple[str, bool]]:
    boxes = page.locator("#field-share-channels input[name=channels]")
    return [(box.get_attribute("value"), box.is_checked()) for box in boxes.all()]
