/* gridgov dispatcher's page — the selected demand: its details (textContent only), its dot
 * and its grid on the map (from the grid API, WGS84, drawn in the map's datum). */

import { esc, fill, localTime } from "../lib/text.js";
import { $, el } from "../lib/dom.js";
import { api } from "../lib/http.js";
import { focusStyle } from "../lib/styles.js";
import { age, badge, config, sayMessage, state } from "./state.js";
import { markCurrent } from "./queue.js";
import { loadCandidates } from "./candidates.js";

function row(dl, label, value, href) {
  dl.appendChild(el("dt", null, label));
  const dd = el("dd");
  if (href) {
    const a = el("a", null, value);
    a.href = href;
    dd.appendChild(a);
  } else {
    dd.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
  }
  dl.appendChild(dd);
}

function renderDetail(d) {
  const box = $("demand-detail");
  box.textContent = "";
  box.className = "demand-detail";
  const head = el("div");
  if (d.urgent) head.appendChild(badge("badge-urgent", "紧急"));
  if (d.overdue) head.appendChild(badge("badge-overdue", "超期"));
  head.appendChild(el("span", "demand-detail-title", d.title));
  box.appendChild(head);
  const dl = el("dl");
  row(dl, "编号", d.code, fill(config.demandPageUrl, d.code));
  row(dl, "分类", d.category_code + " " + d.category_name);
  row(dl, "网格", d.grid_code + " " + (d.grid_name || ""), fill(config.gridPageUrl, d.grid_code));
  row(dl, "社区", (d.community_name || "—") + " · " + (d.street_name || "—"));
  row(dl, "地址", d.address);
  row(dl, "来源", d.source_label);
  row(dl, "登记", localTime(d.created_at) + "（已等待 " + age(d) + "）");
  row(dl, "时限", localTime(d.deadline));
  if (d.joined_residents > 0) row(dl, "附议", d.joined_residents + " 人");
  box.appendChild(dl);
  if (d.description) box.appendChild(el("p", "d-description", d.description));
  box.hidden = false;
  $("detail-empty").hidden = true;
}

/** Forget the selected demand: its details, candidates and drawings. */
export function clearSelection() {
  Object.assign(state, { selected: null, candidates: [], picked: -1, marks: [] });
  state.seq += 1;
  state.overlay.clearLayers();
  $("demand-detail").hidden = true;
  $("detail-empty").hidden = false;
  $("candidate-list").textContent = "";
  $("candidates-note").textContent = "";
  markCurrent();
}

async function loadGrid(item, seq) {
  const res = await api("GET", fill(config.gridApiUrl, item.grid_code));
  if (seq !== state.seq || !res.ok) return;
  const grid = L.geoJSON(state.shown.geojson(res.data), { interactive: false, style: focusStyle });
  state.overlay.addLayer(grid);
  grid.bringToBack();
}

/** Select a queue item: show it, centre the map on it, load its grid and candidates. */
export function open(item) {
  Object.assign(state, { selected: item, gone: false, candidates: [], picked: -1, marks: [] });
  const seq = (state.seq += 1);
  markCurrent();
  renderDetail(item);
  sayMessage("");
  $("candidate-list").textContent = "";
  $("candidates-note").textContent = "正在计算候选人员…";
  state.overlay.clearLayers();
  const at = state.shown.latLng(item.lat, item.lon);
  L.circleMarker(at, {
    radius: 10, color: "#ffffff", weight: 3, fillColor: "#c62828", fillOpacity: 1, className: "demand-dot",
  }).bindTooltip(() => "<strong>" + esc(item.title) + "</strong>").addTo(state.overlay);
  // no animation: Leaflet ignores a fitBounds that arrives while a zoom is still animating
  state.map.setView(at, Math.max(state.map.getZoom(), 15), { animate: false });
  loadGrid(item, seq).catch(() => {});
  loadCandidates(item, seq);
}
