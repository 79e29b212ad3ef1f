"""A real headless Chromium logs in and sees the dashboard's charts drawn."""

import os

import pytest

from pacer.metrics.cube import refresh_cube
from pacer.warehouse.sync import sync

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "install Debian's chromium (the .ci/run script does)"
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs beside the ORM
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


def test_login_and_see_charts(live_server, browser, admin, small_business):
    sync(after_sync=refresh_cube)
    page = browser.new_page()
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.is_visible("text=did not match")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "correct-horse-1")
    page.click("button[type=submit]")
    page.wait_for_selector("canvas#chart-trend[data-drawn=true]", timeout=10_000)
    for chart in ("chart-trend", "chart-channels", "chart-funnel"):
        drawn = page.evaluate(
            "(id) => { const c = Chart.getChart(id); return c ? c.data.datasets[0].data : null; }",
            chart,
        )
        assert drawn, f"{chart} has no data"
    assert page.evaluate("Chart.getChart('chart-trend').data.labels") == [
        "2026-01-01",
        "2026-02-01",
    ]
    assert page.evaluate("Chart.getChart('chart-funnel').data.datasets[0].data") == [3, 3, 2, 2, 1]
    # a filter swaps the panel through HTMX and the charts are drawn again
    page.select_option("select[name=channel]", "direct")
    page.wait_for_function("Chart.getChart('chart-funnel').data.datasets[0].data[2] === 0")
    assert page.inner_text(".cards .card:nth-child(5) b") == "0"
