"""Charts label their axes and tooltips without a negative zero: a value that rounds to
zero in its format shows as zero ("$0.00", "0.0%", never "-$0.00" or "-0.0%"), as the
server's formats do (``tests/web/test_components.py``), and one that does not keeps its
sign. Drawn by the real ``charts.js`` and Chart.js in Chromium from the configs
``pacer.web.charts.chart`` builds, shown by the ``{% chart %}`` tag."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template

from pacer.web.charts import Series, chart

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "pacer" / "web" / "static"
# a value of each kind that rounds to zero in its format, then one that does not
VALUES = {
    "money": [-0.004, -0.4, -1.5],
    "percent": [-0.0004, -0.0005, 0.0004],
    "ratio": [-0.004, -0.006, 0.0],
    "decimal": [-0.004, -0.0, -0.25],
    "count": [-0.3, -0.0, -2.0],
}
TOOLTIPS = {
    "money": ["Net: $0.00", "Net: -$0.40", "Net: -$1.50"],
    "percent": ["Net: 0.0%", "Net: -0.1%", "Net: 0.0%"],
    "ratio": ["Net: 0.00×", "Net: -0.01×", "Net: 0.00×"],
    "decimal": ["Net: 0.00", "Net: 0.00", "Net: -0.25"],
    "count": ["Net: 0", "Net: 0", "Net: -2"],
}
NEGATIVE_ZERO = re.compile(r"^-[^1-9]*$")  # a minus and no digit but 0
LABELS = """(id) => {
  const chart = Chart.getChart(id);
  const label = chart.options.plugins.tooltip.callbacks.label;
  const dataset = chart.data.datasets[0];
  return {
    ticks: chart.scales.y.ticks.map((tick) => tick.label),
    values: chart.scales.y.ticks.map((tick) => tick.value),
    tooltips: dataset.data.map((value) => label({dataset: dataset, parsed: {y: value}})),
  };
}"""


def _figures() -> str:
    """One chart per format, and one whose axis spans only values that round to zero."""
    template = Template(
        "{% load pacer_ui %}{% for id, config in charts %}"
        '{% chart config id "Net by week" %}{% endfor %}'
    )
    charts = [
        (f"chart-{kind}", chart("bar", ["a", "b", "c"], [Series("Net", values)], y=kind))
        for kind, values in VALUES.items()
    ]
    tiny = chart("bar", ["a", "b"], [Series("Net", [-0.004, -0.001])], y="money")
    return template.render(Context({"charts": [*charts, ("chart-tiny", tiny)]}))


def test_no_chart_label_shows_a_negative_zero(browser):
    page = browser.new_page(viewport={"width": 800, "height": 600})
    page.set_content(f'<!doctype html><body><div id="charts">{_figures()}</div></body>')
    page.add_script_tag(path=str(STATIC / "vendor" / "chart.umd.min.js"))
    page.add_script_tag(path=str(STATIC / "web" / "charts.js"))
    # charts.js draws what HTMX brings in, as after a swap
    page.evaluate(
        "document.getElementById('charts')"
        ".dispatchEvent(new CustomEvent('htmx:load', {bubbles: true}))"
    )
    page.wait_for_selector("canvas#chart-tiny[data-drawn=true]", timeout=10_000)
    for kind, expected in TOOLTIPS.items():
        shown = page.evaluate(LABELS, f"chart-{kind}")
        assert shown["tooltips"] == expected, kind
        assert [t for t in shown["ticks"] if NEGATIVE_ZERO.match(t)] == [], kind
    # an axis of tiny negative amounts: every tick is zero in cents, none "-$0.00"
    tiny = page.evaluate(LABELS, "chart-tiny")
    assert len(tiny["ticks"]) > 2 and min(tiny["values"]) < 0
    assert set(tiny["ticks"]) <= {"$0.00", "$0"}, tiny["ticks"]  # (0 itself: "$0")
    assert tiny["tooltips"] == ["Net: $0.00", "Net: $0.00"]
    page.close()
