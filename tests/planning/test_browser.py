"""A marketer in headless Chromium creates a campaign, builds its tracking link and records
spend on it, all through the forms; and uploads a spend CSV through its preview."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.people.actions import upsert_locations
from pacer.planning.models import Campaign, SpendEntry
from tests.browser_pages import sign_in
from tests.web.test_layout import WIDTHS, _check, _context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_campaign_link_and_spend_through_the_forms(
    live_server, browser, admin, workspace, tmp_path
):
    upsert_locations(workspace, [{"code": "AUS", "name": "Austin"}])
    url = live_server.url
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, url)

    # a campaign, refused once (ends before it starts), then created
    page.click("summary#nav-plan")  # its section of the navigation folds
    page.click("nav.nav >> text=Campaigns")
    page.click("text=New campaign")
    page.fill("#field-key", "spring-sale")
    page.fill("#field-name", "Spring sale")
    page.select_option("#field-channel", "paid_social")
    page.fill("#field-landing_url", "https://shop.example/spring?ref=nav")
    page.fill("#field-starts_on", "2026-03-01")
    page.fill("#field-ends_on", "2026-02-01")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_selector("#field-ends_on-error")
    assert page.inner_text("#field-ends_on-error") == "must not be before starts_on"
    assert Campaign.objects.count() == 0
    page.fill("#field-ends_on", "2026-03-31")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_selector("#campaign-link-url")
    campaign = Campaign.objects.get()
    assert page.url == f"{url}/campaigns/{campaign.pk}/"
    assert page.input_value("#campaign-link-url") == (
        "https://shop.example/spring?ref=nav&utm_source=facebook&utm_medium=paid_social"
        "&utm_campaign=spring-sale"
    )

    # the link builder, prefilled from the campaign, for Instagram with an ad named
    page.click("text=Build a link for another channel")
    page.wait_for_selector("#link-form")
    assert page.input_value("#field-campaign") == "spring-sale"
    assert page.input_value("#field-channel") == "paid_social"
    page.fill("#field-source", "instagram")
    page.fill("#field-content", "story ad")
    page.click("#link-form button[type=submit]")
    page.wait_for_selector("#link-url")
    assert page.input_value("#link-url") == (
        "https://shop.example/spring?ref=nav&utm_source=instagram&utm_medium=paid_social"
        "&utm_campaign=spring-sale&utm_content=story+ad"
    )
    page.select_option("#field-channel", "tv")
    page.click("#link-form button[type=submit]")
    page.wait_for_selector("#field-channel-error")
    assert "not tracked by links" in page.inner_text("#field-channel-error")
    assert not page.is_visible("#link-url")

    # spend on it from the campaign's page
    page.goto(f"{url}/campaigns/{campaign.pk}/")
    page.click("text=Record spend")
    assert page.input_value("#field-campaign") == "spring-sale"
    page.fill("#field-day", "2026-03-02")
    page.select_option("#field-location", "AUS")
    page.fill("#field-amount", "1,250.40")
    page.click("#spend-form button[type=submit]")
    page.wait_for_selector("#field-amount-error")
    assert page.inner_text("#field-amount-error") == "'1,250.40' is not a number"
    page.fill("#field-amount", "1250.40")
    page.click("#spend-form button[type=submit]")
    page.wait_for_selector("#spend-totals")
    assert page.inner_text("#kpi-spend-total .kpi-value") == "$1,250.40"
    assert "$1,250.40" in page.inner_text("#spend")
    line = SpendEntry.objects.get()
    assert (line.day.isoformat(), line.channel, line.campaign, line.location.code, line.amount) == (
        "2026-03-02",
        "paid_social",
        campaign,
        "AUS",
        Decimal("1250.40"),
    )

    # a CSV upload: preview, then record
    csv = tmp_path / "march.csv"
    csv.write_text("date,channel,campaign,amount\n2026-03-03,paid_social,spring-sale,99.60\n")
    page.click("text=Upload CSV")
    page.set_input_files("#field-file", str(csv))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#record-upload")
    assert page.inner_text("#kpi-upload-total .kpi-value") == "$99.60"
    page.click("#record-upload button")
    page.wait_for_selector("#spend-totals")
    assert page.inner_text("#kpi-spend-total .kpi-value") == "$1,350.00"
    assert SpendEntry.objects.count() == 2
    assert errors == []


def test_a_campaign_is_deleted_after_the_dialog_and_its_spend_stays(
    live_server, browser, admin, workspace
):
    from pacer.planning.actions import create_campaign, enter_spend

    campaign = create_campaign(workspace, "spring-sale", "paid_social", name="Spring sale")
    enter_spend(workspace, {"day": date(2026, 3, 2), "channel": "paid_social",
                            "campaign": "spring-sale", "amount": "40"})  # fmt: skip
    url = live_server.url
    found = []
    for width in WIDTHS:  # the page with its delete button fits every width
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/campaigns/{campaign.pk}/")
        found += _check(page, "campaign-delete", width, problems)
        context.close()
    assert found == []
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, url)
    page.goto(f"{url}/campaigns/{campaign.pk}/")
    page.click("#campaign-delete button.danger")
    assert "Delete the campaign spring-sale?" in page.inner_text("#confirm-text")
    page.click("#confirm-dialog button[value=cancel]")
    assert Campaign.objects.filter(pk=campaign.pk).exists()  # cancelled: nothing done
    page.click("#campaign-delete button.danger")
    with page.expect_navigation():
        page.click("#confirm-ok")
    assert page.url == f"{url}/campaigns/"
    assert "deleted; its spend lines stay" in page.inner_text(".toasts")
    assert not Campaign.objects.filter(pk=campaign.pk).exists()
    assert SpendEntry.objects.get().campaign_id is None
    assert errors == []
