// The dashboard's charts: each reads its figure from the JSON beside it; the table under it holds the same.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var rtl = document.documentElement.dir === "rtl";
  var colours = ["#0f5c4d", "#c77d1a", "#4f7cac", "#9a4c95", "#6b8f3a", "#b5473a", "#3a8f8a", "#7a6a55"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  document.querySelectorAll("canvas[data-figure]").forEach(function (canvas) {
    var figure = JSON.parse(document.getElementById(canvas.dataset.figure).textContent);
    var round = figure.chart === "doughnut";
    var line = figure.chart === "line";
    var datasets = figure.series.filter(function (s) { return s.chart !== false; }).map(function (s, i) {
      var colour = colours[i % colours.length];
      return {label: s.label, data: s.values, backgroundColor: round ? colours : colour,
              borderColor: line ? colour : undefined, borderWidth: round ? 1 : (line ? 2 : 0), spanGaps: false};
    });
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false, locale: document.documentElement.lang,
      plugins: {
        legend: {display: round || datasets.length > 1, rtl: rtl, textDirection: rtl ? "rtl" : "ltr"},
        tooltip: {rtl: rtl, textDirection: rtl ? "rtl" : "ltr"}
      }
    };
    if (!round) {
      options.scales = {
        x: {reverse: rtl, stacked: figure.stacked},
        y: {beginAtZero: true, stacked: figure.stacked, position: rtl ? "right" : "left",
            max: figure.scale_max || undefined, ticks: {precision: figure.scale_max ? 1 : 0}}
      };
    }
    new Chart(canvas, {type: figure.chart, data: {labels: figure.labels, datasets: datasets}, options: options});
  });
})();
