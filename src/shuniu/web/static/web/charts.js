// Shared by the statistics pages: reads the page's JSON data and sets up ECharts the same
// way everywhere. Pages run under a strict Content-Security-Policy, so nothing here writes
// inline HTML or styles (tooltips are drawn in the canvas: renderMode "richText").
(function () {
  "use strict";

  function data(id) {
    var source = document.getElementById(id);
    if (!source || typeof window.echarts === "undefined") {
      return null;
    }
    return JSON.parse(source.textContent);
  }

  function init(container, language) {
    var chinese = (language || "").toLowerCase().indexOf("zh") === 0;
    var chart = window.echarts.init(container, null, {
      renderer: "canvas",
      locale: chinese ? "ZH" : "EN",
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
    return chart;
  }

  // Sets the option, then marks the container once the drawing, animations included, is
  // done: tests and screenshots wait for the mark (an empty chart must not set it).
  function draw(chart, option) {
    var container = chart.getDom();
    chart.on("finished", function () {
      container.setAttribute("data-rendered", "true");
    });
    chart.setOption(option);
  }

  function tooltip(extra) {
    var options = { renderMode: "richText", confine: true };
    for (var key in extra) {
      options[key] = extra[key];
    }
    return options;
  }

  window.ShuniuCharts = { data: data, init: init, draw: draw, tooltip: tooltip };
})();
