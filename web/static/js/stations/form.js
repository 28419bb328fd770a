/* 驿站管理 form (ES module): the location picker (lib/pickmap.js). A tap on the map, or
 * dragging the pin, fills 经度/纬度 in the map's datum and sets 坐标系 to it (gcj02 over GCJ-02
 * tiles, else wgs84; the server converts to WGS84); typing lon/lat (in the chosen 坐标系)
 * moves the pin. The grid under a picked or typed point is looked up (/api/v1/locate) and
 * shown. The other active stations are drawn by stationlayer.js (popups escaped). Without
 * Leaflet the typed fields are all there is. Text from data is set with textContent. */

import { fromCrs } from "../lib/datum.js";
import { $ } from "../lib/dom.js";
import { api } from "../lib/http.js";
import { create } from "../lib/pickmap.js";
import { allStations, markers } from "./stationlayer.js";

const box = $("station-map");
const cfg = box ? box.dataset : {};
const lonField = $("lon"), latField = $("lat"), crsField = $("crs"), status = $("pick-status");
let asked = 0;

function say(text, tone) {
  status.textContent = text;
  status.className = "form-text mb-0" + (tone ? " text-" + tone : "");
}

/* WGS84 [lon, lat] of the typed point, null when the fields do not hold one. */
function typed() {
  const lon = lonField.value.trim(), lat = latField.value.trim();
  if (!lon || !lat || !isFinite(Number(lon)) || !isFinite(Number(lat))) return null;
  if (Math.abs(Number(lon)) > 180 || Math.abs(Number(lat)) > 90) return null;
  return fromCrs(Number(lon), Number(lat), crsField.value);
}

function describe(loc) {
  const where = "选定位置所在网格：" + loc.community_name + " " + loc.grid_name + "（" + loc.grid_code + "）";
  if (cfg.scope && loc.grid_code.indexOf(cfg.scope) !== 0) {
    say(where + "，不在您的管辖范围内，保存时会被拒绝。", "danger");
  } else {
    say(where, "success");
  }
}

/* The grid of the fields' point; only the latest answer is shown. */
async function locate() {
  if (!typed()) { say(""); return; }
  const ticket = ++asked;
  const url = cfg.locate + "?lon=" + encodeURIComponent(lonField.value.trim()) +
    "&lat=" + encodeURIComponent(latField.value.trim()) + "&crs=" + encodeURIComponent(crsField.value);
  try {
    const res = await api("GET", url);
    if (ticket !== asked) return;
    const e = res.data && res.data.error;
    if (res.ok) describe(res.data);
    else if (!e || e.code === "outside_grids") say("选定位置不在任何网格内。", "warning");
    else say(e.message, "danger");
  } catch {
    if (ticket === asked) say("");
  }
}

async function drawOthers(picker) {
  const others = L.layerGroup().addTo(picker.map);
  const drawn = markers(picker.map, others, await allStations(cfg.stations), picker.shown, {
    kinds: JSON.parse(cfg.kinds || "[]"), gridUrl: cfg.gridUrl, skip: Number(cfg.exclude) || null });
  drawn.forEach((m) => { m.options.bubblingMouseEvents = false; });  /* popup, no pick */
}

function setup() {
  const start = typed();
  box.hidden = false;
  $("pick-hint").hidden = false;
  const picker = create(box, {
    outlines: cfg.outlines, tileUrl: cfg.tileUrl, tileAttribution: cfg.tileAttribution,
    datum: cfg.datum, centre: start ? [start[1], start[0]] : null, scope: cfg.scope || null,
    draggable: true, label: cfg.label, onError: (message) => say(message, "warning"),
    onPick(lat, lon) {  /* a tap or a drag, in the map's datum */
      lonField.value = lon.toFixed(6);
      latField.value = lat.toFixed(6);
      crsField.value = picker.shown.datum;
      locate();
    },
  });
  box.picker = picker;  /* the page's picker, for whoever holds the element */
  const follow = () => { const p = typed(); if (p) picker.mark(p[1], p[0], true); };
  [lonField, latField].forEach((field) => {
    field.addEventListener("input", follow);
    field.addEventListener("change", locate);
  });
  crsField.addEventListener("change", () => { follow(); locate(); });
  drawOthers(picker).catch(() => say("其他驿站加载失败。", "warning"));
}

if (box && window.L) setup();
