/* gridgov dispatcher's page — keyboard and dialogs: j/k/↑/↓ move, Enter opens, 1–9 pick,
 * a assigns, r refreshes, ? helps; the override note dialog (Enter confirms). */

import { $ } from "../lib/dom.js";
import { state } from "./state.js";
import { cursorIndex, move, refresh } from "./queue.js";
import { open } from "./detail.js";
import { assign, pick } from "./candidates.js";

/** Ask for the note an assignment to a non-responsible candidate `c` needs; `done(text)`. */
export function askNote(c, done) {
  $("note-text").textContent = c.name + " 不是本网格或相邻网格的责任人员（" + c.reason + "），派单需说明理由。";
  $("note-input").value = "";
  state.noteDone = done;
  $("note-dialog").showModal();
  $("note-input").focus();
}

function typing(t) {
  const tag = t && t.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || !!(t && t.isContentEditable);
}

function arrowsAllowed(t) {
  return !t || t === document.body || (t.classList && t.classList.contains("queue-item"));
}

function openCursor() {
  const i = cursorIndex();
  if (i < 0) return false;
  open(state.items[i]);
  return true;
}

function onKey(e) {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
  if (document.querySelector("dialog[open]") || typing(e.target)) return;
  const k = e.key, t = e.target;
  let handled = true;
  if (k === "j" || (k === "ArrowDown" && arrowsAllowed(t))) move(1);
  else if (k === "k" || (k === "ArrowUp" && arrowsAllowed(t))) move(-1);
  else if (k === "Enter" && (!t || (t.tagName !== "BUTTON" && t.tagName !== "A"))) handled = openCursor();
  else if (/^[1-9]$/.test(k)) pick(Number(k) - 1, true);
  else if (k === "a") assign(state.picked);
  else if (k === "r") refresh();
  else if (k === "?") $("help-dialog").showModal();
  else handled = false;
  if (handled) e.preventDefault();
}

function submitNote(e) {
  e.preventDefault();
  const text = $("note-input").value.trim();
  if (!text) { $("note-input").focus(); return; }
  const done = state.noteDone;
  state.noteDone = null;
  $("note-dialog").close();
  if (done) done(text);
}

/** Wire the page's buttons, dialogs and keys. */
export function bindKeys() {
  $("help-open").addEventListener("click", () => $("help-dialog").showModal());
  $("queue-refresh").addEventListener("click", () => refresh());
  $("note-cancel").addEventListener("click", () => { state.noteDone = null; $("note-dialog").close(); });
  $("note-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("note-form").requestSubmit(); }
  });
  $("note-form").addEventListener("submit", submitNote);
  document.addEventListener("keydown", onKey);
}
