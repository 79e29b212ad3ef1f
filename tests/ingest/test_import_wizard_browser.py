"""The import wizard in headless Chromium: upload, map a column, preview, run with a real
worker (db_worker's ``Worker`` in a thread), watch the progress reach done and read the
report. Screenshots of each step at 390 and 1440 px go to ``$PACER_SCREENSHOTS``."""

import threading

import pytest
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker

from pacer.people.actions import upsert_locations
from pacer.people.models import Contact
from tests.browser_pages import SHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Email,First Name,Store,Tier\nann@x.com,Ann,AUS,gold\nbob@x.com,Bob,,silver\ncy@x.com,Cy,AUS,\n"
)


def run_worker() -> None:
    """What ``pacer worker`` runs for tasks, until the queue is empty."""
    Worker(
        queue_names=["*"],
        interval=0.1,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test",
        excluded_queue_names=[],
    ).run()
    connection.close()


def shot(page, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"import-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", [1440, 390])
def test_upload_map_preview_run_and_see_the_report(live_server, browser, workspace, admin, width):
    upsert_locations(workspace, [{"code": "AUS", "name": "Austin"}])
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url)

    page.goto(f"{live_server.url}/imports/")
    shot(page, "1-upload", width)
    page.select_option("#field-kind", "contacts")
    page.set_input_files(
        "#field-file",
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": CSV.encode()}],
    )
    page.click("#upload button[type=submit]")
    page.wait_for_url("**/mapping/")
    assert page.input_value("#field-column-0") == "email"  # guessed from the header
    assert page.input_value("#field-column-3") == ""  # Tier: no such field, ignored
    shot(page, "2-mapping", width)
    page.select_option("#field-column-3", "trait:tier")
    page.click("#mapping button[type=submit]")

    page.wait_for_url("**/preview/")
    assert "The first 3 rows pass every check" in page.inner_text("#preview-ok")
    assert "gold" in page.inner_text("#preview")  # the mapped trait column is shown
    shot(page, "3-preview", width)
    page.click("#start button[type=submit]")

    page.wait_for_selector("#import-progress[data-status=queued]")
    assert "0 of 3 rows" in page.inner_text("#import-counts")
    assert page.get_attribute("#import-bar", "max") == "3"
    shot(page, "4-queued", width)
    worker = threading.Thread(target=run_worker)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()
    # the page polls and swaps the report in by itself
    page.wait_for_selector("#import-done", timeout=10_000)
    assert "Imported 3 rows" in page.inner_text("#import-done")
    assert page.inner_text("#kpi-created .kpi-value") == "3"
    assert page.inner_text("#kpi-rejected .kpi-value") == "0"
    shot(page, "5-report", width)
    assert Contact.objects.get(email="ann@x.com").traits == {"tier": "gold"}
    assert errors == []
    context.close()
