/* 随手拍 (ES module): location (GPS, or a tap on the map when refused) + photo + category →
 * one POST. Coordinates are WGS84 from navigator.geolocation; map taps are in the map's datum
 * (data-datum: gcj02 over GCJ-02 tiles, else wgs84) and sent with it as crs. Leaflet and the
 * pick map are loaded only when the map is needed. Text from data is set with textContent. */

import { $ } from "../lib/dom.js";
import { api, csrfToken, newKey } from "../lib/http.js";
import { loadLeaflet } from "../lib/leaflet.js";
import { shrink } from "../lib/photos.js";
import { create as myReports } from "./mine.js";
import { create as nearStations } from "./stations.js";

const root = $("report");
if (root) {
  var cfg = root.dataset;
  var mine = myReports(cfg.follow, $("my-reports"), $("my-empty"));
  var near = nearStations($("stations"), $("station-list"), $("station-status"), cfg.stations);
  var t0 = window.performance ? performance.now() : Date.now();
  var state = { lon: null, lat: null, accuracy: null, via: null, inside: null,
                busy: false, key: null, shrunk: null, map: null, mapLoading: false };

  function now() { return window.performance ? performance.now() : Date.now(); }

  function show(el, on) { el.hidden = !on; }

  function setStatus(text, kind) {
    var el = $("loc-status");
    el.textContent = text;
    el.className = "status" + (kind ? " " + kind : "");
  }

  /* ---- 1. location ---------------------------------------------------------------- */

  function describeGrid(loc) {
    return loc.grid_name + "（" + loc.community_name + " · " + loc.street_name + "）";
  }

  function locate(lon, lat, crs) {
    var url = cfg.locate + "?lon=" + encodeURIComponent(lon) + "&lat=" + encodeURIComponent(lat) +
      "&crs=" + encodeURIComponent(crs || "wgs84");
    return api("GET", url).then(function (res) { return { ok: res.ok, body: res.data }; });
  }

  function setLocation(lon, lat, accuracy, via) {
    state.lon = lon; state.lat = lat; state.accuracy = accuracy; state.via = via;
    state.inside = null;  /* unknown until /locate answers */
    state.key = null;
    var where = via === "gps" ? "已定位（GPS，精度约 " + Math.round(accuracy) + " 米）" : "已在地图上选点";
    setStatus(where, accuracy && accuracy > 200 ? "warn" : "ok");
    if (accuracy && accuracy > 200) $("loc-grid").textContent = "定位精度较差，建议在地图上选点。";
    near.show(lon, lat, crsOf(via));
    locate(lon, lat, crsOf(via)).then(function (res) {
      if (state.lon !== lon || state.lat !== lat) return;
      state.inside = res.ok;
      $("loc-grid").textContent = res.ok ? "所在网格：" + describeGrid(res.body)
        : "该位置不在本市网格范围内，请在地图上重新选点。";
      if (!res.ok) openMap();
    }).catch(function () { state.inside = null; });
  }

  function crsOf(via) {
    return via === "map" ? (cfg.datum || "wgs84") : "wgs84";
  }

  function requestLocation() {
    if (!navigator.geolocation) {
      setStatus("此浏览器不能定位，请在地图上点选位置", "warn");
      openMap();
      return;
    }
    setStatus("正在获取位置…");
    navigator.geolocation.getCurrentPosition(function (pos) {
      setLocation(pos.coords.longitude, pos.coords.latitude, pos.coords.accuracy, "gps");
      if (state.map) state.map.mark(pos.coords.latitude, pos.coords.longitude, true);
    }, function (err) {
      var why = err && err.code === 1 ? "未获得定位权限" : "暂时无法定位";
      setStatus(why + "，请在地图上点选问题位置", "warn");
      openMap();
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  /* ---- the tap-on-the-map fallback (Leaflet + pickmap.js loaded only when needed) ---- */

  function loadMap(done) {
    Promise.all([loadLeaflet(cfg.leafletJs, cfg.leafletCss), import("../lib/pickmap.js")])
      .then(function (got) { done(got[1]); }, function () {
        state.mapLoading = false;
        setStatus("地图加载失败，请重新定位", "warn");
      });
  }

  function buildMap(pickmap) {
    state.map = pickmap.create($("tap-map"), {
      outlines: cfg.outlines, tileUrl: cfg.tileUrl, tileAttribution: cfg.tileAttribution,
      datum: cfg.datum, centre: state.via === "gps" ? [state.lat, state.lon] : null,
      onPick: function (lat, lon) { setLocation(lon, lat, null, "map"); },
      onError: function (message) { $("tap-hint").textContent = message; }
    });
  }

  function openMap() {
    show($("tap-map"), true);
    show($("tap-hint"), true);
    if (state.map) { state.map.resize(); return; }
    if (state.mapLoading) return;
    state.mapLoading = true;
    loadMap(buildMap);
  }

  /* ---- 2. photo, 3. category ---------------------------------------------------------- */

  function onPhoto() {
    var file = $("photo").files[0];
    var img = $("photo-preview");
    if (!file) { show(img, false); $("photo-status").textContent = "请拍一张现场照片"; return; }
    if (img.src) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(file);
    show(img, true);
    $("photo-status").textContent = "已选择照片（" + Math.round(file.size / 1024) + " KB）";
  }

  function chosenCategory() {
    var pressed = root.querySelector('.cat[aria-pressed="true"]');
    if (pressed) return { code: pressed.dataset.code, name: pressed.dataset.name };
    var sel = $("category-other");
    if (!sel.value) return null;
    var text = sel.options[sel.selectedIndex].text;
    return { code: sel.value, name: text };
  }

  function pressCategory(btn) {
    state.key = null;
    root.querySelectorAll(".cat").forEach(function (b) {
      b.setAttribute("aria-pressed", b === btn ? "true" : "false");
    });
    if (btn) $("category-other").value = "";
  }

  /* ---- submit -------------------------------------------------------------------------- */

  function photoFor(file) {
    /* The same bytes on a retry, so the Idempotency-Key matches the first attempt. */
    if (state.shrunk && state.shrunk.file === file) return Promise.resolve(state.shrunk.blob);
    /* Re-encode big photos to <= 1600 px JPEG (faster upload); keep the original when the
     * location is unknown, so the server can read its EXIF GPS. */
    return shrink(file, state.lat === null).then(function (blob) {
      state.shrunk = { file: file, blob: blob };
      return blob;
    });
  }

  function fail(message) {
    var el = $("form-error");
    el.textContent = message;
    show(el, true);
    el.scrollIntoView({ block: "center" });
  }

  function problems(cat, file) {
    if (state.lat !== null && state.inside === false) {
      return "所选位置不在本市网格内，请在地图上重新选点。";
    }
    if (!cat) return "请选择问题类别。";
    if (!file) return "请拍一张现场照片。";
    if (state.lat === null && !confirm("还没有位置：将尝试使用照片中的 GPS 位置，继续提交吗？")) {
      return "请定位或在地图上点选位置。";
    }
    return null;
  }

  function errorText(body, status) {
    var e = body && body.error;
    if (!e) return "提交失败（" + status + "），请稍后重试。";
    var fields = e.fields ? Object.keys(e.fields).map(function (k) { return e.fields[k]; }) : [];
    return "提交失败：" + (fields.length ? fields.join("；") : e.message);
  }

  function formData(cat, photo, file) {
    var fd = new FormData();
    var text = $("description").value.trim();
    fd.append("title", "随手拍·" + cat.name);
    fd.append("description", text);
    fd.append("category", cat.code);
    fd.append("source", "rider_snapshot");
    if (state.lat !== null) {
      fd.append("lon", String(state.lon));
      fd.append("lat", String(state.lat));
      fd.append("crs", crsOf(state.via));
    }
    fd.append("photos", photo, (file.name || "photo.jpg").slice(-60));
    return fd;
  }

  function submit(ev) {
    ev.preventDefault();
    if (state.busy) return;
    show($("form-error"), false);
    var cat = chosenCategory();
    var file = $("photo").files[0];
    var problem = problems(cat, file);
    if (problem) { fail(problem); return; }
    state.busy = true;
    state.key = state.key || newKey();
    var button = $("submit");
    button.disabled = true; button.textContent = "正在提交…";
    photoFor(file).then(function (photo) {
      return fetch(cfg.api, { method: "POST", body: formData(cat, photo, file),
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "Idempotency-Key": state.key, "Accept": "application/json" } });
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) {
        if (r.status === 201 || r.status === 200) done(body);
        else fail(errorText(body, r.status));
      });
    }).catch(function () {
      fail("网络异常，请检查网络后再点“提交”（不会重复上报）。");
    }).then(function () {
      state.busy = false; button.disabled = false; button.textContent = "提交";
    });
  }

  /* ---- confirmation ---------------------------------------------------------------------- */

  function done(body) {
    var seconds = (now() - t0) / 1000;
    var cat = chosenCategory() || {};
    var grid = body.grid_code;
    $("result-code").textContent = body.code;
    $("result-grid").textContent = grid;
    $("result-state").textContent = body.joined ? "相同问题已有人上报，已合并办理（" + body.joined + "）"
      : (body.state === "dispatched" ? "已派单" : "已受理");
    show($("result-credit"), !!body.reporter_member_id);
    $("result-time").textContent = "本次上报用时 " + seconds.toFixed(1) + " 秒";
    $("result").dataset.seconds = seconds.toFixed(2);
    $("result-follow").href = mine.followUrl(body.code, body.follow_token);
    mine.remember({ code: body.code, token: body.follow_token, category: cat.name, grid: grid,
                    at: new Date().toISOString() });
    mine.render();
    show($("report-form"), false);
    show($("result"), true);
    $("result").focus();
    locate(body.lon, body.lat, "wgs84").then(function (res) {
      if (res.ok) $("result-grid").textContent = describeGrid(res.body) + " " + grid;
    }).catch(function () { /* the code stays shown */ });
  }

  function again() {
    state.key = null;
    $("report-form").reset();
    pressCategory(null);
    onPhoto();
    show($("result"), false);
    show($("report-form"), true);
    t0 = now();
    requestLocation();
  }

  root.querySelectorAll(".cat").forEach(function (b) {
    b.addEventListener("click", function () { pressCategory(b); });
  });
  $("category-other").addEventListener("change", function () { if (this.value) pressCategory(null); });
  $("photo").addEventListener("change", onPhoto);
  $("loc-retry").addEventListener("click", requestLocation);
  $("loc-map").addEventListener("click", openMap);
  $("report-form").addEventListener("submit", submit);
  $("report-again").addEventListener("click", again);
  ["input", "change"].forEach(function (type) {  /* a changed report is a new request */
    $("report-form").addEventListener(type, function () { state.key = null; });
  });
  mine.render();
  requestLocation();
}
