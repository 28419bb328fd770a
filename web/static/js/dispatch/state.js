/* gridgov dispatcher's page — the shared state: the page's config (URLs with a '__code__'
 * slot, departments, timings; handed over by folium) and what is shown and selected. */

import { $ } from "../lib/dom.js";

export const config = {
  queueUrl: "/api/v1/dispatch/queue", candidatesUrl: "/api/v1/demands/__code__/candidates",
  transitionsUrl: "/api/v1/demands/__code__/transitions", gridApiUrl: "/api/v1/grids/__code__",
  gridPageUrl: "/grids/__code__", demandPageUrl: "/staff/demands/__code__",
  pollMs: 10000, candidateLimit: 9, departments: {},
};

export const state = {
  map: null, shown: null, queueLayer: null, overlay: null, items: [], waiting: 0, fetchedAt: 0,
  cursorCode: null, selected: null, candidates: [], picked: -1, marks: [], seq: 0,
  loading: false, busy: false, gone: false, noteDone: null, done: {},
};

/** Return how long a queue item has waited, for people (counted on since the last poll). */
export function age(item) {
  const s = Math.max(0, item.age_s + Math.round((Date.now() - state.fetchedAt) / 1000));
  if (s < 60) return "不到 1 分钟";
  if (s < 3600) return Math.floor(s / 60) + " 分钟";
  if (s < 86400) return Math.floor(s / 3600) + " 小时 " + Math.floor((s % 3600) / 60) + " 分";
  return Math.floor(s / 86400) + " 天 " + Math.floor((s % 86400) / 3600) + " 小时";
}

/** Return a distance in metres for people ('无位置' when unknown). */
export function metres(m) {
  return m === null || m === undefined ? "无位置" : Math.round(m).toLocaleString("zh-CN") + " 米";
}

/** Return a badge element of class `cls` with `text`. */
export function badge(cls, text) {
  const node = document.createElement("span");
  node.className = "badge " + cls + " me-1";
  node.textContent = text;
  return node;
}

/** Show `text` in the page's message line as an alert of `kind` (empty: hide it). */
export function sayMessage(text, kind) {
  const box = $("dispatch-message");
  box.className = "dispatch-message" + (text ? " alert alert-" + (kind || "info") + " py-1 px-2" : "");
  box.textContent = text || "";
}
