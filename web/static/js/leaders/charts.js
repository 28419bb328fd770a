/* The leaders' charts (/leaders/charts): monthly trend, category mix and on-time rate per
 * department, drawn with the vendored ECharts (window.echarts, a classic script loaded
 * before this module) from the charts API. Every text from data reaches ECharts as plain
 * text; the HTML tooltips escape it with esc(). Each chart saves itself as a PNG. */

import { $, say } from "../lib/dom.js";
import { api, errorText, fieldErrors } from "../lib/http.js";
import { esc, number } from "../lib/text.js";

const page = $("charts-page");
const status = $("charts-status");
const charts = {};
const COLORS = ["#2f6fb0", "#5aa469", "#e08a2c", "#c0504d", "#7b5ea7", "#3a9ea5"];

/** Return the chart of element `id`, made on first use (Chinese locale, canvas). */
function chart(id) {
  if (!charts[id]) charts[id] = window.echarts.init($(id), null, { locale: "ZH" });
  return charts[id];
}

/** Return the toolbox that saves the chart as a PNG named `name` (white background). */
function saving(name) {
  return { right: 8, top: 0, feature: { saveAsImage: {
    title: "保存为图片", name, type: "png", pixelRatio: 2, backgroundColor: "#fff" } } };
}

/** Return a 0–1 rate as a percentage with one decimal ('-' for none: ECharts leaves a gap). */
function percent(rate) {
  return rate === null || rate === undefined ? "-" : Math.round(rate * 1000) / 10;
}

/** Return a percentage for a tooltip ('—' for none). */
function percentText(value) {
  return value === "-" || value === null || value === undefined ? "—" : value + "%";
}

/** Return whether the page is phone-narrow. */
function narrow() {
  return window.innerWidth < 576;
}

/** Return the tooltip of one month: each series' value, escaped. */
function trendTip(items) {
  const head = "<strong>" + esc(items[0].axisValueLabel) + "</strong>";
  return head + items.map((i) => "<br>" + i.marker + esc(i.seriesName) + "："
    + esc(i.seriesType === "line" ? percentText(i.value) : number(i.value) + " 件")).join("");
}

/** Draw the monthly trend: bars of received and closed, lines of the rates (second axis). */
function drawTrend(data) {
  const rows = data.rows;
  const shown = { on_time_rate: true, satisfaction_rate: true, response_rate: false,
                  resolution_rate: false };
  const lines = Object.keys(shown).map((key) => ({ name: data.labels[key], type: "line",
    yAxisIndex: 1, symbolSize: 6, data: rows.map((r) => percent(r[key])) }));
  const bar = (key) => ({ name: data.labels[key], type: "bar", barMaxWidth: 22,
                          data: rows.map((r) => r[key]) });
  const selected = Object.fromEntries(Object.entries(shown).map(([k, v]) => [data.labels[k], v]));
  chart("chart-trend").setOption({
    color: COLORS,
    title: { text: "近" + rows.length + "个月诉求受理、办结与比率趋势", left: 0, top: 0,
             textStyle: { fontSize: narrow() ? 13 : 15 } },
    toolbox: saving("诉求趋势_" + rows[0].month + "至" + rows[rows.length - 1].month),
    tooltip: { trigger: "axis", confine: true, formatter: trendTip },
    legend: { bottom: 0, left: "center", selected, itemWidth: 16, itemGap: 8 },
    grid: { left: 8, right: 8, top: 80, bottom: narrow() ? 100 : 56 },
    xAxis: { type: "category", data: rows.map((r) => r.label),
             axisLabel: { hideOverlap: true, rotate: narrow() ? 45 : 0 } },
    yAxis: [{ type: "value", name: "件数", minInterval: 1 },
            { type: "value", name: "比率（%）", min: 0, max: 100,
              splitLine: { show: false } }],
    series: [bar("received"), bar("closed"), ...lines],
  }, true);
}

/** Return the tooltip of one category: its path, count and share, escaped. */
function categoryTip(total) {
  return (p) => {
    const path = (p.treePathInfo || []).slice(1).map((n) => n.name).join(" / ");
    const share = total ? Math.round((p.value / total) * 1000) / 10 + "%" : "—";
    return esc(path || p.name) + "<br>" + esc(number(p.value)) + " 件，占 " + esc(share);
  };
}

