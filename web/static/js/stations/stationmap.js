/* gridgov 红色驿站 layer of the city map: circle markers in their own pane above the grids,
 * tooltips and popups built from data through GridMap.esc (gridmap.js), never raw.
 * Rows: [lon, lat, kind index, id, name, address, service labels, opening hours, grid code],
 * lon/lat already in the basemap's datum. */
(function () {
  "use strict";

  var PANE = "stations";
  var config = { kinds: [], points: [], gridUrl: "/grids/__code__" };

  function esc(value) { return window.GridMap.esc(value); }

  function station(row) {
    var kind = config.kinds[row[2]] || {};
    return { lon: row[0], lat: row[1], kind: kind.kind, kindLabel: kind.label || "",
             color: kind.color || "#d7191c", radius: kind.radius || 7, id: row[3],
             name: row[4], address: row[5], services: row[6] || [], hours: row[7],
             grid: row[8] };
  }

  function line(label, value) {
    return "<tr><th>" + esc(label) + "</th><td>" + esc(value) + "</td></tr>";
  }

  function popupHtml(s) {
    var grid = s.grid ? "<a href=\"" + esc(config.gridUrl.replace("__code__", encodeURIComponent(s.grid))) +
      "\">所在网格 " + esc(s.grid) + " »</a>" : "";
    return "<div class=\"station-popup\"><div class=\"station-popup-title\">" + esc(s.name) + "</div>" +
      "<table>" + line("类型", s.kindLabel) + line("服务", s.services.join("、")) +
      line("开放时间", s.hours) + line("地址", s.address) + "</table>" + grid + "</div>";
  }

  function marker(s) {
    var m = L.circleMarker([s.lat, s.lon], {
      pane: PANE, radius: s.radius, color: "#ffffff", weight: 1.5, fillColor: s.color,
      fillOpacity: 0.95, className: "station-marker station-" + s.kind
    });
    m.bindTooltip(function () { return esc(s.name); });
    m.bindPopup(function () { return popupHtml(s); }, { maxWidth: 320 });
    return m;
  }

  function setup(map, layer, conf) {
    Object.keys(conf || {}).forEach(function (k) { config[k] = conf[k]; });
    if (!map.getPane(PANE)) map.createPane(PANE).style.zIndex = 450;  /* above the grids */
    config.points.forEach(function (row) { marker(station(row)).addTo(layer); });
  }

  window.StationMap = { setup: setup, popupHtml: popupHtml, station: station };
})();
