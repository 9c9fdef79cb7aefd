/* The grid map: the boundary polygons (GeoJSON from the server, no online tiles) coloured by
 * open matters; clicking a grid opens its page. Schematic boundaries (the demo's) are labelled
 * 示意 on the map itself. */
/* global gettext, interpolate */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("grid-map");
    if (!el || !window.echarts) return;
    fetch(el.dataset.mapUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (geo) {
        if (!geo.features || !geo.features.length) return;
        echarts.registerMap("grids", geo);
        var data = geo.features.map(function (f) {
          return { name: f.properties.name, value: f.properties.open, label: f.properties.label, id: f.properties.id };
        });
        var max = Math.max(1, Math.max.apply(null, data.map(function (d) { return d.value; })));
        var many = data.length > 60;  // names on hover only, or the map is all text
        var chart = echarts.init(el);
        chart.setOption({
          title: geo.schematic ? { text: el.dataset.schematicLabel, left: "center", top: 4,
                                   textStyle: { color: "#b02a37", fontSize: 14 } } : undefined,
          tooltip: { formatter: function (p) {
            return interpolate(gettext("%(grid)s：在办 %(n)s"), { grid: p.data ? p.data.label : p.name, n: p.value || 0 }, true);
          } },
          visualMap: { min: 0, max: max, left: "left", bottom: 0, text: [gettext("多"), gettext("少")], calculable: true,
                       inRange: { color: ["#e8f5e9", "#fff59d", "#ef5350"] } },
          series: [{ type: "map", map: "grids", roam: true, data: data, top: geo.schematic ? 36 : "auto",
                     label: { show: !many, formatter: function (p) { return p.data ? p.data.label : ""; }, fontSize: 10 },
                     emphasis: { label: { show: true, formatter: function (p) { return p.data ? p.data.label : ""; } } } }]
        });
        chart.on("click", function (p) {
          if (p.data && p.data.id) window.location.assign(el.dataset.gridUrl.replace(/0\/$/, p.data.id + "/"));
        });
        window.addEventListener("resize", function () { chart.resize(); });
        el.dataset.ready = "1";
        el.dataset.features = String(data.length);
      });
  });
})();
