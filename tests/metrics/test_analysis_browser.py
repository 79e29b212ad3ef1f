"""In headless Chromium: the attribution chart stays legible at 40 campaigns (every label
drawn, no two label boxes overlapping) and partial periods are drawn differently."""

import pytest

from pacer.metrics.cube import refresh_cube
from pacer.warehouse.sync import sync
from tests.browser_pages import signed_in
from tests.metrics.year_business import build_year_business

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMPAIGNS = 40

# The label boxes of an axis as drawn: each label's text measured in its own font at its
# place (Chart.js's own label items), so overlapping boxes mean overlapping text.
LABEL_BOXES = """(args) => {
    const [id, axis] = args;
    const chart = Chart.getChart(id);
    const scale = chart.scales[axis];
    const pen = document.createElement("canvas").getContext("2d");
    return scale.getLabelItems(chart.chartArea).map((item) => {
        pen.font = item.font.string;
        const lines = [].concat(item.label);
        const width = Math.max(...lines.map((line) => pen.measureText(line).width));
        const height = item.font.lineHeight * lines.length;
        let [x, y] = item.options.translation;
        const align = item.options.textAlign;
        const left = align === "right" ? x - width : align === "center" ? x - width / 2 : x;
        const base = item.options.textBaseline;
        const top = base === "middle" ? y - height / 2 : base === "bottom" ? y - height : y;
        return {label: String(item.label), left, top, right: left + width, bottom: top + height};
    });
}"""


def _overlaps(boxes: list[dict]) -> list[tuple[str, str]]:
    return [
        (a["label"], b["label"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    ]


def _campaign_business(tracker) -> None:
    """40 campaigns, each bringing one customer (campaign i's customer spends 10 × i)."""
    messages = []
    for i in range(1, CAMPAIGNS + 1):
        url = f"https://s.test/?utm_source=google&utm_medium=cpc&utm_campaign=spring-sale-{i:02d}"
        messages += [
            {
                "type": "page",
                "messageId": f"v{i}",
                "anonymousId": f"anon-{i}",
                "timestamp": "2025-03-01T09:00:00Z",
                "context": {"page": {"url": url}},
            },
            {
                "type": "track",
                "messageId": f"o{i}",
                "anonymousId": f"anon-{i}",
                "event": "Order Completed",
                "timestamp": "2025-03-02T09:00:00Z",
                "properties": {"order_id": f"o{i}", "total": 10 * i},
            },
        ]
    assert tracker.batch(messages).json()["accepted"] == len(messages)


@pytest.mark.parametrize("width", [390, 1440])
def test_attribution_chart_is_legible_at_40_campaigns(live_server, browser, admin, tracker, width):
    _campaign_business(tracker)
    sync(after_sync=refresh_cube)
    _, page = signed_in(browser, live_server.url, width)
    page.goto(f"{live_server.url}/analytics/attribution/?by=campaign")
    page.wait_for_selector("canvas#chart-attribution[data-drawn=true]")
    labels = page.evaluate("Chart.getChart('chart-attribution').data.labels")
    # the 12 largest (campaign 40's customer spent most), then the other 28 as one bar
    assert labels[:3] == ["spring-sale-40", "spring-sale-39", "spring-sale-38"]
    assert labels[-1] == "Others (28)" and len(labels) == 13
    boxes = page.evaluate(LABEL_BOXES, ["chart-attribution", "y"])
    assert [b["label"] for b in boxes] == labels  # every label drawn, none skipped
    assert _overlaps(boxes) == []
    values = page.evaluate(LABEL_BOXES, ["chart-attribution", "x"])
    assert len(values) >= 2 and _overlaps(values) == []
    # the table still lists every campaign
    assert page.locator("#attribution tbody tr").count() == CAMPAIGNS


def test_partial_periods_are_hatched_and_dashed(live_server, browser, admin, workspace, tracker):
    build_year_business(workspace, tracker)
    sync(after_sync=refresh_cube)
    _, page = signed_in(browser, live_server.url, 1440)
    page.wait_for_selector("canvas#chart-trend[data-drawn=true]")
    marks = page.evaluate(
        """() => {
            const chart = Chart.getChart('chart-trend');
            const bars = chart.data.datasets.find((d) => (d.type || chart.config.type) === 'bar');
            const line = chart.data.datasets.find((d) => d.type === 'line');
            const last = bars.data.length - 1;
            const meta = chart.getDatasetMeta(chart.data.datasets.indexOf(line));
            const dash = (i) => line.segment.borderDash({p1DataIndex: i}) || [];
            return {
                hatched: bars.backgroundColor.map((c) => c instanceof CanvasPattern),
                dashedInto: [dash(1), dash(last)],
                count: meta.data.length,
            };
        }"""
    )
    hatched = marks["hatched"]
    # December 2024 (data from the 20th) and January 2026 (to the 5th) are partial
    assert hatched[0] and hatched[-1] and not any(hatched[1:-1])
    assert marks["dashedInto"] == [[], [6, 4]]
    assert "Partial months (hatched bars, dashed lines): Dec 2024, Jan 2026" in page.inner_text(
        "#partial-note"
    )


def test_the_cohort_triangle_of_a_year_fits_a_desktop_window(
    live_server, browser, admin, workspace, tracker
):
    # each month's column took a header's 5.5rem, so at 1440 px the triangle scrolled
    # sideways from its tenth month on; its months now take what their shares need
    build_year_business(workspace, tracker)
    sync(after_sync=refresh_cube)
    _, page = signed_in(browser, live_server.url, 1440)
    page.goto(f"{live_server.url}/analytics/cohorts/")
    months = page.locator("#cohort-triangle thead th").count() - 2
    assert months == 14  # December 2024 to January 2026: M0 to M13
    wrap = "document.querySelector('#cohort-triangle').closest('.table-wrap')"
    assert page.evaluate(f"{wrap}.scrollWidth <= {wrap}.clientWidth")
