/* gridgov pick map: a point picked on a light Leaflet map of the city — district outlines and
 * grids (/report/outlines.json), no tiles unless configured. Shared by 随手拍's tap-on-the-map
 * fallback (report.js, which loads it only when needed) and the location picker of the
 * 驿站管理 form (station_form.js). Needs Leaflet and datum.js: outlines and points come in
 * WGS84 and are drawn in opts.datum (gcj02 over GCJ-02 tiles); a pick is reported in that
 * datum, to be sent with crs=<datum>. Text from data (grid names, the marker's label) is
 * escaped with esc() before it becomes tooltip HTML. */
(function () {
  "use strict";

  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  var CITY_CENTRE = [45.7711, 131.0031];  /* WGS84 [lat, lon]: the municipal government */
  var IN_SCOPE = { color: "#0d6efd", weight: 0.6, fillOpacity: 0.08, className: "pick-grid" };
  var OUT_OF_SCOPE = { color: "#6c757d", weight: 0.4, fillOpacity: 0.02,
                       className: "pick-grid pick-grid-out" };

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return ESCAPES[c];
    });
  }

  function tooltipHtml(p) {
    return esc(p.name) + (p.community_name ? "<br>" + esc(p.community_name) : "");
  }

  function inScope(scope, p) {
    return !scope || String(p.code).indexOf(scope) === 0;
  }

  /* Grids (those outside opts.scope greyed) and district outlines; fit the view to the grids
   * in scope when `fit`. */
  function drawOutlines(map, data, shown, scope, fit) {
    var bounds = L.latLngBounds([]);
    L.geoJSON(shown.geojson(data.grids), {
      style: function (f) { return inScope(scope, f.properties) ? IN_SCOPE : OUT_OF_SCOPE; },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(tooltipHtml(f.properties), { sticky: true });
        if (inScope(scope, f.properties)) bounds.extend(layer.getBounds());
      }
    }).addTo(map);
    L.geoJSON(shown.geojson(data.districts), { interactive: false,
      style: { color: "#555555", weight: 2, dashArray: "6 4", fill: false } }).addTo(map);
    if (fit && bounds.isValid()) map.fitBounds(bounds);
  }

  /* opts: {outlines, tileUrl, tileAttribution, datum, centre: WGS84 [lat, lon] | null,
   *        scope: a code prefix whose grids stand out (none: all), draggable: a pin that can be
   *        dragged instead of a dot, label: the pin's tooltip text,
   *        onPick(lat, lon) in datum (a tap, or the end of a drag), onError(message)};
   * returns {map, shown (Datum.create(datum)), mark(lat, lon, pan) of a WGS84 point,
   *          resize()}. */
  function create(el, opts) {
    var marker = null;
    var shown = window.Datum.create(opts.datum);
    var centre = opts.centre ? shown.latLng(opts.centre[0], opts.centre[1]) : null;
    var map = L.map(el, { zoomControl: true, attributionControl: !!opts.tileUrl })
      .setView(centre || shown.latLng(CITY_CENTRE[0], CITY_CENTRE[1]), centre ? 16 : 12);
    if (opts.tileUrl) {
      L.tileLayer(opts.tileUrl, { attribution: esc(opts.tileAttribution), maxZoom: 19 }).addTo(map);
    }

    function newMarker(at) {
      if (!opts.draggable) {
        return L.circleMarker(at, { radius: 9, color: "#dc3545", weight: 3, fillOpacity: 0.6,
                                    interactive: false });
      }
      var pin = L.marker(at, { draggable: true, autoPan: true, alt: "选定的位置" });
      pin.on("dragend", function () {
        var p = pin.getLatLng();
        opts.onPick(p.lat, p.lng);
      });
      if (opts.label) pin.bindTooltip(esc(opts.label), { direction: "top", offset: [0, -36] });
      return pin;
    }

    function place(at, pan) {  /* at: [lat, lon] as drawn */
      if (marker) marker.setLatLng(at);
      else marker = newMarker(at).addTo(map);
      if (pan) map.panTo(at);
    }

    map.on("click", function (e) {
      place([e.latlng.lat, e.latlng.lng], false);
      opts.onPick(e.latlng.lat, e.latlng.lng);
    });
    if (centre) place(centre, false);
    fetch(opts.outlines, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { drawOutlines(map, data, shown, opts.scope, !centre); })
      .catch(function () { opts.onError("网格边界加载失败，仍可在地图上点选。"); });
    return {
      map: map,
      shown: shown,
      mark: function (lat, lon, pan) { place(shown.latLng(lat, lon), pan); },
      resize: function () { map.invalidateSize(); }
    };
  }

  window.PickMap = { create: create, esc: esc, tooltipHtml: tooltipHtml };
})();
