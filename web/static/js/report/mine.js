/* 随手拍 "my reports" (ES module): code + follow token of each report, kept in this device's
 * localStorage (nothing personal); listed as follow links built with textContent only. */

import { fill } from "../lib/text.js";

const STORE = "gridgov.myReports";
const KEEP = 50;

function load() {
  try {
    var list = JSON.parse(localStorage.getItem(STORE) || "[]");
    return Array.isArray(list) ? list.filter(function (r) { return r && r.code && r.token; }) : [];
  } catch (e) { return []; }
}

/** Return {followUrl(code, token), remember(item), render()}; followPattern: the follow
 * page URL with "__code__" in place of the code. */
export function create(followPattern, listEl, emptyEl) {
  function followUrl(code, token) {
    return fill(followPattern, code) +
      "?token=" + encodeURIComponent(token);
  }

  function remember(item) {
    var list = load().filter(function (r) { return r.code !== item.code; });
    list.unshift(item);
    try { localStorage.setItem(STORE, JSON.stringify(list.slice(0, KEEP))); } catch (e) { /* full or off */ }
  }

  function render() {
    var list = load();
    listEl.textContent = "";
    list.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      var left = document.createElement("span");
      var right = document.createElement("span");
      a.href = followUrl(r.code, r.token);
      left.textContent = r.code + " " + (r.category || "");
      right.textContent = (r.grid || "") + " ›";
      a.appendChild(left); a.appendChild(right); li.appendChild(a); listEl.appendChild(li);
    });
    emptyEl.hidden = list.length !== 0;
  }

  return { followUrl: followUrl, remember: remember, render: render };
}
