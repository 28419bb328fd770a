/* gridgov HTTP helpers (ES module): same-origin fetch with the CSRF token, the API's error
 * envelope {"error": {"code", "message", "fields"}} turned into Chinese text. */

/** Return the page's CSRF token (meta csrf-token), '' when the page has none. */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

/** Return a fresh idempotency key for a POST that may be retried. */
export function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
}

/** Send a request; `body` is JSON-encoded unless it is FormData; `signal` (optional) an
 * AbortController's, to drop a stale request. Resolves to {ok, status, data} (data {} when the
 * answer is not JSON); rejects on a network error or an abort (AbortError). */
export async function api(method, href, body, headers, signal) {
  const opts = { method, credentials: "same-origin", signal,
                 headers: { Accept: "application/json", ...(headers || {}) } };
  if (method !== "GET" && method !== "HEAD") opts.headers["X-CSRFToken"] = csrfToken();
  if (body instanceof FormData) {
    opts.body = body;
  } else if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(href, opts);
  const data = await r.json().catch(() => ({}));
  return { ok: r.ok, status: r.status, data };
}

/** Return the Chinese sentence for a failed answer: its message and each field's error. */
export function errorText(res, prefix) {
  if (res.status === 401) return "登录已过期，请重新登录后再试。";
  const err = (res.data && res.data.error) || {};
  const fields = err.fields ? Object.values(err.fields) : [];
  const head = (prefix || "") + (err.message || "操作失败（" + res.status + "）");
  return head + (fields.length ? "：" + fields.join("；") : "");
}

/** Return the API's field errors of a failed answer ({} when none). */
export function fieldErrors(res) {
  return (res.data && res.data.error && res.data.error.fields) || {};
}
