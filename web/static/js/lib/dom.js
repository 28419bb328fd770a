/* gridgov DOM helpers (ES module): find, build and announce, always with textContent. */

/** Return the element of that id (or null). */
export function $(id) {
  return document.getElementById(id);
}

/** Return a new element with a class and text (text set with textContent). */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** Show `text` in the message box `box` as a Bootstrap alert of `kind`; empty text hides it. */
export function say(box, text, kind) {
  if (!box) return;
  box.classList.toggle("alert", !!text);
  ["info", "success", "warning", "danger"].forEach((k) => box.classList.remove("alert-" + k));
  if (text) box.classList.add("alert-" + (kind || "info"));
  box.textContent = text || "";
  box.hidden = !text;
}
