/* Draws every element with data-chart="<key>" from the JSON script named by this script's
   data-source (ECharts, served from static/vendor). data-type: bar, hbar, pie, grouped (several
   series), line (two series: rate and score). Labels arrive translated from the view.
   Loaded by templates/dashboard/partials/charts.html after echarts. */
(function () {
  "use strict";
  var script = document.currentScript;
  var source = script && document.getElementById(script.getAttribute("data-source"));
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var palette = ["#1f6feb", "#2da44e", "#d29922", "#cf222e", "#8250df", "#57606a"];
  var riskColours = ["#2da44e", "#d29922", "#e16f24", "#cf222e"];

  function option(type, d, el) {
    var percent = el.getAttribute("data-percent") === "1";
    if (type === "pie") {
      return {
        color: riskColours,
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        legend: { bottom: 0 },
        // No ring of equal slices when every level counts zero (before the first scan).
        series: [{ type: "pie", name: d.name, radius: ["40%", "68%"], stillShowZeroSum: false,
          data: d.labels.map(function (l, i) { return { name: l, value: d.values[i] }; }) }]
      };
    }
    if (type === "grouped") {
      return {
        color: palette,
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 10, top: 30, bottom: 30 },
        xAxis: { type: "category", data: d.labels },
        yAxis: { type: "value", minInterval: 1 },
        series: d.series.map(function (s) { return { type: "bar", name: s.name, data: s.values }; })
      };
    }
    if (type === "line") {
      return {
        color: palette,
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 45, right: 45, top: 30, bottom: 30 },
        // Months without a snapshot are gaps; a lone month still shows as a dot.
        xAxis: { type: "category", data: d.labels, boundaryGap: true },
        yAxis: [{ type: "value", min: 0, max: 100 }, { type: "value", min: 0, max: 100 }],
        series: [
          { type: "line", name: d.rate_name, data: d.rate, connectNulls: false,
            showSymbol: true, symbolSize: 8, clip: false },
          { type: "line", name: d.score_name, data: d.score, yAxisIndex: 1, connectNulls: false,
            showSymbol: true, symbolSize: 8, clip: false }
        ]
      };
    }
    var horizontal = type === "hbar";
    var category = { type: "category", data: d.labels, inverse: horizontal };
    var value = { type: "value", minInterval: percent ? 0 : 1, max: percent ? 100 : null };
    return {
      color: palette,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : (percent ? v + "%" : v); } },
      grid: { left: horizontal ? 110 : 50, right: horizontal ? 50 : 20, top: 20, bottom: 30 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [{ type: "bar", name: d.name, data: d.values, barMaxWidth: 42,
        label: { show: true, position: horizontal ? "right" : "top",
          formatter: function (p) { return p.value == null ? "" : (percent ? p.value + "%" : p.value); } } }]
    };
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var d = data[el.getAttribute("data-chart")];
    if (!d) return;
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option(el.getAttribute("data-type") || "bar", d, el));
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
