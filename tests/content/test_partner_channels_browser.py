"""The partner portal of a partner on several channels, in Chromium at 390 and 1440 px
(ADR 0011): the login chooses the channel of a download by its link, the download is
logged with that channel (the partner's page shows it), and a channel the partner may not
use, or one the asset's rights do not cover, answers the 422 page with the reason and
logs nothing. Screenshots under $PACER_SCREENSHOTS."""

import pytest
from django.test import Client

from pacer.content import partners
from pacer.content.models import PartnerDownload
from tests.content.test_partner_portal import library  # noqa: F401  (a fixture)
from tests.web.test_layout import _check, _context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def at():
    """The real clock (as tests/content/test_partner_browser.py): the poster's rights
    ended in March 2026, so the portal shows the hero and the social cut."""
    return lambda moment: None


def _logged() -> list[tuple[str, str]]:
    rows = PartnerDownload.objects.order_by("pk").values_list("asset__name", "channel")
    return list(rows)


def test_a_partner_on_several_channels_chooses_one_per_download_in_the_browser(
    browser,
    live_server,
    admin,
    library,  # noqa: F811  (the fixture imported above)
):
    url, found = live_server.url, []
    Client().get("/login/")  # import the URL configuration once, before the 30 s timeouts
    franchise = partners.update_partner(
        library["franchise"], {"channels": ["paid_social", "print"]}
    )
    hero, social = library["hero"], library["social"]
    expected = []
    for width, channel, label in ((390, "paid_social", "Paid social"), (1440, "print", "Print")):
        context, page, problems = _context(browser, width, "fran", url)
        page.goto(f"{url}/portal/")
        found += _check(page, "partner-portal-channels", width, problems)
        cards = page.locator("#portal-assets h2").all_inner_texts()
        assert cards == ["Beach hero", "Social cut"], cards
        uses = page.locator("#portal-assets .portal-use").all_inner_texts()
        assert uses == ["Use on: Paid social, Print", "Use on: Paid social"], uses
        with page.expect_download() as download:
            page.click(f"#portal-assets a[href='/portal/{hero.pk}/original/?channel={channel}']")
        assert download.value.suggested_filename == f"{hero.pk}-original"
        expected.append(("Beach hero", channel))
        assert _logged() == expected
        for wanted, reason in (
            ("tv", "Franchise Berlin may use assets on Paid social, Print; not TV"),
            ("print", "'Social cut' is licensed for channels paid_social, not 'print'"),
        ):
            answer = page.goto(f"{url}/portal/{social.pk}/original/?channel={wanted}")
            assert answer.status == 422
            assert page.locator("#portal-refused").inner_text() == reason
            found += _check(page, f"partner-portal-refused-{wanted}", width, problems)
        assert _logged() == expected  # the refusals logged nothing
        context.close()
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/assets/partners/{franchise.pk}/")
        found += _check(page, "partner-downloads-channels", width, problems)
        log = page.locator("#partner-downloads tbody").inner_text()
        assert label in log and "Beach hero" in log, log
        context.close()
    assert found == [], "\n".join(found)
    assert _logged() == [("Beach hero", "paid_social"), ("Beach hero", "print")]
