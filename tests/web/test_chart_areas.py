"""Stacked areas: a line series with ``fill`` is drawn as an area down to the series
before it in a stacked chart (down to zero for the first, or when not stacked), in its
palette colour made translucent; a series without it is built as before. The board's
cumulative flow diagram is drawn so. The browser test reads the pixels Chart.js paints
in Chromium from the config, through the real ``charts.js``."""

from pathlib import Path

import pytest
from django.template import Context, Template

from pacer.web.charts import AREA_ALPHA, PALETTE, Series, chart

STATIC = Path(__file__).resolve().parents[2] / "pacer" / "web" / "static"


def test_filled_lines_stack_as_areas_and_other_series_are_unchanged():
    config = chart(
        "line",
        ["a", "b"],
        [Series("Done", [1, 2], fill=True), Series("Doing", [3, 4], fill=True)],
        stacked=True,
    )
    done, doing = config["data"]["datasets"]
    assert (done["fill"], doing["fill"]) == ("origin", "-1")
    assert done["backgroundColor"] == PALETTE[0] + AREA_ALPHA == "#2563eb99"
    assert doing["backgroundColor"] == PALETTE[1] + AREA_ALPHA
    assert (done["borderColor"], doing["borderColor"]) == (PALETTE[0], PALETTE[1])
    assert config["options"]["scales"]["y"]["stacked"] is True
    # unstacked, an area goes down to zero
    alone = chart("line", ["a"], [Series("x", [1]), Series("y", [2], fill=True)])
    assert alone["data"]["datasets"][1]["fill"] == "origin"
    assert "fill" not in alone["data"]["datasets"][0]


def test_fill_changes_nothing_on_bars_or_on_series_without_it():
    lines = [Series("Scope", [5, 6], type="line"), Series("Done", [1, 2])]
    assert chart("bar", ["a", "b"], lines) == {
        "type": "bar",
        "data": {
            "labels": ["a", "b"],
            "datasets": [
                {
                    "label": "Scope",
                    "data": [5, 6],
                    "type": "line",
                    "borderColor": PALETTE[0],
                    "backgroundColor": PALETTE[0],
                    "pointRadius": 2,
                    "tension": 0,
                },
                {
                    "label": "Done",
                    "data": [1, 2],
                    "backgroundColor": PALETTE[1],
                    "borderColor": PALETTE[1],
                },
            ],
        },
        "options": {
            "scales": {"y": {"beginAtZero": True, "stacked": False}, "x": {"stacked": False}}
        },
        "pacer": {
            "format": {"y": "count"},
            "currency": {"code": "USD", "prefix": "$", "minor": True},
            "partial": [],
        },
    }
    bars = chart("bar", ["a"], [Series("Done", [1], fill=True)])
    assert "fill" not in bars["data"]["datasets"][0]
    assert bars["data"]["datasets"][0]["backgroundColor"] == PALETTE[0]


PIXEL = """([id, value]) => {
  const chart = Chart.getChart(id);
  const x = chart.scales.x.getPixelForValue(1);
  const y = chart.scales.y.getPixelForValue(value);
  const ratio = chart.currentDevicePixelRatio;
  const at = [Math.round(x * ratio), Math.round(y * ratio)];
  const [r, g, b, a] = chart.ctx.getImageData(at[0], at[1], 1, 1).data;
  return [r, g, b, a];
}"""


@pytest.mark.browser
def test_a_stacked_area_chart_is_painted_between_its_lines(browser):
    template = Template('{% load pacer_ui %}{% chart config "chart-area" "Cards by column" %}')
    config = chart(
        "line",
        ["a", "b", "c"],
        [Series("Done", [2, 2, 2], fill=True), Series("Doing", [2, 2, 2], fill=True)],
        stacked=True,
    )
    page = browser.new_page(viewport={"width": 800, "height": 600})
    html = template.render(Context({"config": config}))
    page.set_content(f'<!doctype html><body><div id="charts">{html}</div></body>')
    page.add_script_tag(path=str(STATIC / "vendor" / "chart.umd.min.js"))
    page.add_script_tag(path=str(STATIC / "web" / "charts.js"))
    page.evaluate(
        "document.getElementById('charts')"
        ".dispatchEvent(new CustomEvent('htmx:load', {bubbles: true}))"
    )
    page.wait_for_selector("canvas#chart-area[data-drawn=true]", timeout=10_000)
    # Done fills 0 to 2, Doing stacked on it 2 to 4: blue below, orange above
    r, g, b, a = page.evaluate(PIXEL, ["chart-area", 1])
    assert a > 100 and b > r, (r, g, b, a)
    r, g, b, a = page.evaluate(PIXEL, ["chart-area", 3])
    assert a > 100 and r > b, (r, g, b, a)
    r, g, b, a = page.evaluate(PIXEL, ["chart-area", 4.6])  # above the stack: nothing
    assert a == 0, (r, g, b, a)
    page.close()