/** Draw the category mix: a treemap of 大类, each holding its 小类. */
function drawCategories(data) {
  const tree = data.categories.map((c) => ({ name: c.name, value: c.count,
    children: c.children.map((s) => ({ name: s.name, value: s.count })) }));
  chart("chart-categories").setOption({
    color: COLORS,
    title: { text: "诉求分类构成（" + data.period + "，共 " + number(data.total) + " 件）",
             left: 0, top: 0, textStyle: { fontSize: narrow() ? 13 : 15 } },
    toolbox: saving("诉求分类构成_" + data.period),
    tooltip: { confine: true, formatter: categoryTip(data.total) },
    series: [{ type: "treemap", name: "全部分类", data: tree, top: 34, left: 0, right: 0,
               bottom: 28, roam: false, nodeClick: "zoomToNode",
               breadcrumb: { bottom: 0, left: 0 },
               label: { formatter: "{b}\n{c} 件", fontSize: 11 },
               upperLabel: { show: true, height: 20, formatter: "{b}（{c}）" },
               levels: [{ itemStyle: { borderColor: "#fff", borderWidth: 2, gapWidth: 2 } },
                        { colorSaturation: [0.35, 0.6],
                          itemStyle: { borderColorSaturation: 0.7, gapWidth: 1,
                                       borderWidth: 1 } }] }],
    graphic: data.total ? [] : [{ type: "text", left: "center", top: "middle",
                                  style: { text: "本统计期无诉求", fontSize: 14, fill: "#888" } }],
  }, true);
}

/** Return the tooltip of one department's bar, escaped. */
function departmentTip(rows) {
  return (items) => {
    const r = rows[items[0].dataIndex];
    return "<strong>" + esc(r.name) + "</strong><br>按期结案率：" + esc(percentText(percent(
      r.on_time_rate))) + "<br>按期结案 " + esc(number(r.closed_on_time)) + " / 应结案 "
      + esc(number(r.due)) + " 件";
  };
}

/** Draw the on-time rate per department: horizontal bars, best on top; departments
 * without a demand due are only counted in the note. */
function drawDepartments(data) {
  const rows = data.departments.filter((r) => r.on_time_rate !== null);
  const box = $("chart-departments");
  box.style.height = Math.max(260, 90 + rows.length * 30) + "px";
  const c = chart("chart-departments");
  c.resize();
  c.setOption({
    color: [COLORS[0]],
    title: { text: "职能部门按期结案率（" + data.period + "）", left: 0, top: 0,
             textStyle: { fontSize: narrow() ? 13 : 15 } },
    toolbox: saving("部门按期结案率_" + data.period),
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true,
               formatter: departmentTip(rows) },
    grid: { left: 8, right: 48, top: 40, bottom: 8 },
    xAxis: { type: "value", name: "%", min: 0, max: 100 },
    yAxis: { type: "category", inverse: true, data: rows.map((r) => r.name),
             axisLabel: { width: narrow() ? 84 : 160, overflow: "truncate" } },
    series: [{ type: "bar", name: "按期结案率", barMaxWidth: 18,
               data: rows.map((r) => percent(r.on_time_rate)),
               label: { show: true, position: "right", formatter: "{c}%" } }],
    graphic: rows.length ? [] : [{ type: "text", left: "center", top: "middle",
      style: { text: "本统计期无应结案的部门诉求", fontSize: 14, fill: "#888" } }],
  }, true);
  const rest = data.departments.length - rows.length;
  $("departments-note").textContent = (rest ? rest + " 个部门本期无应结案诉求，未列出。" : "")
    + data.definition;
}

/** Fetch `url` and draw it with `draw`; return the failed answer (null when drawn). */
async function load(url, draw) {
  const res = await api("GET", url).catch(() => ({ ok: false, status: 0, data: {} }));
  if (!res.ok) return res;
  draw(res.data);
  return null;
}

/** Show a failed answer: a bad period beside its field, anything else above the charts. */
function fail(res, what) {
  const bad = fieldErrors(res).period;
  $("period").classList.toggle("is-invalid", !!bad);
  $("period-error").textContent = bad || "";
  if (!bad) say(status, errorText(res, what + "加载失败："), "danger");
}

/** Draw the two charts of the chosen period; remember it in the address. */
async function loadPeriod() {
  const period = $("period").value.trim();
  const query = period ? "?period=" + encodeURIComponent(period) : "";
  say(status, "");
  $("period").classList.remove("is-invalid");
  const failed = (await Promise.all([
    load(page.dataset.categoriesUrl + query, drawCategories),
    load(page.dataset.departmentsUrl + query, drawDepartments)])).find(Boolean);
  if (failed) fail(failed, "分类与部门图");
  else history.replaceState(null, "", location.pathname + query);
}

function start() {
  const asked = new URLSearchParams(location.search).get("period");
  if (asked) $("period").value = asked;
  $("charts-period").addEventListener("submit", (e) => { e.preventDefault(); loadPeriod(); });
  let timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => Object.values(charts).forEach((c) => c.resize()), 150);
  });
  load(page.dataset.trendUrl + "?months=12", drawTrend).then((res) => {
    if (res) say(status, errorText(res, "趋势图加载失败："), "danger");
  });
  loadPeriod();
}

start();
