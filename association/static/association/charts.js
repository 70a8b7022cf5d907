/* Draw the pear association's charts with the locally served ECharts.
   Each chart is an element with data-chart="<kind>" and data-source="<id of a json_script element>". */
(function () {
  "use strict";

  function tonnes(kg) { return Math.round(kg / 100) / 10; }

  function barsByYear(data, stacked) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 12, top: 64, bottom: 28 },
      xAxis: { type: "category", data: data.years },
      yAxis: { type: "value", name: data.unit || "" },
      series: data.series.map(function (s) {
        return {
          name: s.name, type: "bar", stack: stacked ? "total" : undefined,
          data: s.data.map(data.unit ? tonnes : function (v) { return v; })
        };
      })
    };
  }

  function fill(data) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 12, top: 64, bottom: 28 },
      xAxis: { type: "time" },
      yAxis: { type: "value", name: data.unit, max: Math.max(tonnes(data.capacity_kg), 1) },
      series: [
        { name: data.stock_label, type: "line", step: "end", areaStyle: {}, showSymbol: false,
          data: data.points.map(function (p) { return [p[0], tonnes(p[1])]; }) },
        { name: data.capacity_label, type: "line", showSymbol: false, lineStyle: { type: "dashed" },
          data: data.points.length ? [[data.points[0][0], tonnes(data.capacity_kg)],
                                      [data.points[data.points.length - 1][0], tonnes(data.capacity_kg)]] : [] }
      ]
    };
  }

  var builders = {
    "stacked-bars": function (d) { return barsByYear(d, true); },
    "bars": function (d) { return barsByYear(d, false); },
    "fill": fill
  };

  function draw() {
    if (typeof echarts === "undefined") { return; }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.dataset.source);
      var build = builders[element.dataset.chart];
      if (!source || !build) { return; }
      var chart = echarts.init(element);
      chart.setOption(build(JSON.parse(source.textContent)));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
