// Draws the dashboard charts from the JSON the panel carries; redraws after HTMX swaps.
(function () {
  const charts = {};
  const palette = ["#2563eb", "#f97316", "#16a34a", "#9333ea", "#dc2626"];

  function config(kind, data) {
    if (kind === "trend") {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            { type: "line", label: "Revenue", data: data.revenue, borderColor: palette[0], yAxisID: "y" },
            { type: "bar", label: "Spend", data: data.spend, backgroundColor: palette[1], yAxisID: "y" },
          ],
        },
      };
    }
    if (kind === "channels") {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            { label: "Revenue", data: data.revenue, backgroundColor: palette[0] },
            { label: "Spend", data: data.spend, backgroundColor: palette[1] },
          ],
        },
      };
    }
    return {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: "People", data: data.counts, backgroundColor: palette[2] }] },
      options: { indexAxis: "y" },
    };
  }

  function drawConfigured() {
    // Pages other than the dashboard ship a whole Chart.js config next to their canvas.
    document.querySelectorAll("canvas[data-config]").forEach(function (canvas) {
      const source = document.getElementById(canvas.dataset.config);
      if (!source || !window.Chart) return;
      const cfg = JSON.parse(source.textContent);
      cfg.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, cfg.options || {});
      new Chart(canvas, cfg);
      canvas.dataset.drawn = "true";
    });
  }

  function draw() {
    drawConfigured();
    const source = document.getElementById("chart-data");
    if (!source || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      const kind = canvas.dataset.chart;
      if (charts[kind]) charts[kind].destroy();
      const cfg = config(kind, data[kind]);
      cfg.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, cfg.options || {});
      charts[kind] = new Chart(canvas, cfg);
      canvas.dataset.drawn = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSwap", draw);
})();

// Forms that submit themselves when a control changes (no inline handlers: the CSP
// allows scripts from this site only).
document.addEventListener("change", function (event) {
  if (event.target.matches("[data-submit-on-change]")) event.target.form.submit();
});
