"""Segment's own browser SDK (analytics-next, vendored from npm) on a page of another
origin sends page, identify and track calls that Pacer stores and resolves.

The page is served from a second local server (another host and port, so another
origin: the browser sends a CORS preflight, since analytics-next adds an Authorization
header). analytics-next gets its settings inline (no Segment CDN) and its Segment.io
destination points at Pacer's live server.
"""

import functools
import shutil
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest

from pacer.ingest.actions import set_allowed_origins
from pacer.ingest.models import Event
from pacer.ingest.processing import process_pending
from pacer.people.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BUNDLE = Path(__file__).parent / "vendor" / "analytics-next" / "analytics-next.umd.js"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Shop</title>
<script src="/analytics-next.umd.js"></script></head>
<body><h1>Shop</h1><script>
const writeKey = WRITE_KEY;
window.sent = (async () => {
  const [analytics] = await AnalyticsNext.AnalyticsBrowser.load(
    {
      writeKey,
      cdnURL: location.origin,  // no Segment CDN: any bundle it wanted would come from here
      cdnSettings: {
        integrations: {"Segment.io": {apiKey: writeKey}},
        metrics: {sampleRate: 0},
      },
    },
    {integrations: {"Segment.io": {apiHost: PACER_HOST + "/v1", protocol: "http"}}},
  );
  await analytics.page("Pricing", {plan: "pro"});
  await analytics.identify("user-77", {email: "Grace@Example.com", firstName: "Grace"});
  await analytics.track("Signed Up", {plan: "pro", seats: 3});
  return analytics.user().anonymousId();
})();
</script></body></html>
"""


@pytest.fixture
def shop_origin(tmp_path):
    """A second local web server (127.0.0.1, another port) serving the shop's page."""
    shutil.copy(BUNDLE, tmp_path / "analytics-next.umd.js")
    quiet = type("Quiet", (SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(quiet, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    server.shutdown()
    server.server_close()


def test_analytics_next_on_another_origin_sends_events_that_pacer_stores(
    live_server,
    browser,
    workspace,
    write_key,
    shop_origin,
):
    origin, folder = shop_origin
    assert "127.0.0.1" in origin and "localhost" in live_server.url  # two origins
    # the workspace only accepts its shop's origin: the browser's Origin header must match
    set_allowed_origins(workspace, [origin])
    html = PAGE.replace("WRITE_KEY", orjson.dumps(write_key).decode())
    (folder / "index.html").write_text(html.replace("PACER_HOST", f'"{live_server.url[7:]}"'))

    page = browser.new_page()
    failures = []
    page.on("requestfailed", lambda request: failures.append(request.url))
    page.goto(f"{origin}/index.html")
    anonymous_id = page.evaluate("window.sent")
    deadline = time.monotonic() + 20
    while Event.objects.count() < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not failures, failures

    page_event, identify, track = Event.objects.order_by("timestamp", "id")
    assert [e.type for e in (page_event, identify, track)] == ["page", "identify", "track"]
    assert {e.anonymous_id for e in (page_event, identify, track)} == {anonymous_id}
    assert all(e.message_id.startswith("ajs-next-") for e in (page_event, identify, track))
    assert page_event.name == "Pricing" and page_event.properties["plan"] == "pro"
    assert page_event.properties["url"] == f"{origin}/index.html"
    assert page_event.context["library"]["name"] == "analytics.js"
    assert identify.user_id == "user-77"
    assert identify.properties["traits"] == {"email": "Grace@Example.com", "firstName": "Grace"}
    assert track.event == "Signed Up" and track.user_id == "user-77"
    assert track.properties == {"plan": "pro", "seats": 3}

    process_pending()
    grace = Contact.objects.get()
    assert (grace.email, grace.first_name) == ("grace@example.com", "Grace")
    assert set(Event.objects.values_list("contact_id", flat=True)) == {grace.pk}
