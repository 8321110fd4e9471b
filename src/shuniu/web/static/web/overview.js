// Draws the year-end series of the overview page. The numbers come from the page itself
// (a json_script element), so the chart and the table never disagree.
(function () {
  "use strict";

  var container = document.getElementById("series-chart");
  var source = document.getElementById("series-data");
  if (!container || !source || typeof window.echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var labels = data.labels;
  var chinese = (data.language || "").toLowerCase().indexOf("zh") === 0;

  var chart = window.echarts.init(container, null, {
    renderer: "canvas",
    locale: chinese ? "ZH" : "EN",
  });

  chart.setOption({
    color: ["#2f6fb0", "#9cc3e6", "#c0392b"],
    grid: { left: 48, right: 56, top: 40, bottom: 64 },
    // richText tooltips draw inside the canvas, so no inline HTML or styles are injected
    // (the page runs under a strict Content-Security-Policy).
    tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
    legend: { bottom: 0 },
    xAxis: { type: "category", data: data.years },
    yAxis: [
      { type: "value", name: labels.organizations, minInterval: 1 },
      {
        type: "value",
        name: labels.districts,
        minInterval: 1,
        max: Math.max.apply(null, data.districtsTotal.concat([1])),
        splitLine: { show: false },
      },
    ],
    series: [
      { name: labels.registered, type: "bar", stack: "total", data: data.registered },
      { name: labels.registering, type: "bar", stack: "total", data: data.registering },
      {
        name: labels.covered,
        type: "line",
        yAxisIndex: 1,
        data: data.covered,
        symbolSize: 8,
      },
    ],
  });

  // Lets tests and screenshots wait for the drawing, animations included, to be done.
  chart.on("finished", function () {
    container.setAttribute("data-rendered", "true");
  });

  window.addEventListener("resize", function () {
    chart.resize();
  });
})();
