"""The embed snippet in a real Chromium: a visitor arrives from a search engine at another
site's landing page with UTM parameters; the snippet's script puts the form there with
the page's address, referrer and UTM parameters in its hidden fields; the lead made from
the submission keeps its channel and campaign, and the form's fixed hidden value fills
what the link lacked. The form's page, with its spam limits and hidden values, at phone
and desktop widths."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pacer.core import feed
from pacer.ingest.models import Event
from pacer.leads.forms import save_form
from pacer.leads.models import Lead
from tests.leads.test_forms import NOW
from tests.web.test_layout import _check, _context

QUERY = "?utm_source=google&utm_medium=cpc&utm_campaign=spring-sale"


@pytest.fixture
def partner_site():
    """Another site on its own origin (a plain HTTP server on 127.0.0.1, on the loopback
    as Chromium keeps pages of other addresses off local ones): it answers every GET with
    ``html["page"]``."""
    html = {"page": ""}

    class Landing(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = html["page"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Landing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", html
    server.shutdown()
    server.server_close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_snippet_on_another_site_passes_its_utm_and_referrer_to_the_lead(
    live_server, browser, workspace, partner_site
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
    site, html = partner_site
    landing_url = f"{site}/spring{QUERY}"
    snippet = (
        f'<script src="{hosted}embed.js" async></script>'
        f'<noscript><iframe src="{hosted}?embed=1"></iframe></noscript>'
    )
    html["page"] = f"<!doctype html><html><body><h1>Spring sale</h1>{snippet}</body></html>"
    context = browser.new_context()
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(landing_url, referer="https://www.google.com/", wait_until="domcontentloaded")
    try:
        page.frame_locator("iframe[title='Book a free consultation']").locator(
            "input[name=email]"
        ).wait_for(timeout=60_000)
    except Exception as error:
        raise AssertionError(f"no form on the page: {problems}") from error
    form = page.frame_locator("iframe[title='Book a free consultation']")
    hidden = {
        name: form.locator(f"input[name={name}]").get_attribute("value")
        for name in ("page_url", "referrer", "utm_source", "utm_medium", "utm_campaign")
    }
    assert hidden == {
        "page_url": landing_url,
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
    assert event.context["page"] == {"url": landing_url, "referrer": "https://www.google.com/"}
    assert event.context["campaign"] == {
        "source": "google",
        "medium": "cpc",
        "name": "spring-sale",
        "content": "hero-banner",  # the form's fixed value: the link had none
    }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_form_page_with_its_limits_and_hidden_values_fits_phone_and_desktop(
    live_server, browser, workspace, admin
):
    save_form(
        workspace,
        {
            "key": "spring-offer",
            "title": "Book a free consultation",
            "fields": {"email": "required"},
        },
        now=NOW,
    )
    found = []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", live_server.url)
        page.goto(f"{live_server.url}/leads/forms/spring-offer/")
        found += _check(page, "lead-form-settings", width, problems)
        page.fill("#field-max_submissions", "0")
        page.fill("[id='field-hidden.utm_campaign']", "spring")
        page.click("#form-edit button[type=submit]")
        page.wait_for_selector("#field-max_submissions-error")
        assert "from 1 to 100,000" in page.inner_text("#field-max_submissions-error")
        found += _check(page, "lead-form-settings-refused", width, problems)
        page.goto(f"{live_server.url}/leads/forms/")  # the list, with each form's snippet
        found += _check(page, "lead-forms", width, problems)
        context.close()
    assert found == [], "\n".join(found)
