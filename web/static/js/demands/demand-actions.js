/* gridgov demand actions (ES module): the forms of web/templates/demands/_actions.html (and
 * the follow page's rate/reopen) post to the transitions API; errors are shown beside their
 * field (data-error-for), and on success the page's [data-refresh] parts are reloaded. */
import { $, say } from "../lib/dom.js";
import { api, errorText, fieldErrors } from "../lib/http.js";
import { currentPosition, shrink } from "../lib/photos.js";

const MAX_PHOTOS = 9;
const DONE = {
  sign: "已签收，请尽快办理。", resolve: "已办结，等待社区核查。", progress: "已记录进展。",
  return: "已回退给调度员。", verify: "已核查通过。", rework: "已退回返工。", close: "已结案。",
  dispatch: "已派遣。", reassign: "已改派。", rate: "已记录评价，谢谢！",
  reopen: "已重新打开，将重新派单办理。",
};
const REQUIRED_PHOTOS = new Set(["resolve"]);

/** Return the field a server error key belongs to (photos[2] → photos). */
function fieldOf(key) {
  return key.startsWith("photos") ? "photos" : key;
}

/** Remove the errors shown in `form`. */
function clearErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach((box) => {
    box.textContent = "";
    box.hidden = true;
  });
  form.querySelectorAll(".is-invalid").forEach((input) => input.classList.remove("is-invalid"));
}

/** Show each error beside its field in `form`; keys without a field go to its form box. */
function showErrors(form, errors, fallback) {
  const general = [];
  Object.entries(errors).forEach(([key, text]) => {
    const box = form.querySelector(`[data-error-for="${fieldOf(key)}"]`);
    if (!box) { general.push(text); return; }
    box.textContent = box.textContent ? box.textContent + "；" + text : text;
    box.hidden = false;
    const input = form.querySelector(`[name="${fieldOf(key)}"], [name="${fieldOf(key)}_value"]`);
    if (input) input.classList.add("is-invalid");
  });
  if (fallback) general.unshift(fallback);
  if (general.length) {
    const box = form.querySelector('[data-error-for="_form"]');
    box.textContent = general.join("；");
    box.hidden = false;
  }
}

/** Return the errors the page finds before sending (photo count, a target to reassign to). */
function precheck(form) {
  const action = form.dataset.action;
  const input = form.querySelector('input[name="photos"]');
  const count = input ? input.files.length : 0;
  if (REQUIRED_PHOTOS.has(action) && count === 0) {
    return { photos: "请拍摄或选择 1–9 张办结后照片" };
  }
  if (count > MAX_PHOTOS) return { photos: `最多 ${MAX_PHOTOS} 张照片，已选 ${count} 张` };
  const to = form.querySelector('[name="to_value"]');
  if (action === "reassign" && to && !to.value.trim()) return { to: "请填写改派对象的代码或 ID" };
  return null;
}

/** Return the JSON body of a form without photos ({action, note, to, solved, …}) with the
 * page's `extra` fields. */
function jsonBody(form, extra) {
  const body = { action: form.dataset.action, ...extra };
  new FormData(form).forEach((value, key) => {
    if (typeof value !== "string" || key === "to_kind" || key === "to_value") return;
    if (key === "solved") body.solved = value === "true";
    else if (value.trim() !== "") body[key] = value;
  });
  const kind = form.querySelector('[name="to_kind"]');
  const value = form.querySelector('[name="to_value"]');
  if (kind && value && value.value.trim()) {
    const raw = value.value.trim();
    const numeric = (kind.value === "member" || kind.value === "user") && /^\d+$/.test(raw);
    body.to = { [kind.value]: numeric ? Number(raw) : raw };
  }
  return body;
}

/** Return the multipart body of a form with photos (shrunk like 随手拍) and, on resolve,
 * the actor's location when the browser gives it. */
async function multipartBody(form, extra) {
  const data = new FormData();
  const body = jsonBody(form, extra);
  Object.entries(body).forEach(([k, v]) => data.append(k, typeof v === "object" ? JSON.stringify(v) : v));
  const files = Array.from(form.querySelector('input[name="photos"]').files);
  const [shrunk, where] = await Promise.all([
    Promise.all(files.map((f) => shrink(f, false))),
    form.dataset.action === "resolve" ? currentPosition(5000) : Promise.resolve(null),
  ]);
  shrunk.forEach((blob, i) => data.append("photos", blob, files[i].name || `photo-${i + 1}.jpg`));
  if (where) data.append("location", JSON.stringify({ lon: where.lon, lat: where.lat, crs: "wgs84" }));
  return data;
}

/** Replace each [data-refresh] part of the page with its fresh copy from the server. */
export async function refresh() {
  const r = await fetch(location.href, { credentials: "same-origin", cache: "no-store" });
  if (!r.ok) return;
  const fresh = new DOMParser().parseFromString(await r.text(), "text/html");
  document.querySelectorAll("[data-refresh][id]").forEach((part) => {
    const copy = fresh.getElementById(part.id);
    if (copy) part.replaceWith(document.importNode(copy, true));
  });
}

/** Send one action form; answer beside its fields, or refresh the page and say it is done. */
async function submit(form, message, extra) {
  clearErrors(form);
  const early = precheck(form);
  if (early) { showErrors(form, early); return; }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const hasPhotos = !!form.querySelector('input[name="photos"]');
    const body = hasPhotos ? await multipartBody(form, extra) : jsonBody(form, extra);
    const res = await api("POST", form.getAttribute("action"), body);
    if (!res.ok) {
      const fields = fieldErrors(res);
      showErrors(form, fields, Object.keys(fields).length ? "" : errorText(res));
      return;
    }
    await refresh();
    say(message, `${form.dataset.code}：${DONE[form.dataset.action] || "已完成。"}`, "success");
  } catch (err) {
    showErrors(form, {}, "网络不通，请稍后重试（未保存）。");
  } finally {
    button.disabled = false;
  }
}

/** Make every action form inside `root` post to the API; `messageId`: the status box;
 * `extra`: fields every request carries (the follow page's token, never in its HTML). */
export function bindActions(root, messageId, extra) {
  root.addEventListener("submit", (ev) => {
    const form = ev.target.closest("form[data-action]");
    if (!form) return;
    ev.preventDefault();
    submit(form, $(messageId), extra || {});
  });
}
