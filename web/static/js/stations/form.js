/* 驿站管理 form: the location picker (PickMap, pickmap.js). A tap on the map, or dragging the
 * pin, fills 经度/纬度 in the map's datum and sets 坐标系 to it (gcj02 over GCJ-02 tiles, else
 * wgs84; the server converts to WGS84); typing lon/lat (in the chosen 坐标系) moves the pin.
 * The grid under a picked or typed point is looked up (/api/v1/locate) and shown. The other
 * active stations are drawn by StationMap (stationmap.js, popups escaped by GridMap.esc).
 * Without Leaflet the typed fields are all there is. Text from data is set with textContent
 * or escaped. */
(function () {
  "use strict";

  var el = document.getElementById("station-map");
  if (!el || !window.L || !window.PickMap || !window.Datum) return;
  var cfg = el.dataset;
  var lonField = document.getElementById("lon");
  var latField = document.getElementById("lat");
  var crsField = document.getElementById("crs");
  var status = document.getElementById("pick-status");
  var asked = 0;

  function say(text, tone) {
    status.textContent = text;
    status.className = "form-text mb-0" + (tone ? " text-" + tone : "");
  }

  /* WGS84 [lon, lat] of the typed point, null when the fields do not hold one. */
  function typed() {
    var lon = lonField.value.trim(), lat = latField.value.trim();
    if (!lon || !lat || !isFinite(Number(lon)) || !isFinite(Number(lat))) return null;
    if (Math.abs(Number(lon)) > 180 || Math.abs(Number(lat)) > 90) return null;
    return window.Datum.fromCrs(Number(lon), Number(lat), crsField.value);
  }

  function describe(loc) {
    var where = "选定位置所在网格：" + loc.community_name + " " + loc.grid_name + "（" + loc.grid_code + "）";
    if (cfg.scope && loc.grid_code.indexOf(cfg.scope) !== 0) {
      say(where + "，不在您的管辖范围内，保存时会被拒绝。", "danger");
    } else {
      say(where, "success");
    }
  }

  /* The grid of the fields' point; only the latest answer is shown. */
  function locate() {
    if (!typed()) { say(""); return; }
    var ticket = ++asked;
    var url = cfg.locate + "?lon=" + encodeURIComponent(lonField.value.trim()) +
      "&lat=" + encodeURIComponent(latField.value.trim()) + "&crs=" + encodeURIComponent(crsField.value);
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (ticket !== asked) return;
      var e = res.body && res.body.error;
      if (res.ok) describe(res.body);
      else if (!e || e.code === "outside_grids") say("选定位置不在任何网格内。", "warning");
      else say(e.message, "danger");
    }).catch(function () { if (ticket === asked) say(""); });
  }

  function pick(lat, lon) {  /* a tap or a drag, in the map's datum */
    lonField.value = lon.toFixed(6);
    latField.value = lat.toFixed(6);
    crsField.value = picker.shown.datum;
    locate();
  }

  function follow() {
    var p = typed();
    if (p) picker.mark(p[1], p[0], true);
  }

  var start = typed();
  el.hidden = false;
  document.getElementById("pick-hint").hidden = false;
  var picker = window.PickMap.create(el, {
    outlines: cfg.outlines, tileUrl: cfg.tileUrl, tileAttribution: cfg.tileAttribution,
    datum: cfg.datum, centre: start ? [start[1], start[0]] : null, scope: cfg.scope || null,
    draggable: true, label: cfg.label, onPick: pick,
    onError: function (message) { say(message, "warning"); }
  });
  var others = L.layerGroup().addTo(picker.map);
  window.StationMap.setup(picker.map, others,
                          JSON.parse(document.getElementById("station-map-stations").textContent));
  others.eachLayer(function (m) { m.options.bubblingMouseEvents = false; });  /* popup, no pick */

  [lonField, latField].forEach(function (field) {
    field.addEventListener("input", follow);
    field.addEventListener("change", locate);
  });
  crsField.addEventListener("change", function () { follow(); locate(); });
  window.StationForm = { picker: picker };
})();
