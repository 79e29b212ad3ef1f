"""A real headless Chromium logs in and sees the dashboard's charts drawn."""

import pytest

from pacer.metrics.cube import refresh_cube
from pacer.warehouse.sync import sync
from tests.browser_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
        "Jan 2026",
        "Feb 2026",
    ]
    assert page.evaluate("Chart.getChart('chart-funnel').data.datasets[0].data") == [3, 3, 2, 2, 1]
    # a filter swaps the dashboard through HTMX, the charts are drawn again, and the
    # address says what the page shows (a reload shows the same)
    page.select_option("select[name=channel]", "direct")
    page.wait_for_function(
        "() => { const c = Chart.getChart('chart-funnel');"
        " return c && c.data.datasets[0].data[2] === 0; }"
    )
    assert page.inner_text("#kpi-revenue .kpi-value") == "$0"
    assert page.url == f"{live_server.url}/?range=all&grain=month&channel=direct"
    page.reload()
    page.wait_for_selector("canvas#chart-funnel[data-drawn=true]")
    assert page.input_value("select[name=channel]") == "direct"
    assert page.inner_text("#kpi-revenue .kpi-value") == "$0"
    # a preset is a link: HTMX swaps it in and pushes its address
    page.click("text=Month to date")
    page.wait_for_function("() => document.querySelector('#filter-start').value === '2026-02-01'")
    assert page.url == f"{live_server.url}/?grain=month&channel=direct&range=mtd"
    assert page.input_value("select[name=channel]") == "direct"
    page.go_back()
    page.wait_for_function("() => document.querySelector('#filter-start').value === ''")
    assert page.input_value("select[name=channel]") == "direct"


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
    sign_in(page, live_server.url)
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
