/* gridgov leaders' map (/leaders; ES module): the sidebar lists — newest demands, the oldest
 * still open, the most joined — from GET /api/v1/leaders/sidebar with the panel's filters;
 * each demand links to its staff page. Every text is set with textContent. */

import { mapContext } from "../lib/foliummap.js";
import { api, errorText } from "../lib/http.js";
import { fill, localTime } from "../lib/text.js";
import { $, el } from "../lib/dom.js";
import { filterForm, query } from "./filters.js";

const ctx = mapContext();
const box = $("sidebar-lists");
const EMPTY = "（无）";
const ORDER = ["newest", "oldest_open", "most_joined"];

function item(d, kind) {
  const li = el("li", "mb-1");
  const link = el("a", "grid-code", d.code);
  link.href = fill(ctx.config.urls.demand, d.code);
  const extra = kind === "most_joined" ? " · " + d.joined + " 位居民附议"
    : kind === "oldest_open" ? " · 已 " + d.days + " 天" : " · " + localTime(d.created_at);
  li.append(link, " ", el("span", "", d.title),
            el("div", "text-muted", d.category_name + " · " + d.state_label + extra));
  return li;
}

function list(title, rows, kind) {
  const section = el("details");
  section.open = kind !== "most_joined" || rows.length > 0;
  section.dataset.list = kind;
  section.appendChild(el("summary", "fw-semibold", title + "（" + rows.length + "）"));
  const ol = el("ol", "ps-3 mb-1");
  for (const d of rows) ol.appendChild(item(d, kind));
  if (!rows.length) ol.appendChild(el("li", "text-muted list-unstyled", EMPTY));
  section.appendChild(ol);
  return section;
}

async function load() {
  const res = await api("GET", ctx.config.urls.sidebar + "?" + query()).catch(() => null);
  if (!res || !res.ok) {
    box.replaceChildren(el("div", "text-danger",
                           res ? errorText(res, "诉求动态未加载：") : "网络错误"));
    return;
  }
  const { lists, titles } = res.data;
  box.replaceChildren(...ORDER.map((k) => list(titles[k], lists[k], k)));
}

filterForm().addEventListener("change", load);
load();
