/* 领导通: draws the dashboard's charts from the JSON block; a click on a bar, a slice or a point opens
   the list of matters behind it. The page works without this file (every number is also a link). */
/* global gettext, interpolate */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];

  function draw(name, option, items) {
    var node = document.querySelector('[data-chart="' + name + '"]');
    if (!node) { return; }
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption(option);
    chart.on("click", function (params) {
      var item = items[params.dataIndex];
      if (item && item.url) { window.location.href = item.url; }
    });
    charts.push(chart);
  }

  function bar(name, items, horizontal) {
    var labels = items.map(function (i) { return i.label || i.month; });
    var values = items.map(function (i) { return i.value; });
    var category = { type: "category", data: labels, axisLabel: { interval: 0, fontSize: 10 } };
    var value = { type: "value", minInterval: 1 };
    draw(name, {
      grid: { left: 8, right: 28, top: 12, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [{ type: "bar", data: values, itemStyle: { color: "#0d6efd" } }]
    }, items);
  }

  draw("by_channel", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], label: { fontSize: 11 },
      data: data.by_channel.map(function (i) { return { name: i.label, value: i.value }; }) }]
  }, data.by_channel);
  bar("by_status", data.by_status, true);
  bar("by_town", data.by_town, true);
  draw("trend", {
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis" },
    legend: { top: 0, textStyle: { fontSize: 11 } },
    xAxis: { type: "category", data: data.trend.map(function (i) { return i.month.slice(2); }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: gettext("受理"), type: "line", data: data.trend.map(function (i) { return i.value; }) },
      { name: gettext("其中已办结"), type: "line", data: data.trend.map(function (i) { return i.closed; }) }
    ]
  }, data.trend);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  function tick() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (node) {
      var due = Date.parse(node.getAttribute("data-due"));
      if (isNaN(due)) { return; }
      var left = Math.round((due - Date.now()) / 1000);
      var words = left < 0 ? gettext("超时 %(m)s 分 %(s)s 秒") : gettext("剩余 %(m)s 分 %(s)s 秒");
      node.classList.toggle("text-danger", left < 0);
      left = Math.abs(left);
      node.textContent = interpolate(words, { m: Math.floor(left / 60), s: left % 60 }, true);
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
