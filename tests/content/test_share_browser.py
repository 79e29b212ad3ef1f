"""Sharing one asset, revoking a link and removing a partner in Chromium at 390 and 1440
px: the asset page with its share form and links, a link revoked through the page's
confirmation, and the partner page's removal panel refused and then done. Every page fits
the width and passes axe (screenshots under $PACER_SCREENSHOTS)."""

import pytest
from django.test import Client

from pacer.content import assets
from pacer.content.models import Partner, ShareLink
from tests.content.test_partner_portal import library  # noqa: F401  (a fixture)
from tests.web.test_layout import _check, _context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def at():
    """The real clock (as the other partner browser tests)."""
    return lambda moment: None


def test_share_an_asset_revoke_its_link_and_remove_a_partner(
    browser,
    live_server,
    admin,
    library,  # noqa: F811  (the fixture imported above)
):
    url, found = live_server.url, []
    Client().get("/login/")  # import the URL configuration once, before the 30 s timeouts
    franchise, hero = library["franchise"], library["hero"]
    assets.share_asset(hero, label="Agency", days=3, can_download=False, renditions=[])
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/assets/{hero.pk}/")
        page.fill("#field-share-label", f"Berlin {width}")
        page.select_option("#field-share-partner", str(franchise.pk))
        page.check("#share-form input[name=can_download]")
        page.check("#share-form input[value=medium]")
        page.click("#share-submit")
        page.wait_for_selector("#new-share-url")
        found += _check(page, "asset-shared", width, problems)
        made = ShareLink.objects.get(label=f"Berlin {width}")
        page.click(f"#share-link-{made.pk} button")
        page.click("#confirm-ok")  # the shared dialog asks first
        page.wait_for_selector(f"#share-link-{made.pk} .share-state-revoked")
        found += _check(page, "asset-link-revoked", width, problems)
        page.goto(f"{url}/assets/partners/{franchise.pk}/")
        page.fill("#field-remove-confirm", "not its name")
        page.click("#remove-submit")
        page.wait_for_selector("#field-remove-confirm-error")
        found += _check(page, "partner-remove-refused", width, problems)
        context.close()
    context, page, problems = _context(browser, 1440, "ada", url)
    page.goto(f"{url}/assets/partners/{franchise.pk}/")
    page.fill("#field-remove-confirm", "Franchise Berlin")
    page.click("#remove-submit")
    page.wait_for_selector("#removed-partners")
    found += _check(page, "partners-after-removal", 1440, problems)
    context.close()
    assert found == []
    assert Partner.objects.get(pk=franchise.pk).removed_at is not None
    assert ShareLink.objects.filter(partner=franchise, revoked_at__isnull=True).count() == 0
