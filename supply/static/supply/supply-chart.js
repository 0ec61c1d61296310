/* The monthly supply-quality chart (supply/templates/supply/partials/_chart.html): minutes
   without supply as bars, the voltage pass rate as a line. Runs each time htmx brings the
   fragment; ECharts is loaded on first use. The same figures are in the table below it. */
(function () {
  "use strict";
  document.querySelectorAll("[data-supply-chart]").forEach(function (el) {
    if (el.getAttribute("data-drawn")) return;
    el.setAttribute("data-drawn", "1");
    var rows = JSON.parse(document.getElementById(el.getAttribute("data-supply-chart")).textContent);
    function draw() {
      var chart = echarts.init(el);
      chart.setOption({
        grid: {left: 48, right: 48, top: 28, bottom: 28},
        tooltip: {trigger: "axis"},
        legend: {top: 0},
        xAxis: {type: "category", data: rows.map(function (r) { return r.month; })},
        yAxis: [{type: "value", minInterval: 1}, {type: "value", min: 80, max: 100}],
        series: [
          {type: "bar", name: el.getAttribute("data-label-minutes"),
           data: rows.map(function (r) { return r.minutes_off; })},
          {type: "line", yAxisIndex: 1, name: el.getAttribute("data-label-rate"), connectNulls: false,
           data: rows.map(function (r) { return r.pass_rate; })}
        ]
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
  });
})();
