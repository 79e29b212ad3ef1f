"""Chart configs built the same way everywhere: the shared palette in series order, the
number format of each axis, and the workspace currency for money.

A view builds a config and the template draws it with ``{% chart config "chart-id"
"Caption" %}``; ``pacer/web/static/web/charts.js`` hands it to Chart.js and formats
ticks and tooltips by ``config["pacer"]`` (the rules of ``pacer.web.formats``, compact
on the axes: ``$1.2k``)::

    chart("bar", ["Jan", "Feb"], [Series("Revenue", [120.0, 350.0])], y="money",
          currency=request.workspace.currency)
"""

from dataclasses import dataclass

from pacer.web.formats import KINDS, currency_spec

# Series colours in the order series take them (the same in every chart); each has at
# least 3:1 contrast against white, as marks next to text need.
PALETTE = [
    "#2563eb",
    "#ea580c",
    "#16a34a",
    "#9333ea",
    "#dc2626",
    "#0891b2",
    "#a16207",
    "#db2777",
    "#4b5563",
    "#4d7c0f",
]
CHART_TYPES = ("bar", "line")
AREA_ALPHA = "99"  # the opacity of a filled area, as a hex alpha after the colour (60%)


@dataclass(frozen=True)
class Series:
    """One data series. ``type`` mixes bars and lines in one chart; ``axis="y2"``
    puts it on a second value axis (formatted by ``y2``); ``dashed`` draws a dashed
    line; ``vary_colors`` gives each bar its own palette colour (one series of a few
    categories); ``fill`` draws a line as an area: down to the series below it in a
    stacked chart (stacked areas, as a cumulative flow diagram), else down to zero."""

    label: str
    data: list
    type: str | None = None
    axis: str = "y"
    dashed: bool = False
    vary_colors: bool = False
    fill: bool = False


def chart(
    kind: str,
    labels: list,
    series: list[Series],
    *,
    y: str = "count",
    y2: str | None = None,
    currency: str = "USD",
    horizontal: bool = False,
    stacked: bool = False,
    partial: list[int] | tuple[int, ...] = (),
) -> dict:
    """A Chart.js config for ``series`` over ``labels``; ``y`` (and ``y2``, a second
    axis on the right of a vertical chart) name the value axes' formats, kinds of
    ``pacer.web.formats``. ``partial``: the indexes of labels whose period the data
    covers only in part; their bars are drawn hatched and the lines into them dashed,
    and their tooltips say so (the page says which periods in words)."""
    if any(not 0 <= index < len(labels) for index in partial):
        raise ValueError("partial: every index must point at a label")
    if kind not in CHART_TYPES:
        raise ValueError(f"kind: '{kind}' is not one of {', '.join(CHART_TYPES)}")
    for axis_format in filter(None, (y, y2)):
        if axis_format not in KINDS:
            raise ValueError(f"y: '{axis_format}' is not one of {', '.join(KINDS)}")
    datasets = []
    for index, item in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        drawn_as = item.type or kind
        dataset = {"label": item.label, "data": list(item.data)}
        if item.type:
            dataset["type"] = item.type
        if item.vary_colors:
            colours = [PALETTE[i % len(PALETTE)] for i in range(len(dataset["data"]))]
            dataset.update(backgroundColor=colours, borderColor=colours)
        elif drawn_as == "line":
            dataset.update(borderColor=colour, backgroundColor=colour, pointRadius=2, tension=0)
        else:
            dataset.update(backgroundColor=colour, borderColor=colour)
        if item.fill and drawn_as == "line":
            # translucent, so the grid shows through; "-1": down to the series before it
            below = "-1" if stacked and index and series[index - 1].fill else "origin"
            dataset.update(fill=below, backgroundColor=colour + AREA_ALPHA)
        if item.dashed:
            dataset["borderDash"] = [6, 4]
        if item.axis == "y2":
            dataset["yAxisID"] = "y2"
        datasets.append(dataset)
    value_axis, label_axis = ("x", "y") if horizontal else ("y", "x")
    scales = {
        value_axis: {"beginAtZero": True, "stacked": stacked},
        label_axis: {"stacked": stacked},
    }
    formats = {value_axis: y}
    if y2 and not horizontal:
        scales["y2"] = {
            "position": "right",
            "beginAtZero": True,
            "grid": {"drawOnChartArea": False},
        }
        formats["y2"] = y2
    options = {"scales": scales}
    if len(series) == 1:
        options["plugins"] = {"legend": {"display": False}}  # the caption names it
    if horizontal:
        options["indexAxis"] = "y"
    return {
        "type": kind,
        "data": {"labels": list(labels), "datasets": datasets},
        "options": options,
        "pacer": {
            "format": formats,
            "currency": currency_spec(currency),
            "partial": sorted(set(partial)),
        },
    }
