/* 随手拍 map fallback: district outlines and grids on a light Leaflet map, no tiles unless
 * configured; a tap reports (lat, lon) in the map's datum. Loaded by report.js only when
 * needed, after Leaflet and datum.js: outlines and the GPS mark come in WGS84 and are drawn
 * in opts.datum (gcj02 over GCJ-02 tiles). Grid names come from data: they are escaped
 * before becoming tooltip HTML. */
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

  function drawOutlines(map, data, shown, fit) {
    var grids = L.geoJSON(shown.geojson(data.grids), {
      style: { color: "#0d6efd", weight: 0.6, fillOpacity: 0.08 },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(tooltipHtml(f.properties), { sticky: true });
      }
    }).addTo(map);
    L.geoJSON(shown.geojson(data.districts), { interactive: false,
      style: { color: "#555555", weight: 2, dashArray: "6 4", fill: false } }).addTo(map);
    if (fit && grids.getBounds().isValid()) map.fitBounds(grids.getBounds());
  }

  /* opts: {outlines, tileUrl, tileAttribution, datum, centre: WGS84 [lat, lon] | null,
   *        onTap(lat, lon) in datum, onError(message)}; returns {mark(lat, lon, pan) of a
   *        WGS84 point, resize()}. */
  function create(el, opts) {
    var marker = null;
    var shown = window.Datum.create(opts.datum);
    var centre = opts.centre ? shown.latLng(opts.centre[0], opts.centre[1]) : null;
    var map = L.map(el, { zoomControl: true, attributionControl: !!opts.tileUrl })
      .setView(centre || shown.latLng(45.7711, 131.0031), centre ? 16 : 12);
    if (opts.tileUrl) {
      L.tileLayer(opts.tileUrl, { attribution: esc(opts.tileAttribution), maxZoom: 19 }).addTo(map);
    }

    function place(at, pan) {  /* at: [lat, lon] as drawn */
      if (marker) marker.setLatLng(at);
      else marker = L.circleMarker(at, { radius: 9, color: "#dc3545", weight: 3,
                                         fillOpacity: 0.6, interactive: false }).addTo(map);
      if (pan) map.panTo(at);
    }

    map.on("click", function (e) {
      place([e.latlng.lat, e.latlng.lng], false);
      opts.onTap(e.latlng.lat, e.latlng.lng);
    });
    if (centre) place(centre, false);
    fetch(opts.outlines, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { drawOutlines(map, data, shown, !centre); })
      .catch(function () { opts.onError("网格边界加载失败，仍可在地图上点选。"); });
    return {
      mark: function (lat, lon, pan) { place(shown.latLng(lat, lon), pan); },
      resize: function () { map.invalidateSize(); }
    };
  }

  window.ReportMap = { create: create, tooltipHtml: tooltipHtml };
})();
