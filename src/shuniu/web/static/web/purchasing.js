// Draws the purchasing page's charts from the numbers the page carries (a json_script
// element built from the same tables the page shows and the downloads write).
(function () {
  "use strict";

  var charts = window.ShuniuCharts;
  var data = charts && charts.data("purchasing-data");
  if (!data) {
    return;
  }
  var TEXT = "#212529";
  var COLOURS = { years: "#2166ac", districts: "#4292c6", methods: "#6f42c1", grades: "#198754", suppliers: "#fd7e14" };
  var NAMES = { grades: data.labels.count };

  document.querySelectorAll("[data-chart]").forEach(function (container) {
    var key = container.getAttribute("data-chart");
    var items = data[key] || [];
    if (!items.length) {
      return;
    }
    var chart = charts.init(container, data.language);
    var vertical = key === "years";
    var category = {
      type: "category",
      data: items.map(function (item) { return item.name; }),
      inverse: !vertical,
      axisLabel: { width: 160, overflow: "break", color: TEXT },
    };
    var value = { type: "value", axisLabel: { show: vertical }, splitLine: { show: vertical } };
    charts.draw(chart, {
      color: [COLOURS[key] || "#2166ac"],
      grid: { left: 8, right: 72, top: 16, bottom: 8, containLabel: true },
      tooltip: charts.tooltip({ trigger: "axis", axisPointer: { type: "shadow" } }),
      xAxis: vertical ? category : value,
      yAxis: vertical ? value : category,
      series: [
        {
          name: NAMES[key] || data.labels.amount,
          type: "bar",
          data: items.map(function (item) { return item.value; }),
          label: { show: !vertical, position: "right", color: TEXT },
          barMaxWidth: 24,
        },
      ],
    });
  });
})();
