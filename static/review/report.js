/* 工作专报: the two charts, the print button, and the export progress (polled until done). */
(function () {
  "use strict";
  var source = document.getElementById("report-charts");
  if (source && typeof echarts !== "undefined") {
    var data = JSON.parse(source.textContent);
    var draw = function (name, items) {
      var node = document.querySelector('[data-chart="' + name + '"]');
      if (!node) { return; }
      echarts.init(node, null, { renderer: "svg" }).setOption({
        animation: false,
        grid: { left: 8, right: 28, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: items.map(function (i) { return i.label; }).reverse() },
        series: [{ type: "bar", data: items.map(function (i) { return i.value; }).reverse(),
          itemStyle: { color: "#0d6efd" } }]
      });
    };
    draw("channels", data.channels);
    draw("categories", data.categories);
  }
  var printButton = document.querySelector('[data-action="print"]');
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }

  var status = document.getElementById("export-status");
  var bar = document.getElementById("export-bar");
  var links = document.getElementById("export-links");
  function show(progress) { if (bar) { bar.style.width = progress + "%"; bar.textContent = progress ? progress + "%" : ""; } }
  if (bar) { show(parseInt(bar.getAttribute("data-progress"), 10) || 0); }
  function poll() {
    fetch(status.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        status.textContent = state.label + (state.error ? "：" + state.error : "");
        show(state.progress);
        if (state.status === "done") {
          links.innerHTML = "";
          [["PDF", state.pdf, "download-pdf"], ["Excel", state.xlsx, "download-xlsx"]].forEach(function (item, index) {
            if (!item[1]) { return; }
            if (index) { links.appendChild(document.createTextNode(" · ")); }
            var a = document.createElement("a");
            a.href = item[1]; a.textContent = item[0]; a.setAttribute("data-testid", item[2]);
            links.appendChild(a);
          });
        } else if (state.status === "queued" || state.status === "running") {
          window.setTimeout(poll, 1000);
        }
      });
  }
  if (status && (status.getAttribute("data-status") === "queued" || status.getAttribute("data-status") === "running")) {
    poll();
  }
})();
