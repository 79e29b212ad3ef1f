"""The recipient's side in a real Chromium at phone width, from a delivered email's own
unsubscribe link (over a real SMTP server): the unsubscribe page only asks (a GET, as a
link scanner makes, changes nothing), the preference centre keeps the topics left ticked,
and the page's button unsubscribes the address from everything."""

import pytest

from pacer.messaging import rules
from pacer.messaging.models import MessageEvent, SuppressedAddress, TopicOptOut
from tests.messaging.conftest import person
from tests.messaging.test_tracking import BASE, body_of, links, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_recipient_keeps_one_topic_then_unsubscribes_from_everything(
    browser, live_server, workspace, smtp, now
):
    ada = person(workspace, "ada@x.test", "Ada")
    news = rules.save_topic(workspace, name="News", description="What is new, monthly")
    offers = rules.save_topic(workspace, name="Offers")
    send(workspace, topic=news)
    unsubscribe = links(body_of(smtp))[4].removeprefix(BASE)
    page = browser.new_context(viewport={"width": 390, "height": 800}).new_page()

    page.goto(live_server.url + unsubscribe)
    assert page.is_visible("#confirm-unsubscribe") and _fits(page)
    assert not SuppressedAddress.objects.exists()  # asking is not unsubscribing

    page.click("#preferences-link")
    assert "ada@x.test" in page.inner_text("#preferences")
    news_box, offers_box = f"input[value='{news.pk}']", f"input[value='{offers.pk}']"
    assert page.is_checked(news_box) and page.is_checked(offers_box) and _fits(page)
    page.uncheck(news_box)
    page.click("#save-preferences")
    page.wait_for_selector("#preferences-saved")
    assert list(TopicOptOut.objects.values_list("contact_id", "topic_id")) == [(ada.pk, news.pk)]
    assert not page.is_checked(news_box) and page.is_checked(offers_box)
    assert not SuppressedAddress.objects.exists()

    page.click("text=Unsubscribe from everything")
    page.wait_for_selector("#confirm-unsubscribe")
    assert not SuppressedAddress.objects.exists()
    page.click("#confirm-unsubscribe")
    page.wait_for_selector("text=You are unsubscribed")
    assert list(SuppressedAddress.objects.values_list("email", "reason")) == [
        ("ada@x.test", "unsubscribe")
    ]
    assert list(MessageEvent.objects.values_list("kind", flat=True)) == ["unsubscribe"]
    assert _fits(page)
