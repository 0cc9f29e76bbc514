// The "Menu" in the header is a <details>: it opens and closes without
// JavaScript and by keyboard (Enter or Space on "Menu"). This only adds what
// people expect of a menu: Escape closes it (focus back on "Menu"), and a
// click or tap outside it closes it.
(function () {
  "use strict";
  var menu = document.querySelector("[data-menu]");
  if (!menu) return;
  var summary = menu.querySelector("summary");
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      summary.focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
})();
