// Draws every <canvas data-config="ID"> from the Chart.js config in <script id="ID"
// type="application/json"> (built by pacer.web.charts): the shared palette is in the
// config; ticks and tooltips follow config.pacer.format with the rules of
// pacer.web.formats (money in the workspace currency). Redraws after HTMX swaps.
(function () {
  "use strict";
  const MISSING = "\u2014";

  // a negative number that rounds to zero shows as zero ("0", never "-0"), as on the server
  function grouped(value, places) {
    const shown = value.toLocaleString("en-US", { minimumFractionDigits: places, maximumFractionDigits: places });
    return /^-[0.,]*$/.test(shown) ? shown.slice(1) : shown;
  }

  function money(value, currency, compact) {
    const abs = Math.abs(value);
    const sign = value < 0 ? "-" : "";
    if (compact && abs >= 1000) return sign + currency.prefix + short(abs);
    const cents = currency.minor && abs > 0 && abs < 100 && !(compact && Number.isInteger(abs));
    const shown = grouped(abs, cents ? 2 : 0);
    return (/[1-9]/.test(shown) ? sign : "") + currency.prefix + shown;
  }

  function short(abs) {
    const units = [[1e9, "B"], [1e6, "M"], [1e3, "k"]];
    for (const [size, suffix] of units) {
      if (abs >= size) return grouped(abs / size, abs / size < 10 ? 1 : 0) + suffix;
    }
    return grouped(abs, 0);
  }

  function format(value, kind, currency, compact) {
    if (value === null || value === undefined || Number.isNaN(value)) return MISSING;
    const number = Number(value);
    switch (kind) {
      case "money": return money(number, currency, compact);
      case "count": return compact && Math.abs(number) >= 1000 ? (number < 0 ? "-" : "") + short(Math.abs(number)) : grouped(number, 0);
      case "percent": return grouped(number * 100, compact ? 0 : 1) + "%";
      case "ratio": return grouped(number, 2) + "\u00d7";
      case "decimal": return grouped(number, compact && Math.abs(number) >= 100 ? 0 : 2);
      default: return String(value);
    }
  }

  // a diagonal hatch in a series' colour: the bars of periods the data covers in part
  function hatch(colour) {
    const tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    const pen = tile.getContext("2d");
    pen.fillStyle = colour + "33";
    pen.fillRect(0, 0, 8, 8);
    pen.strokeStyle = colour;
    pen.lineWidth = 2;
    pen.beginPath();
    pen.moveTo(0, 8); pen.lineTo(8, 0);
    pen.moveTo(-2, 2); pen.lineTo(2, -2);
    pen.moveTo(6, 10); pen.lineTo(10, 6);
    pen.stroke();
    return pen.createPattern(tile, "repeat");
  }

  function markPartial(config, partial) {
    if (!partial.length) return;
    const isPartial = function (index) { return partial.indexOf(index) !== -1; };
    config.data.datasets.forEach(function (dataset) {
      const drawnAs = dataset.type || config.type;
      const colour = dataset.borderColor;
      if (drawnAs === "line") {
        dataset.segment = { borderDash: function (ctx) { return isPartial(ctx.p1DataIndex) ? [6, 4] : undefined; } };
        dataset.pointStyle = dataset.data.map(function (_, i) { return isPartial(i) ? "rectRot" : "circle"; });
      } else if (typeof colour === "string") {
        const fill = dataset.backgroundColor;
        dataset.backgroundColor = dataset.data.map(function (_, i) { return isPartial(i) ? hatch(colour) : fill; });
        dataset.borderWidth = dataset.data.map(function (_, i) { return isPartial(i) ? 1 : 0; });
      }
    });
  }

  function prepare(config) {
    const pacer = config.pacer || {};
    const partial = pacer.partial || [];
    markPartial(config, partial);
    const currency = pacer.currency || { code: "USD", prefix: "$", minor: true };
    const formats = pacer.format || {};
    delete config.pacer;
    config.options = Object.assign(
      { animation: false, responsive: true, maintainAspectRatio: false },
      config.options || {},
    );
    const options = config.options;
    options.scales = options.scales || {};
    Object.keys(formats).forEach(function (axis) {
      const scale = (options.scales[axis] = options.scales[axis] || {});
      scale.ticks = Object.assign({}, scale.ticks, {
        callback: function (value) { return format(value, formats[axis], currency, true); },
      });
      if (formats[axis] === "count") scale.ticks.precision = 0;  // no ticks between people
    });
    const valueAxis = options.indexAxis === "y" ? "x" : "y";
    options.plugins = Object.assign({}, options.plugins);
    options.plugins.tooltip = Object.assign({}, options.plugins.tooltip, {
      callbacks: {
        label: function (item) {
          const axis = item.dataset.yAxisID === "y2" ? "y2" : valueAxis;
          const value = valueAxis === "x" ? item.parsed.x : item.parsed.y;
          return (item.dataset.label ? item.dataset.label + ": " : "") + format(value, formats[axis] || "decimal", currency, false);
        },
        footer: function (items) {
          return items.length && partial.indexOf(items[0].dataIndex) !== -1 ? "Partial period: the data covers only part of it" : "";
        },
      },
    });
    options.plugins.legend = Object.assign({ labels: { boxWidth: 12, color: "#374151" } }, options.plugins.legend);
    return config;
  }

  function draw(scope) {
    if (!window.Chart) return;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#374151";
    scope.querySelectorAll("canvas[data-config]").forEach(function (canvas) {
      const source = document.getElementById(canvas.dataset.config);
      if (!source) return;
      const existing = Chart.getChart(canvas);
      if (existing) existing.destroy();
      new Chart(canvas, prepare(JSON.parse(source.textContent)));
      canvas.dataset.drawn = "true";
    });
  }

  // charts in content HTMX is about to replace are let go first
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!window.Chart) return;
    event.detail.target.querySelectorAll("canvas[data-drawn]").forEach(function (canvas) {
      const chart = Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  });

  window.pacerFormat = format;
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) {
    if (event.target !== document.body) draw(event.target);
  });
})();
