// Draws a target's progress curve against its pace line from the numbers the page carries
// (a json_script element built from the same table the page shows and the download writes).
(function () {
  "use strict";

  var charts = window.ShuniuCharts;
  var data = charts && charts.data("target-data");
  var container = document.getElementById("target-chart");
  if (!data || !container) {
    return;
  }
  var chart = charts.init(container, data.language);
  charts.draw(chart, {
    color: ["#2166ac", "#adb5bd"],
    // Room above for the legend and on the right for the target line's label.
    grid: { left: 8, right: 64, top: 40, bottom: 8, containLabel: true },
    tooltip: charts.tooltip({ trigger: "axis" }),
    legend: { top: 0, left: "center", data: [data.labels.actual, data.labels.pace] },
    xAxis: { type: "category", data: data.dates },
    yAxis: { type: "value" },
    series: [
      { name: data.labels.actual, type: "line", step: "end", data: data.actual },
      {
        name: data.labels.pace,
        type: "line",
        lineStyle: { type: "dashed" },
        data: data.pace,
        markLine: {
          symbol: "none",
          label: { formatter: data.labels.value + " " + data.value },
          data: [{ yAxis: data.value }],
        },
      },
    ],
  });
})();
