// Grouped bars of the comparison page: one bar per city in each category, drawn from the
// numbers of the tables under them (a json_script element).
(function () {
  "use strict";

  var charts = window.ShuniuCharts;
  var data = charts && charts.data("compare-data");
  if (!data) {
    return;
  }

  function grouped(container, groups, percent) {
    var chart = charts.init(container, data.language);
    charts.draw(chart, {
      // One colour and one legend entry per city; each bar also carries its number.
      color: ["#2f6fb0", "#e08e0b", "#2e8b57"],
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: charts.tooltip({ trigger: "axis", axisPointer: { type: "shadow" } }),
      xAxis: { type: "category", data: groups.categories, axisLabel: { interval: 0, width: 90, overflow: "break" } },
      yAxis: percent
        ? { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }
        : { type: "value", minInterval: 1 },
      series: data.cities.map(function (city, i) {
        return {
          name: city,
          type: "bar",
          data: groups.values[i],
          label: percent
            ? { show: true, position: "top", color: "#212529", formatter: function (p) { return p.value === null ? "" : p.value.toFixed(1) + "%"; } }
            : { show: true, position: "top", color: "#212529" },
          barMaxWidth: 32,
        };
      }),
    });
  }

  var kinds = document.getElementById("compare-kinds-chart");
  if (kinds) {
    grouped(kinds, data.kinds);
  }
  var formations = document.getElementById("compare-formations-chart");
  if (formations) {
    grouped(formations, data.formations);
  }
  var operating = document.getElementById("compare-operating-chart");
  if (operating) {
    grouped(operating, data.operating, true);
  }
})();
