"""The partner portal in Chromium at 390 and 1440 px: a partner's login sees its assets
as cards and downloads one by clicking (the download logged); the staff's partner pages
fit too. Every page fits the width and passes axe (screenshots under $PACER_SCREENSHOTS)."""

import pytest

from pacer.content.models import PartnerDownload
from tests.content.test_partner_portal import at, library  # noqa: F401  (fixtures)
from tests.web.test_layout import _check, _context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_the_partner_portal_and_partner_pages_fit_and_a_download_is_logged(
    browser,
    live_server,
    admin,
    library,  # noqa: F811  (the fixture imported above)
):
    url, found = live_server.url, []
    franchise, hero = library["franchise"], library["hero"]
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "fran", url)
        page.goto(f"{url}/portal/")
        found += _check(page, "partner-portal", width, problems)
        cards = page.locator("#portal-assets h2").all_inner_texts()
        assert cards == ["Beach hero", "Spring poster"], cards
        with page.expect_download() as download:
            page.click(f"#portal-assets a[href='/portal/{hero.pk}/original/']")
        assert download.value.suggested_filename == f"{hero.pk}-original"
        nav = page.locator("nav a").all_inner_texts()
        assert [n.strip() for n in nav if n.strip() in ("Partner portal", "Assets")] == [
            "Partner portal"
        ], nav
        context.close()
        context, page, problems = _context(browser, width, "ada", url)
        for name, path in (
            ("partners", "/assets/partners/"),
            ("partner", f"/assets/partners/{franchise.pk}/"),
        ):
            page.goto(url + path)
            found += _check(page, name, width, problems)
        context.close()
    assert found == [], "\n".join(found)
    assert list(PartnerDownload.objects.values_list("user__username", "kind")) == [
        ("fran", "original"),
        ("fran", "original"),
    ]
