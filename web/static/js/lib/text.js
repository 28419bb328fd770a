/* gridgov text helpers (ES module): the one HTML escape, numbers and times for Chinese pages.
 * Every text that comes from data goes through esc() before it becomes HTML (tooltips,
 * popups); everything else is set with textContent. */

/** The city's time zone: times are stored in UTC and shown in it. */
export const TIME_ZONE = "Asia/Shanghai";

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Return `value` as HTML-safe text ('' for null/undefined). */
export function esc(value) {
  return String(value === null || value === undefined ? "" : value)
    .replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Return a number grouped the Chinese way, '—' when absent. */
export function number(value) {
  return value === null || value === undefined ? "—" : Number(value).toLocaleString("zh-CN");
}

/** Return an ISO time as 'YYYY/MM/DD HH:MM' in Asia/Shanghai, '—' when absent. */
export function localTime(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString("zh-CN", {
    timeZone: TIME_ZONE, hour12: false, year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit",
  });
}

/** Return a URL template with its '__code__' slot filled (URL-encoded). */
export function fill(template, code) {
  return template.replace("__code__", encodeURIComponent(code));
}
