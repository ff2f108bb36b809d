// Focus and announcements after htmx swaps, for keyboard and screen-reader users.
//
// htmx itself focuses an [autofocus] element of new content and gives the focus back to
// a focused element that came back with the same id. This file covers the rest:
// * the focused element was swapped away: the focus goes to the same control in the new
//   content (same name inside the same container id), else to [data-focus]/[autofocus],
//   a field marked invalid, an alert or status message, else the swapped region itself
//   (made focusable with tabindex=-1); a whole-page swap (hx-boost) focuses <main>;
// * a submitted form comes back with fields marked invalid while the focus stayed outside
//   them (or a page loads with such fields): the focus goes to the first invalid field;
// * what changed is read out by the polite live region #announcer: [data-announce]
//   texts (result counts), alerts and field errors, or the new page's title. Regions that
//   are live regions themselves (aria-live) speak for themselves and are left alone.
// Polling and swaps started by events rather than a person never move the focus.
(function () {
  "use strict";

  var FOCUSABLE = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled])," +
    " select:not([disabled]), textarea:not([disabled]), [tabindex]";
  var before = new WeakMap();  // request (xhr) → {element, container, selector} focused before
  var handled = new WeakSet();  // afterSettle fires once per swapped element: act once

  function describe(element) {
    if (!element || element === document.body || element === document.documentElement) {
      return null;
    }
    var container = element.parentElement && element.parentElement.closest("[id]");
    var selector = element.tagName.toLowerCase();
    if (element.name) { selector += "[name=\"" + CSS.escape(element.name) + "\"]"; }
    if (element.name && element.value && element.tagName === "BUTTON") {
      selector += "[value=\"" + CSS.escape(element.value) + "\"]";
    }
    return {element: element, container: container && container.id, selector: selector};
  }

  function sameControl(was) {
    if (!was || !was.container || was.selector.indexOf("[name=") < 0) { return null; }
    var container = document.getElementById(was.container);
    // Only an unmistakable match: a row's button, not the same button of the next row.
    var controls = container ? container.querySelectorAll(was.selector) : [];
    return controls.length === 1 && controls[0].matches(FOCUSABLE) ? controls[0] : null;
  }

  function focusOn(element) {
    if (!element.matches(FOCUSABLE)) { element.setAttribute("tabindex", "-1"); }
    element.focus();
  }

  var MESSAGE = "[role=alert], [role=status], .flash";

  function landing(region) {
    return region.querySelector("[data-focus], [autofocus]") ||
      region.querySelector("[aria-invalid=true]") || region.querySelector(MESSAGE) || region;
  }

  function announce(text) {
    var live = document.getElementById("announcer");
    text = (text || "").replace(/\s+/g, " ").trim();
    if (!live || !text) { return; }
    // Screen readers read a change of text: empty the region first, then fill it.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 100);
  }

  function texts(region, selector) {
    return Array.prototype.map.call(region.querySelectorAll(selector), function (element) {
      return element.textContent;
    }).join(" ");
  }

  function summary(region) {
    return texts(region, "[role=alert]") || texts(region, ".error") ||
      texts(region, "[role=status]") || texts(region, "[data-announce]");
  }

  // The swapped region: the target, or what replaced it (outerHTML keeps the id).
  function regionOf(detail, settled) {
    var target = detail.target;
    if (target && target.isConnected) { return target; }
    if (target && target.id && document.getElementById(target.id)) {
      return document.getElementById(target.id);
    }
    return settled.isConnected ? settled : null;
  }

  // A page that came back with fields marked invalid (a form sent without htmx): the
  // focus goes to the first of them, unless the page put it somewhere (autofocus).
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[autofocus]")) { return; }
    var invalid = document.querySelector("main [aria-invalid=true]");
    if (invalid) { invalid.focus(); }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr) { before.set(event.detail.xhr, describe(document.activeElement)); }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail;
    var xhr = detail.xhr;
    var config = detail.requestConfig || {};
    // Only what a person started (a click, a key, a submit), never polling or events.
    var byPerson = config.triggeringEvent && config.triggeringEvent.isTrusted;
    if (!xhr || handled.has(xhr) || !byPerson) { return; }
    handled.add(xhr);
    var region = regionOf(detail, event.target);
    if (!region) { return; }
    var newPage = region === document.body;
    var main = document.getElementById("main");
    if (newPage || region.contains(main)) { region = main || region; }
    var was = before.get(xhr);
    var active = document.activeElement;
    var lost = was && !was.element.isConnected &&
      (!active || active === document.body || active === document.documentElement);
    var landed = null;
    if (lost) {
      landed = region === main ? region : (sameControl(was) || landing(region));
      focusOn(landed);
    } else {
      var submitted = config.triggeringEvent.type === "submit";
      var invalid = region.querySelector("[aria-invalid=true]");
      if (submitted && invalid && !region.contains(active)) { focusOn(invalid); }
    }
    if (newPage) {
      announce(document.title);
    } else if (!region.closest("[aria-live]") && !(landed && landed.matches(MESSAGE))) {
      announce(summary(region));  // (a message that got the focus is read out already)
    }
  });
})();
