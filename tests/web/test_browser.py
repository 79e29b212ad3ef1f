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
    page.wait_for_function("() => Chart.getChart('chart-funnel').data.datasets[0].data[2] === 0")
    assert page.inner_text(".cards .card:nth-child(5) b") == "0"


def test_experiment_results_chart_and_workspace_switcher(live_server, browser, admin, tracker):
    from pacer.core import actions as core_actions
    from pacer.experiments import actions
    from tests.experiments.test_experiments import START, signed_up, viewed

    experiment = actions.create_experiment(
        admin.memberships.get().workspace,
        key="checkout",
        name="New checkout",
        variants=[{"key": "control", "weight": 1}, {"key": "treatment", "weight": 1}],
        metric="conversion",
        goal_event="Signed Up",
    )
    actions.set_status(experiment, "running", now=START)
    tracker.batch(
        [viewed(f"c{i}", "control", 1) for i in range(10)]
        + [viewed(f"t{i}", "treatment", 1) for i in range(10)]
        + [signed_up(f"c{i}", 2) for i in range(2)]
        + [signed_up(f"t{i}", 2) for i in range(5)]
    )
    second = core_actions.create_workspace("Second Brand", slug="second")
    core_actions.set_role(second, admin, "admin")
    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "correct-horse-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/experiments/checkout/")
    page.wait_for_selector("canvas#chart-experiment[data-drawn=true]", timeout=10_000)
    assert page.evaluate("Chart.getChart('chart-experiment').data.datasets[0].data") == [0.2, 0.5]
    # choosing the other workspace in the switcher opens its dashboard
    with page.expect_navigation():
        page.select_option("#workspace-switcher select", str(second.pk))
    assert page.url == f"{live_server.url}/"
    assert page.evaluate("document.querySelector('#workspace-switcher select').value") == str(
        second.pk
    )
    page.goto(f"{live_server.url}/experiments/")
    assert "No experiments yet." in page.inner_text("#experiments")
