"""The embed snippet in a real Chromium: a visitor arrives from a search engine at another
site's landing page with UTM parameters; the snippet's script puts the form there with
the page's address, referrer and UTM parameters in its hidden fields; the lead made from
the submission keeps its channel and campaign, and the form's fixed hidden value fills
what the link lacked."""

import pytest

from pacer.core import feed
from pacer.ingest.models import Event
from pacer.leads.forms import save_form
from pacer.leads.models import Lead
from tests.leads.test_forms import NOW

LANDING = "http://partner.test/spring?utm_source=google&utm_medium=cpc&utm_campaign=spring-sale"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_snippet_on_another_site_passes_its_utm_and_referrer_to_the_lead(
    live_server, browser, workspace
):
    save_form(
        workspace,
        {
            "key": "spring-offer",
            "title": "Book a free consultation",
            "fields": {"email": "required", "first_name": "optional"},
            "hidden": {"utm_content": "hero-banner", "utm_campaign": "fallback"},
        },
        now=NOW,
    )
    hosted = f"{live_server.url}/f/acme/spring-offer/"
    snippet = (
        f'<script src="{hosted}embed.js" async></script>'
        f'<noscript><iframe src="{hosted}?embed=1"></iframe></noscript>'
    )
    landing = f"<!doctype html><html><body><h1>Spring sale</h1>{snippet}</body></html>"
    context = browser.new_context()
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.route(
        "http://partner.test/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=landing),
    )
    page.goto(LANDING, referer="https://www.google.com/")
    form = page.frame_locator("iframe[title='Book a free consultation']")
    hidden = {
        name: form.locator(f"input[name={name}]").get_attribute("value")
        for name in ("page_url", "referrer", "utm_source", "utm_medium", "utm_campaign")
    }
    assert hidden == {
        "page_url": LANDING,
        "referrer": "https://www.google.com/",
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "spring-sale",
    }
    form.locator("input[name=email]").fill("mia@example.com")
    form.locator("button[type=submit]").click()
    form.locator("#thanks").wait_for()
    context.close()
    assert problems == []
    while feed.deliver_all():
        pass
    (lead,) = Lead.objects.all()
    assert (lead.source, lead.form, lead.channel, lead.campaign) == (
        "form",
        "spring-offer",
        "paid_search",
        "spring-sale",
    )
    event = Event.objects.get(event="Lead Created")
    assert event.context["page"] == {"url": LANDING, "referrer": "https://www.google.com/"}
    assert event.context["campaign"] == {
        "source": "google",
        "medium": "cpc",
        "name": "spring-sale",
        "content": "hero-banner",  # the form's fixed value: the link had none
    }
