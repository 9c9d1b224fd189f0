// The overview's script, served as /assets/dashboard.js: redraws the live section every few seconds without reloading
// the page, and draws the throughput chart with uPlot. Browser JavaScript, kept as text: the package has no bundler.
export const CLIENT_SCRIPT = `"use strict";
(function () {
  var REFRESH_MS = 5000;
  var chart = null;

  function stamp(text) {
    var element = document.getElementById("refreshed");
    if (element) element.textContent = text;
  }

  function draw() {
    var holder = document.getElementById("throughput-chart");
    if (!holder || typeof uPlot === "undefined") return;
    var series = JSON.parse(holder.getAttribute("data-series"));
    // Completed and failed side by side in each minute: left and right of its tick.
    var left = uPlot.paths.bars({ size: [0.4, 20], align: -1 });
    var right = uPlot.paths.bars({ size: [0.4, 20], align: 1 });
    var options = {
      width: Math.max(320, holder.clientWidth),
      height: 220,
      // Half a minute of room at each end, so the first and last minutes' bars are not cut off.
      scales: { x: { time: true, range: function (u, min, max) { return [min - 30, max + 30]; } }, rate: { range: [0, 100] } },
      series: [
        {},
        { label: "Completed / min", stroke: "#2f855a", fill: "rgba(47,133,90,0.35)", paths: left, points: { show: false } },
        { label: "Failed / min", stroke: "#c53030", fill: "rgba(197,48,48,0.55)", paths: right, points: { show: false } },
        { label: "Failure rate", stroke: "#b7791f", width: 2, scale: "rate", spanGaps: false,
          value: function (u, v) { return v == null ? "-" : v.toFixed(1) + " %"; } }
      ],
      axes: [
        {},
        { label: "tasks per minute", size: 60 },
        { side: 1, scale: "rate", label: "failure rate %", grid: { show: false }, size: 50 }
      ]
    };
    if (chart) chart.destroy();
    holder.textContent = "";
    chart = new uPlot(options, [series.minutes, series.complete, series.failed, series.failureRate], holder);
  }

  function refresh() {
    var live = document.getElementById("live");
    if (!live || document.hidden) return;
    fetch(live.getAttribute("data-source"), { credentials: "same-origin", headers: { accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (text) {
        live.innerHTML = text;
        draw();
        stamp("updated " + new Date().toLocaleTimeString());
      })
      .catch(function (error) {
        stamp("refresh failed (" + error.message + "), retrying");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw();
    setInterval(refresh, REFRESH_MS);
    window.addEventListener("resize", function () {
      var holder = document.getElementById("throughput-chart");
      if (chart && holder) chart.setSize({ width: Math.max(320, holder.clientWidth), height: 220 });
    });
  });
})();
`;
