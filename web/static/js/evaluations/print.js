// The ballot sheet's print button (the page works without it: the browser's own print too).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
