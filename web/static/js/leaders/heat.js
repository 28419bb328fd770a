/* gridgov leaders' map (/leaders; ES module): the heat layer in the group `heat`, from
 * GET /api/v1/heat?…&weekly=true — one weighted point per grid (its inner point, WGS84,
 * shifted to the basemap's datum), never one per demand — drawn with the vendored
 * Leaflet.heat (window.L.heatLayer), and a week slider / play button over the weekly frames
 * (0 = the whole period). */

import { mapContext } from "../lib/foliummap.js";
import { api, errorText, fieldErrors } from "../lib/http.js";
import { number } from "../lib/text.js";
import { $ } from "../lib/dom.js";
import { filterForm, query } from "./filters.js";

const ctx = mapContext();
const slider = $("heat-week");
const button = $("heat-play");
const STEP_MS = 900;
const state = { data: null, points: [], layer: null, timer: null, weekMax: 1 };

function layer() {
  if (!state.layer) {
    state.layer = L.heatLayer([], {
      radius: 22, blur: 18, maxZoom: 13, minOpacity: 0.25,
      gradient: { 0.3: "#2c7bb6", 0.5: "#abd9e9", 0.7: "#ffffbf", 0.85: "#fdae61", 1: "#d7191c" },
    }).addTo(ctx.groups.heat);
  }
  return state.layer;
}

/** Return the heat points [lat, lon, weight] of `cells` ([grid index, count]). */
function points(cells) {
  return cells.map(([i, n]) => [...state.points[i], n]);
}

function showFrame(t) {
  const d = state.data;
  const frame = t > 0 ? d.weeks[t - 1] : d;
  layer().setOptions({ max: Math.max(1, t > 0 ? state.weekMax : d.max) });
  layer().setLatLngs(points(frame.cells));
  const label = t > 0 ? frame.week + "（" + frame.start + " 起）" : "全部时段";
  $("heat-status").textContent = label + "：" + number(frame.total) + " 件诉求，" +
    frame.cells.length + " 个网格有诉求";
  slider.setAttribute("aria-valuetext", label);
}

function stop() {
  clearInterval(state.timer);
  state.timer = null;
  button.textContent = "▶ 播放";
  button.setAttribute("aria-pressed", "false");
}

function play() {
  if (state.timer) return stop();
  if (!state.data || !state.data.weeks || !state.data.weeks.length) return;
  button.textContent = "⏸ 暂停";
  button.setAttribute("aria-pressed", "true");
  state.timer = setInterval(() => {
    const next = (Number(slider.value) % state.data.weeks.length) + 1;
    slider.value = String(next);
    showFrame(next);
  }, STEP_MS);
}

async function fetchHeat() {
  let res = await api("GET", ctx.config.urls.heat + "?" + query({ weekly: "true" }))
    .catch(() => null);
  if (res && !res.ok && fieldErrors(res).weekly) { // too many weeks: the whole period only
    res = await api("GET", ctx.config.urls.heat + "?" + query()).catch(() => null);
  }
  return res;
}

async function load() {
  stop();
  $("heat-status").textContent = "正在统计…";
  const res = await fetchHeat();
  if (!res || !res.ok) {
    $("heat-status").textContent = res ? errorText(res, "热力图未完成：") : "网络错误";
    return;
  }
  state.data = res.data;
  state.points = res.data.grids.map((g) => ctx.shown.latLng(g.lat, g.lon));
  const weeks = res.data.weeks || [];
  state.weekMax = Math.max(1, ...weeks.map((w) => w.max));
  slider.max = String(weeks.length);
  slider.value = "0";
  slider.disabled = button.disabled = !weeks.length;
  showFrame(0);
  if (!weeks.length) $("heat-status").textContent += "（时段超过 26 周，不能逐周播放）";
}

slider.addEventListener("input", () => {
  stop();
  if (state.data) showFrame(Number(slider.value));
});
button.addEventListener("click", play);
filterForm().addEventListener("change", load);
load();
