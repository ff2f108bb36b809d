// Small behaviours the portal adds on top of htmx. Everything works without this file.
(function () {
  "use strict";

  // After htmx swaps in new content, move focus to it so keyboard and screen-reader
  // users notice the change (unless they are typing in an active search).
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    if (active && (active.tagName === "INPUT" || active.tagName === "SELECT")) { return; }
    if (target && target.id === "main") { target.focus(); }
  });

  // Read-only secrets (a new API key) select themselves on focus, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });
})();
