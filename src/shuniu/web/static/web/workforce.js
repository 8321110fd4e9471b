// Draws the workforce page's charts from the numbers the page carries (a json_script
// element built from the same tables the page shows), so a chart and its table never
// disagree.
(function () {
  "use strict";

  var charts = window.ShuniuCharts;
  var data = charts && charts.data("workforce-data");
  if (!data) {
    return;
  }
  var labels = data.labels;
  var TEXT = "#212529";

  function names(items) {
    return items.map(function (item) {
      return item.name;
    });
  }

  function values(items) {
    return items.map(function (item) {
      return item.value;
    });
  }

  // Horizontal bars in the order of the table, each carrying its number (so the value
  // axis would only repeat them).
  function bars(container, items, colour, options) {
    var settings = options || {};
    var chart = charts.init(container, data.language);
    charts.draw(chart, {
      color: [colour],
      grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
      tooltip: charts.tooltip({ trigger: "axis", axisPointer: { type: "shadow" } }),
      xAxis: {
        type: "value",
        minInterval: 1,
        max: settings.max,
        axisLabel: { show: false },
        splitLine: { show: false },
      },
      yAxis: {
        type: "category",
        data: names(items),
        inverse: true,
        axisLabel: { width: settings.labelWidth || 180, overflow: "break", color: TEXT },
      },
      series: [
        {
          name: settings.name || labels.people,
          type: "bar",
          data: values(items),
          label: {
            show: true,
            position: "right",
            color: TEXT,
            formatter: settings.formatter || formatCount,
          },
          barMaxWidth: 24,
        },
      ],
    });
  }

  function formatCount(params) {
    return params.value === null || params.value === undefined
      ? "—"
      : Number(params.value).toLocaleString("en-US");
  }

  function formatPercent(params) {
    return params.value === null || params.value === undefined ? "—" : params.value + "%";
  }

  function columns(container, items, colour) {
    var chart = charts.init(container, data.language);
    charts.draw(chart, {
      color: [colour],
      grid: { left: 8, right: 8, top: 24, bottom: 8, containLabel: true },
      tooltip: charts.tooltip({ trigger: "axis", axisPointer: { type: "shadow" } }),
      xAxis: { type: "category", data: names(items) },
      yAxis: { type: "value", minInterval: 1, splitLine: { show: false }, axisLabel: { show: false } },
      series: [
        {
          name: labels.graduates,
          type: "bar",
          data: values(items),
          label: { show: true, position: "top", color: TEXT, formatter: formatCount },
          barMaxWidth: 32,
        },
      ],
    });
  }

  function byId(id) {
    return document.getElementById(id);
  }

  var drawings = [
    ["levels-chart", function (el) { bars(el, data.levels, "#2f6fb0"); }],
    ["employment-chart", function (el) { bars(el, data.employment, "#2e8b57"); }],
    ["districts-chart", function (el) { bars(el, data.districts, "#2f6fb0", { labelWidth: 120 }); }],
    ["pipeline-chart", function (el) { bars(el, data.pipeline, "#8e44ad", { labelWidth: 200 }); }],
    ["graduates-chart", function (el) { columns(el, data.graduates, "#c0392b"); }],
    [
      "retention-chart",
      function (el) {
        bars(el, data.retention, "#d35400", {
          max: 100,
          name: labels.retention,
          formatter: formatPercent,
        });
      },
    ],
  ];
  drawings.forEach(function (drawing) {
    var container = byId(drawing[0]);
    if (container) {
      drawing[1](container);
    }
  });
})();
