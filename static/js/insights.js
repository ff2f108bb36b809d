// Charts on the insights page (templates/dashboard/insights.html). Each
//   <figure class="chart" data-chart="chart-orders"><canvas></canvas></figure>
// names a <script type="application/json" id="chart-orders"> block with
//   {type: "bar"|"line", labels: [...], datasets: [{label, data, alarm?}], stacked?, horizontal?, unit?}
// drawn with the vendored Chart.js (static/vendor/chartjs). The table beside a chart holds
// the same numbers; once the chart is drawn its <details> is closed. No inline code (CSP).
(function () {
  "use strict";

  var COLOURS = ["#2f6fdf", "#e08a1e", "#2e9e5b", "#8e59c7", "#d64541", "#5a6b85"];
  var ALARM = "#d64541";

  function config(spec) {
    var unit = spec.unit ? " " + spec.unit : "";
    var datasets = spec.datasets.map(function (set, i) {
      var colour = COLOURS[i % COLOURS.length];
      var colours = set.alarm ? set.alarm.map(function (bad) { return bad ? ALARM : colour; }) : colour;
      return {
        label: set.label, data: set.data,
        backgroundColor: colours, borderColor: colours,
        borderWidth: spec.type === "line" ? 2 : 0, spanGaps: true,
        pointRadius: spec.labels.length > 31 ? 0 : 2, tension: 0.2
      };
    });
    var valueAxis = {beginAtZero: true, stacked: !!spec.stacked,
                     ticks: {precision: spec.unit ? undefined : 0,
                             callback: function (v) { return v.toLocaleString() + unit; }}};
    var labelAxis = {stacked: !!spec.stacked, ticks: {autoSkip: true, maxRotation: 0}};
    return {
      type: spec.type,
      data: {labels: spec.labels, datasets: datasets},
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        scales: spec.horizontal ? {x: valueAxis, y: labelAxis} : {x: labelAxis, y: valueAxis},
        plugins: {
          legend: {display: spec.datasets.length > 1, position: "bottom"},
          tooltip: {callbacks: {label: function (item) {
            var v = spec.horizontal ? item.parsed.x : item.parsed.y;
            return item.dataset.label + ": " + (v === null ? "–" : v.toLocaleString() + unit);
          }}}
        }
      }
    };
  }

  function draw(root) {
    if (!window.Chart) { return; }
    root.querySelectorAll("figure.chart[data-chart]").forEach(function (figure) {
      if (figure.hasAttribute("data-chart-ready")) { return; }
      var source = document.getElementById(figure.getAttribute("data-chart"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      if (!spec.labels.length) { return; }
      figure.setAttribute("data-chart-ready", "");
      if (spec.horizontal) {
        figure.classList.add("chart-rows-" + Math.min(Math.max(spec.labels.length, 2), 16));
      }
      new window.Chart(figure.querySelector("canvas"), config(spec));
      var details = figure.parentNode.querySelector("details.chart-table");
      if (details) { details.removeAttribute("open"); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
})();
