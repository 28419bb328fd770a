/* gridgov dispatcher's page — candidates and assignment: the ranked units (textContent only),
 * lines to them labelled by distance (tooltips escaped), picking one, assigning (a unit
 * outside the responsible ones asks for a note first). */

import { esc, fill } from "../lib/text.js";
import { $, el } from "../lib/dom.js";
import { api, errorText } from "../lib/http.js";
import { config, metres, sayMessage, state } from "./state.js";
import { checkSelected, cursorIndex, drawQueue, queueButtons, refresh, renderQueue } from "./queue.js";
import { clearSelection } from "./detail.js";
import { askNote } from "./keys.js";

function candidateText(c) {
  const duty = c.on_duty ? "在岗" : "不在岗";
  const dept = c.department_code ? config.departments[c.department_code] || c.department_code : "";
  return [c.kind_label + (dept ? "（" + dept + "）" : ""), duty,
    "距离 " + metres(c.distance_m), "在办 " + c.workload + " 件"].join(" · ");
}

function staleNote(c) {
  return c.position_age_s === null ? "无位置记录"
    : "位置已过时（" + Math.round(c.position_age_s / 60) + " 分钟前）";
}

function candidateItem(c, i) {
  const li = el("li", "candidate" + (c.responsible ? "" : " not-responsible"));
  li.id = "candidate-" + (i + 1);
  li.appendChild(el("span", "c-rank", i + 1)).setAttribute("aria-hidden", "true");
  const info = el("div");
  info.appendChild(el("div", "c-name", c.name));
  info.appendChild(el("div", "c-meta", candidateText(c)));
  info.appendChild(el("div", "c-meta", c.reason));
  if (c.stale) info.appendChild(el("div", "c-warn", staleNote(c)));
  li.appendChild(info);
  const b = el("button", "btn btn-sm " + (c.responsible ? "btn-primary" : "btn-outline-secondary") + " candidate-assign", "派单");
  b.type = "button";
  b.setAttribute("aria-keyshortcuts", i < 9 ? String(i + 1) : "");
  b.setAttribute("aria-label", "派单给第 " + (i + 1) + " 位：" + c.name + "，" + candidateText(c) +
    (c.responsible ? "" : "，非责任人员，需说明理由"));
  b.addEventListener("click", () => assign(i));
  b.addEventListener("focus", () => pick(i, false));
  li.appendChild(b);
  li.addEventListener("click", (e) => { if (e.target !== b) pick(i, true); });
  return li;
}

function candidateMarks(c, i, from) {
  const colour = c.responsible ? "#0d6efd" : "#6c757d";
  const to = state.shown.latLng(c.lat, c.lon);
  const line = L.polyline([from, to], {
    color: colour, weight: 2, opacity: 0.85, dashArray: c.responsible ? null : "6 4", className: "cand-line",
  }).bindTooltip(esc(metres(c.distance_m)), { permanent: true, direction: "center", className: "distance-label" });
  const icon = L.divIcon({ className: "cand-icon" + (c.responsible ? "" : " not-responsible"),
                           html: esc(i + 1), iconSize: [24, 24] });
  const marker = L.marker(to, { icon, keyboard: false, title: c.name })
    .bindTooltip(() => "<strong>" + esc(i + 1) + ". " + esc(c.name) + "</strong><br>" +
                       esc(candidateText(c)) + "<br>" + esc(c.reason))
    .on("click", () => pick(i, true));
  state.overlay.addLayer(line);
  state.overlay.addLayer(marker);
  return { line, marker, to };
}

function drawCandidates(d) {
  const from = state.shown.latLng(d.lat, d.lon);
  const bounds = L.latLngBounds([from]);
  state.marks = state.candidates.map((c, i) => {
    if (c.lon === null || c.lon === undefined || c.lat === null) return null;
    const mark = candidateMarks(c, i, from);
    bounds.extend(mark.to);
    return mark;
  });
  if (bounds.isValid()) state.map.fitBounds(bounds, { padding: [40, 40], maxZoom: 16, animate: false });
}

/** Read and show the candidates of `item` (when `seq` is still the latest selection). */
export async function loadCandidates(item, seq) {
  const href = fill(config.candidatesUrl, item.code) + "?limit=" + encodeURIComponent(config.candidateLimit);
  let res;
  try {
    res = await api("GET", href);
  } catch {
    if (seq === state.seq) $("candidates-note").textContent = "网络错误：候选人员未能读取。";
    return;
  }
  if (seq !== state.seq) return;
  if (!res.ok) { $("candidates-note").textContent = errorText(res); return; }
  state.candidates = res.data.candidates || [];
  $("candidates-note").textContent = state.candidates.length
    ? "距离为" + (res.data.distance || "直线距离") : "没有可派的候选人员。";
  const list = $("candidate-list");
  list.textContent = "";
  state.candidates.forEach((c, i) => list.appendChild(candidateItem(c, i)));
  drawCandidates(item);
  checkSelected();
}

/** Pick candidate `i` (list and map marked); `focus` moves focus to its button. */
export function pick(i, focus) {
  if (i < 0 || i >= state.candidates.length) return;
  state.picked = i;
  const items = $("candidate-list").querySelectorAll(".candidate");
  items.forEach((item, k) => item.classList.toggle("is-picked", k === i));
  state.marks.forEach((m, k) => {
    if (!m) return;
    m.line.setStyle({ weight: k === i ? 5 : 2 });
    const node = m.marker.getElement();
    if (node) node.classList.toggle("is-picked", k === i);
  });
  if (focus) items[i].querySelector(".candidate-assign").focus();
}

/** Assign the selected demand to candidate `i` (with `note` when it is not responsible). */
export async function assign(i, note) {
  const c = state.candidates[i], d = state.selected;
  if (!c || !d || state.busy || state.gone) return;
  if (!c.responsible && !note) { askNote(c, (text) => assign(i, text)); return; }
  state.busy = true;
  sayMessage("正在派单给 " + c.name + "…", "info");
  const body = { action: "dispatch", to: { member: c.member_id } };
  if (note) body.note = note;
  let res;
  try {
    res = await api("POST", fill(config.transitionsUrl, d.code), body);
  } catch {
    sayMessage("网络错误：派单未完成，请重试。", "danger");
    return;
  } finally {
    state.busy = false;
  }
  const err = (res.data && res.data.error) || {};
  if (res.ok) { dispatched(d, c); return; }
  if (res.status === 422 && err.fields && err.fields.note && !note) {
    askNote(c, (text) => assign(i, text));
    return;
  }
  sayMessage(errorText(res), "danger");
  if (res.status === 409 || res.status === 404) refresh();
}

function dispatched(d, c) {
  const index = cursorIndex();
  state.items = state.items.filter((x) => x.code !== d.code);
  state.waiting = Math.max(0, state.waiting - 1);
  if (state.cursorCode === d.code) state.cursorCode = null;
  state.done[d.code] = Date.now();
  clearSelection();
  renderQueue(index);
  drawQueue();
  sayMessage("已派单：" + d.code + "「" + d.title + "」→ " + c.name, "success");
  const i = cursorIndex();
  if (i >= 0) queueButtons()[i].focus();
  refresh();
}
