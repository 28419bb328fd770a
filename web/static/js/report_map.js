/* 随手拍 map fallback: district outlines and grids (WGS84) on a light Leaflet map, no tiles
 * unless configured; a tap reports (lat, lon). Loaded by report.js only when needed.
 * Grid names come from data: they are escaped before becoming tooltip HTML. */
(function () {
  "use strict";

  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return ESCAPES[c];
    });
  }

  function tooltipHtml(p) {
    return esc(p.name) + (p.community_name ? "<br>" + esc(p.community_name) : "");
  }

  function drawOutlines(map, data, fit) {
    var grids = L.geoJSON(data.grids, {
      style: { color: "#0d6efd", weight: 0.6, fillOpacity: 0.08 },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(tooltipHtml(f.properties), { sticky: true });
      }
    }).addTo(map);
    L.geoJSON(data.districts, { interactive: false,
      style: { color: "#555555", weight: 2, dashArray: "6 4", fill: false } }).addTo(map);
    if (fit && grids.getBounds().isValid()) map.fitBounds(grids.getBounds());
  }

  /* opts: {outlines, tileUrl, tileAttribution, centre: [lat, lon] | null, onTap(lat, lon),
   *        onError(message)}; returns {mark(lat, lon, pan), resize()}. */
  function create(el, opts) {
    var marker = null;
    var map = L.map(el, { zoomControl: true, attributionControl: !!opts.tileUrl })
      .setView(opts.centre || [45.7711, 131.0031], opts.centre ? 16 : 12);
    if (opts.tileUrl) {
      L.tileLayer(opts.tileUrl, { attribution: esc(opts.tileAttribution), maxZoom: 19 }).addTo(map);
    }

    function mark(lat, lon, pan) {
      if (marker) marker.setLatLng([lat, lon]);
      else marker = L.circleMarker([lat, lon], { radius: 9, color: "#dc3545", weight: 3,
                                                 fillOpacity: 0.6, interactive: false }).addTo(map);
      if (pan) map.panTo([lat, lon]);
    }

    map.on("click", function (e) {
      mark(e.latlng.lat, e.latlng.lng, false);
      opts.onTap(e.latlng.lat, e.latlng.lng);
    });
    if (opts.centre) mark(opts.centre[0], opts.centre[1], false);
    fetch(opts.outlines, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { drawOutlines(map, data, !opts.centre); })
      .catch(function () { opts.onError("网格边界加载失败，仍可在地图上点选。"); });
    return { mark: mark, resize: function () { map.invalidateSize(); } };
  }

  window.ReportMap = { create: create, tooltipHtml: tooltipHtml };
})();
