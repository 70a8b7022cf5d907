/* Draw the desk's charts with the locally served ECharts. Each chart is an element with
   data-chart="bars|stacked-bars|lines" and data-source="<id of a json_script element>" holding
   {categories: [...], series: [{name, data: [...]}]}. The exact figures are in the page's tables. */
(function () {
  "use strict";

  function options(kind, data) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 56, right: 12, top: 56, bottom: 56, containLabel: false },
      xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: data.categories.length > 4 ? 30 : 0 } },
      yAxis: { type: "value" },
      series: data.series.map(function (s) {
        return {
          name: s.name,
          type: kind === "lines" ? "line" : "bar",
          stack: kind === "stacked-bars" ? "total" : undefined,
          connectNulls: true,
          data: s.data
        };
      })
    };
  }

  function draw() {
    if (typeof echarts === "undefined") { return; }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.dataset.source);
      if (!source) { return; }
      var chart = echarts.init(element);
      chart.setOption(options(element.dataset.chart, JSON.parse(source.textContent)));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
