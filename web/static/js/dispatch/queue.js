/* gridgov dispatcher's page — the queue: polled from the API, listed as buttons (textContent
 * only), drawn as dots on the map (tooltips escaped), a keyboard cursor. */

import { esc } from "../lib/text.js";
import { $, el } from "../lib/dom.js";
import { api, errorText } from "../lib/http.js";
import { age, badge, config, state } from "./state.js";
import { open } from "./detail.js";

function queueLabel(item) {
  const parts = [];
  if (item.urgent) parts.push("紧急");
  if (item.overdue) parts.push("已超期");
  parts.push(item.title, item.category_name, item.community_name || item.grid_code, "已等待 " + age(item));
  return parts.join("，");
}

function queueButton(item) {
  const b = el("button", "queue-item");
  b.type = "button";
  b.setAttribute("data-code", item.code);
  b.setAttribute("aria-label", queueLabel(item));
  b.setAttribute("aria-pressed", state.selected && state.selected.code === item.code ? "true" : "false");
  const head = el("span", "q-meta");
  if (item.urgent) head.appendChild(badge("badge-urgent", "紧急"));
  if (item.overdue) head.appendChild(badge("badge-overdue", "超期"));
  if (item.joined_residents > 0) head.appendChild(badge("badge-joined", "附议 " + item.joined_residents));
  head.appendChild(el("span", "q-code", item.code));
  b.appendChild(head);
  b.appendChild(el("span", "q-title", item.title));
  b.appendChild(el("span", "q-meta", item.category_name + " · " + (item.community_name || item.grid_code)));
  b.appendChild(el("span", "q-meta", "已等待 " + age(item)));
  b.addEventListener("click", () => { state.cursorCode = item.code; open(item); });
  b.addEventListener("focus", () => { state.cursorCode = item.code; markCurrent(); });
  return b;
}

/** Return the index of the cursor's item in the queue (-1: none). */
export function cursorIndex() {
  return state.items.findIndex((item) => item.code === state.cursorCode);
}

/** Return the queue's buttons, in order. */
export function queueButtons() { return $("queue-list").querySelectorAll(".queue-item"); }

/** Mark the cursor's button and the selected one. */
export function markCurrent() {
  queueButtons().forEach((button) => {
    const code = button.getAttribute("data-code");
    button.classList.toggle("is-current", code === state.cursorCode);
    button.setAttribute("aria-pressed", state.selected && state.selected.code === code ? "true" : "false");
  });
}

/** List the queue again, keeping the cursor (near `oldIndex` when its item left) and focus. */
export function renderQueue(oldIndex) {
  const list = $("queue-list");
  const active = document.activeElement;
  const hadFocus = !!(active && active.classList && active.classList.contains("queue-item"));
  if (cursorIndex() < 0 && state.items.length && oldIndex >= 0) {
    state.cursorCode = state.items[Math.min(oldIndex, state.items.length - 1)].code;
  }
  list.textContent = "";
  state.items.forEach((item) => {
    const li = el("li");
    li.appendChild(queueButton(item));
    list.appendChild(li);
  });
  if (!state.items.length) list.appendChild(el("li", "text-muted small", "队列为空：没有待派单的诉求。"));
  $("queue-count").textContent = String(state.waiting);
  markCurrent();
  const i = cursorIndex();
  if (hadFocus && i >= 0) queueButtons()[i].focus();
}

function queueColour(item) { return item.urgent ? "#c62828" : item.overdue ? "#ef6c00" : "#1f77b4"; }

/** Draw the queue's demands as dots on the map (in its datum). */
export function drawQueue() {
  state.queueLayer.clearLayers();
  state.items.forEach((item) => {
    if (item.lon === null || item.lat === null) return;
    L.circleMarker(state.shown.latLng(item.lat, item.lon), {
      radius: 6, color: "#ffffff", weight: 1.5, fillColor: queueColour(item), fillOpacity: 0.9,
      className: "queue-dot",
    }).bindTooltip(() => "<strong>" + esc(item.title) + "</strong><br>" + esc(item.code) + " · " +
                         esc(item.category_name))
      .on("click", () => { state.cursorCode = item.code; open(item); }).addTo(state.queueLayer);
  });
}

function notJustDone(item) {
  /* a poll already under way when we assigned may still list the demand for a moment */
  const at = state.done[item.code];
  return !at || Date.now() - at > 2 * config.pollMs;
}

/** Read the queue again (one request at a time) and show it. */
export async function refresh() {
  if (state.loading) return;
  state.loading = true;
  const oldIndex = cursorIndex();
  let res;
  try {
    res = await api("GET", config.queueUrl);
  } catch {
    $("queue-status").textContent = "网络错误：队列暂未更新，稍后自动重试。";
    return;
  } finally {
    state.loading = false;
  }
  if (!res.ok) { $("queue-status").textContent = "队列读取失败：" + errorText(res); return; }
  state.items = (res.data.demands || []).filter(notJustDone);
  state.waiting = res.data.waiting || 0;
  state.fetchedAt = Date.now();
  renderQueue(oldIndex);
  drawQueue();
  checkSelected();
  $("queue-status").textContent = "共 " + state.waiting + " 条待派单；更新于 " +
    new Date().toLocaleTimeString("zh-CN", { hour12: false }) + "（每 " + Math.round(config.pollMs / 1000) + " 秒自动刷新）";
}

/** Refresh the selected demand from the queue; when it left, stop assigning it. */
export function checkSelected() {
  if (!state.selected) return;
  const fresh = state.items.find((item) => item.code === state.selected.code);
  state.gone = !fresh;
  if (fresh) { state.selected = fresh; return; }
  $("candidates-note").textContent = "该诉求已不在待派单队列中（可能已被派单或合并），不能再派单。";
  $("candidate-list").querySelectorAll(".candidate-assign").forEach((b) => { b.disabled = true; });
}

/** Move the cursor `delta` items through the queue (focus follows). */
export function move(delta) {
  if (!state.items.length) return;
  let i = cursorIndex();
  i = i < 0 ? 0 : Math.max(0, Math.min(state.items.length - 1, i + delta));
  state.cursorCode = state.items[i].code;
  queueButtons()[i].focus();
  markCurrent();
}
