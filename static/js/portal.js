// Small behaviours the portal adds on top of htmx. Everything works without this file.
(function () {
  "use strict";

  // Lets the CSS show controls that only work with this file (e.g. copy buttons).
  document.documentElement.classList.add("js");

  // Where the focus goes after htmx swaps, and what is read out: static/js/focus.js.

  // <form data-reset-on-success>: after htmx sent it successfully, empty it and put the
  // cursor back into its first field, ready for the next scan. With a selector as value
  // (data-reset-on-success="#scan-form") that other form is reset instead.
  // (Before the swap: a form inside the swapped region is gone from the page afterwards.)
  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;  // detail.elt is the swap target here
    var elt = config && config.elt;
    if (!elt || !elt.matches("form[data-reset-on-success]") || event.detail.isError) {
      return;
    }
    var form = elt.getAttribute("data-reset-on-success") ?
      document.querySelector(elt.getAttribute("data-reset-on-success")) : elt;
    if (!form) { return; }
    form.reset();
    var first = form.querySelector("input:not([type=hidden])");
    if (first) { first.focus(); }
  });

  // Read-only secrets (a new API key) select themselves on focus, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });

  // <button data-copy="#field" data-copied="Copied" data-copy-failed="Press Ctrl+C">
  // copies the field's value. Where the clipboard API is missing or refused (an insecure
  // origin, a denied permission) the text is selected so that the user can copy it.
  function say(button, text) {
    var status = button.parentNode.querySelector(".copy-status");
    if (status) { status.textContent = text || ""; }
  }

  function selectField(field) {
    field.focus();
    field.select();
    if (field.setSelectionRange) { field.setSelectionRange(0, field.value.length); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) { return; }
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) { return; }
    var done = function () { say(button, button.getAttribute("data-copied")); };
    var fallback = function () {
      selectField(field);
      var copied = false;
      try { copied = document.execCommand && document.execCommand("copy"); } catch (e) { copied = false; }
      say(button, button.getAttribute(copied ? "data-copied" : "data-copy-failed"));
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, fallback);
    } else {
      fallback();
    }
  });
})();
