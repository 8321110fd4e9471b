// Draws the dashboard's charts from the numbers the page carries (a json_script element),
// so each chart and the table beside it never disagree.
(function () {
  "use strict";

  var charts = window.ShuniuCharts;
  var data = charts && charts.data("dashboard-data");
  if (!data) {
    return;
  }
  var labels = data.labels;
  var TEXT = "#212529";
  var NO_DISTRICT = "#ffffff";
  var HIGHLIGHT = "#b02a37";

  function byId(id) {
    return document.getElementById(id);
  }

  function seriesChart(container) {
    var series = data.series;
    var chart = charts.init(container, data.language);
    var lines = [
      { name: labels.registered, type: "bar", stack: "total", data: series.registered },
      { name: labels.registering, type: "bar", stack: "total", data: series.registering },
    ];
    var axes = [{ type: "value", name: labels.organizations, minInterval: 1 }];
    if (series.showCovered) {
      lines.push({
        name: labels.covered,
        type: "line",
        yAxisIndex: 1,
        data: series.covered,
        symbolSize: 8,
      });
      axes.push({
        type: "value",
        name: labels.districts,
        minInterval: 1,
        max: Math.max.apply(null, series.districtsTotal.concat([1])),
        splitLine: { show: false },
      });
    }
    charts.draw(chart, {
      color: ["#2f6fb0", "#9cc3e6", "#c0392b"],
      grid: { left: 48, right: 56, top: 40, bottom: 64 },
      tooltip: charts.tooltip({ trigger: "axis", axisPointer: { type: "shadow" } }),
      legend: { bottom: 0 },
      xAxis: { type: "category", data: series.years },
      yAxis: axes,
      series: lines,
    });
  }

  // An area with a count shows its name(s) of the date and the count; one without (another
  // district on a district's page, or not yet a district on that date) only today's name.
  function areaText(params) {
    if (params.data && typeof params.data.text === "string") {
      return params.data.text + "\n" + params.data.value;
    }
    return "{muted|" + (data.map.shapeNames[params.name] || "") + "}";
  }

  // The same, drawn only where fittingLabels found room (the tooltip names the others).
  function placedText(labelled) {
    return function (params) {
      return labelled[params.name] ? areaText(params) : "";
    };
  }

  // [west, south, east, north] of a GeoJSON geometry or of a whole collection.
  function bounds(geometry) {
    var box = [Infinity, Infinity, -Infinity, -Infinity];
    (function walk(coords) {
      if (typeof coords[0] === "number") {
        box = [
          Math.min(box[0], coords[0]),
          Math.min(box[1], coords[1]),
          Math.max(box[2], coords[0]),
          Math.max(box[3], coords[1]),
        ];
        return;
      }
      coords.forEach(walk);
    })(geometry);
    return box;
  }

  // A district is small on its city's map: centre on it and zoom in until it takes about a
  // fifth of the view, so its neighbours stay in sight around it.
  function focusOn(geojson, code) {
    var feature = geojson.features.filter(function (f) {
      return String(f.properties.adcode) === code;
    })[0];
    if (!feature) {
      return {};
    }
    var all = bounds(
      geojson.features.map(function (f) {
        return f.geometry.coordinates;
      })
    );
    var own = bounds(feature.geometry.coordinates);
    var ratio = Math.min((all[2] - all[0]) / (own[2] - own[0]), (all[3] - all[1]) / (own[3] - own[1]));
    return {
      center: [(own[0] + own[2]) / 2, (own[1] + own[3]) / 2],
      zoom: Math.max(1, Math.min(5, ratio / 5)),
    };
  }

  // Labels only where they fit: each area's box on screen (ECharts draws longitude at
  // aspectScale 0.75 of latitude, fitted into the series box, then zoomed), the label's own
  // size, and no label over one already placed (larger areas first). The areas left without a
  // label are named in the tooltip and in the table beside the map.
  var ASPECT = 0.75;
  var FONT_SIZE = 11;
  var LINE_HEIGHT = 14;

  function textWidth(text) {
    var canvas = textWidth.canvas || (textWidth.canvas = document.createElement("canvas"));
    var context = canvas.getContext("2d");
    if (!context) {
      return text.length * FONT_SIZE;
    }
    context.font = FONT_SIZE + "px sans-serif";
    return context.measureText(text).width;
  }

  function fittingLabels(geojson, container, box, zoom, labelOf, first) {
    var all = bounds(
      geojson.features.map(function (f) {
        return f.geometry.coordinates;
      })
    );
    var width = container.clientWidth - box.left - box.right;
    var height = container.clientHeight - box.top - box.bottom;
    var scale =
      Math.min(width / ((all[2] - all[0]) * ASPECT), height / (all[3] - all[1])) * (zoom || 1);
    var areas = geojson.features.map(function (f) {
      var own = bounds(f.geometry.coordinates);
      var lines = labelOf(String(f.properties.adcode)).split("\n");
      var w = Math.max.apply(null, lines.map(textWidth)) + 4;
      var h = lines.length * LINE_HEIGHT;
      var cx = ((own[0] + own[2]) / 2) * ASPECT * scale;
      var cy = -((own[1] + own[3]) / 2) * scale;
      return {
        code: String(f.properties.adcode),
        fits: w <= (own[2] - own[0]) * ASPECT * scale && h <= (own[3] - own[1]) * scale,
        size: (own[2] - own[0]) * (own[3] - own[1]),
        rect: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2],
      };
    });
    // The highlighted district first, then the larger areas.
    areas.sort(function (a, b) {
      return Number(b.code === first) - Number(a.code === first) || b.size - a.size;
    });
    var placed = [];
    var shown = {};
    areas.forEach(function (area) {
      var r = area.rect;
      var clear = placed.every(function (p) {
        return r[2] <= p[0] || r[0] >= p[2] || r[3] <= p[1] || r[1] >= p[3];
      });
      if ((area.fits || area.code === first) && clear) {
        placed.push(r);
        shown[area.code] = true;
      }
    });
    return shown;
  }

  function plainText(code) {
    var area = data.map.areas.filter(function (a) {
      return a.name === code;
    })[0];
    return area ? area.text + "\n" + area.value : data.map.shapeNames[code] || "";
  }

  function mapChart(container) {
    var map = data.map;
    var chart = charts.init(container, data.language);
    var failed = byId("map-failed");
    fetch(map.url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (geojson) {
        window.echarts.registerMap(map.name, geojson);
        var highlighted = map.areas.filter(function (area) {
          return area.highlight;
        })[0];
        var focus = highlighted ? focusOn(geojson, highlighted.name) : {};
        var box = { left: 96, right: 8, top: 8, bottom: 8 };
        var labelled = fittingLabels(
          geojson,
          container,
          box,
          focus.zoom,
          plainText,
          highlighted ? highlighted.name : ""
        );
        container.setAttribute("data-labelled", Object.keys(labelled).sort().join(" "));
        charts.draw(chart, {
          tooltip: charts.tooltip({
            trigger: "item",
            formatter: function (params) {
              if (params.data && typeof params.data.text === "string") {
                return params.data.text + ": " + params.data.value;
              }
              return data.map.shapeNames[params.name] || "";
            },
          }),
          visualMap: {
            type: "piecewise",
            left: 0,
            bottom: 0,
            itemSymbol: "rect",
            // Stays legible over a zoomed-in map.
            backgroundColor: "rgba(255, 255, 255, 0.9)",
            padding: 6,
            textStyle: { color: TEXT },
            pieces: map.bands.map(function (band) {
              return { gte: band.low, lte: band.high, color: band.colour, label: band.label };
            }),
          },
          series: [
            {
              type: "map",
              map: map.name,
              // Shapes are matched by division code, not by name: names differ by language.
              nameProperty: "adcode",
              roam: false,
              selectedMode: false,
              left: box.left,
              right: box.right,
              top: box.top,
              bottom: box.bottom,
              center: focus.center,
              zoom: focus.zoom || 1,
              itemStyle: { areaColor: NO_DISTRICT, borderColor: "#6c757d", borderWidth: 0.8 },
              label: {
                show: true,
                formatter: placedText(labelled),
                fontSize: 11,
                color: TEXT,
                textBorderColor: "#ffffff",
                textBorderWidth: 2,
                rich: { muted: { color: "#6c757d", fontSize: 10 } },
              },
              emphasis: {
                label: {
                  show: true,
                  formatter: areaText,
                  fontWeight: "bold",
                  rich: { muted: { color: "#6c757d", fontSize: 10 } },
                },
                itemStyle: { borderColor: TEXT, borderWidth: 1.5 },
              },
              data: map.areas.map(function (area) {
                var item = { name: area.name, value: area.value, text: area.text };
                if (area.highlight) {
                  item.itemStyle = { borderColor: HIGHLIGHT, borderWidth: 3 };
                  item.label = { fontWeight: "bold", fontSize: 13 };
                }
                return item;
              }),
            },
          ],
        });
      })
      .catch(function (error) {
        // Logged, so a drawing bug is seen (browser tests fail on console errors).
        window.console.error("district map:", error);
        chart.dispose();
        if (failed) {
          failed.textContent = labels.mapLoadFailed;
          failed.classList.remove("d-none");
        }
      });
  }

  function barChart(container, items, colour) {
    var chart = charts.init(container, data.language);
    var names = items.map(function (item) {
      return item.name;
    });
    charts.draw(chart, {
      color: [colour],
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: charts.tooltip({ trigger: "axis", axisPointer: { type: "shadow" } }),
      // Each bar carries its number, so the value axis would only repeat them.
      xAxis: { type: "value", minInterval: 1, axisLabel: { show: false }, splitLine: { show: false } },
      yAxis: { type: "category", data: names, inverse: true },
      series: [
        {
          name: labels.count,
          type: "bar",
          data: items.map(function (item) {
            return item.value;
          }),
          label: { show: true, position: "right", color: TEXT },
          barMaxWidth: 28,
        },
      ],
    });
  }

  var series = byId("series-chart");
  if (series && data.series.years.length) {
    seriesChart(series);
  }
  var map = byId("district-map");
  if (map) {
    mapChart(map);
  }
  // Outside the three cities there are no boundaries: the district table as bars.
  var districtBars = byId("district-chart");
  if (districtBars) {
    barChart(districtBars, data.districts, "#2f6fb0");
  }
  var formations = byId("formation-chart");
  if (formations) {
    barChart(formations, data.formations, "#2e8b57");
  }
  var kinds = byId("kind-chart");
  if (kinds) {
    barChart(kinds, data.kinds, "#2f6fb0");
  }
})();
