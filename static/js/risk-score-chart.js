/* The risk score over time on the customer's risk tab (billing/templates/risk/partials/
   customer_tab.html), with the level thresholds as lines. The tab arrives through htmx, which
   runs this file each time; ECharts is loaded on first use. */
(function () {
  "use strict";
  var el = document.getElementById("risk-score-chart");
  if (!el) return;
  var rows = JSON.parse(document.getElementById("risk-score-data").textContent);
  var limits = JSON.parse(document.getElementById("risk-threshold-data").textContent);
  function draw() {
    var chart = echarts.init(el);
    chart.setOption({
      grid: {left: 36, right: 16, top: 24, bottom: 28},
      tooltip: {trigger: "axis"},
      xAxis: {type: "category", data: rows.map(function (r) { return r.at; })},
      yAxis: {type: "value", min: 0, max: 100},
      series: [{
        type: "line", name: el.getAttribute("data-series-name"), smooth: false, symbolSize: 6,
        data: rows.map(function (r) { return r.score; }),
        markLine: {silent: true, symbol: "none", label: {formatter: "{b}", position: "insideEndTop"},
          data: [
            {name: limits.medium.label, yAxis: limits.medium.at, lineStyle: {color: "#d99a00"}},
            {name: limits.high.label, yAxis: limits.high.at, lineStyle: {color: "#e06c1b"}},
            {name: limits.critical.label, yAxis: limits.critical.at, lineStyle: {color: "#dc3545"}}
          ]}
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (window.echarts) { draw(); return; }
  var script = document.querySelector("script[data-echarts]");
  if (!script) {
    script = document.createElement("script");
    script.src = el.getAttribute("data-echarts-src");
    script.setAttribute("data-echarts", "");
    document.head.appendChild(script);
  }
  script.addEventListener("load", draw);
})();
