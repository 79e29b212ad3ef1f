"""The themes and collections pages in Chromium at 390 and 1440 px: a theme edited (its
colour on the themes list and the calendar's band) and deleted through the page's
confirmation; a collection made from the assets list, an asset added by the page's
search and taken out again, the collection renamed and deleted through the
confirmation. Every page fits the width and passes axe (screenshots under
$PACER_SCREENSHOTS)."""

import pytest
from django.test import Client

from pacer.content import actions, assets
from pacer.content.models import Collection, Theme
from pacer.content.themes import band_style
from tests.content.test_assets import png
from tests.web.test_layout import _check, _context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_edit_and_delete_a_theme(browser, live_server, admin, workspace):
    url, found = live_server.url, []
    Client().get("/login/")  # import the URL configuration once, before the 30 s timeouts
    for width in (390, 1440):
        theme = actions.create_theme(
            workspace, name=f"Summer {width}", starts_on="2026-06-01", ends_on="2026-06-30"
        )
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/content/themes/")
        found += _check(page, "themes", width, problems)
        page.click(f"#themes a[href='/content/themes/{theme.pk}/edit/']")
        page.fill("#field-theme-name", f"Beach {width}")
        page.select_option("#field-theme-colour", "green")
        page.click("#theme-edit button[type=submit]")
        page.wait_for_url(f"{url}/content/themes/")
        chip = page.locator("#themes .theme-colour", has_text="Green")
        assert chip.get_attribute("style") == band_style("green")
        found += _check(page, "themes-edited", width, problems)
        page.goto(f"{url}/content/calendar/?day=2026-06-10")
        band = page.locator(f".cal-band.theme[title='Beach {width}']").first
        background = band.evaluate("b => getComputedStyle(b).backgroundColor")
        assert background == "rgb(220, 252, 231)"  # #dcfce7, green's tint
        found += _check(page, "calendar-theme-colour", width, problems)
        page.goto(f"{url}/content/themes/{theme.pk}/edit/")
        page.click("#theme-delete button[type=submit]")
        page.click("#confirm-ok")  # the shared dialog asks first
        page.wait_for_url(f"{url}/content/themes/")
        assert not Theme.objects.filter(pk=theme.pk).exists()
        context.close()
    assert found == []


def test_make_fill_rename_and_delete_a_collection(
    browser, live_server, admin, workspace, media_dir
):
    url, found = live_server.url, []
    Client().get("/login/")
    beach = assets.upload_asset(workspace, name="Beach hero", filename="b.png", data=png(8, 6))
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/assets/")
        page.fill("#field-collection-name", f"Kit {width}")
        page.fill("#field-collection-description", "For the agency")
        page.click("#collection-new button[type=submit]")
        page.wait_for_selector("#collection-description")
        kit = Collection.objects.get(name=f"Kit {width}")
        assert page.url == f"{url}/assets/collections/{kit.pk}/"
        found += _check(page, "collection-new", width, problems)
        page.fill("#field-find", "beach")
        page.click("#collection-find button[type=submit]")
        page.click(f"#collection-candidates button[aria-label='Add Beach hero to Kit {width}']")
        page.wait_for_selector("#collection-assets li")
        assert list(kit.assets.values_list("pk", flat=True)) == [beach.pk]
        found += _check(page, "collection-added", width, problems)
        page.locator("#collection-assets button", has_text="Take out").click()
        page.wait_for_selector("p#collection-assets")  # "No assets yet"
        assert not kit.assets.exists()
        page.fill("#field-rename-name", f"Print kit {width}")
        page.click("#collection-rename button[type=submit]")
        page.wait_for_selector(f"h1:has-text('Print kit {width}')")
        found += _check(page, "collection-renamed", width, problems)
        page.click("#collection-delete-submit")
        page.click("#confirm-ok")
        page.wait_for_url(f"{url}/assets/#collections-h")  # at the collections left
        assert not Collection.objects.filter(pk=kit.pk).exists()
        found += _check(page, "assets-after-collection-delete", width, problems)
        context.close()
    assert found == []
