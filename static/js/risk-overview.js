/* The pie of customers by risk level on the risk overview (billing/templates/risk/overview.html). */
(function () {
  "use strict";
  var el = document.getElementById("risk-levels-chart");
  var rows = JSON.parse(document.getElementById("risk-levels-data").textContent);
  var colours = {low: "#1e7b3c", medium: "#d99a00", high: "#e06c1b", critical: "#dc3545"};
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
    legend: {bottom: 0},
    series: [{
      type: "pie", radius: ["45%", "72%"], center: ["50%", "45%"], stillShowZeroSum: false,
      label: {formatter: "{b}\n{c}"},
      data: rows.map(function (r) {
        return {name: r.label, value: r.value, itemStyle: {color: colours[r.level]}};
      })
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
