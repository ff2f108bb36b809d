// Drag-and-drop reordering for lists marked
//   <ol data-sortable="#some-form" data-sortable-src="/static/vendor/sortablejs/Sortable.min.js">
// Each item carries hidden inputs that belong to that form (form="some-form"); after a drop
// the inputs are in the new document order, so triggering the form's "reorder" event lets
// htmx post them. SortableJS is loaded only on pages with such a list. Without this file
// (or without JavaScript) the move up/down buttons do the same job.
(function () {
  "use strict";

  var loading = null;

  function loadSortable(src) {
    if (window.Sortable) { return Promise.resolve(window.Sortable); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { resolve(window.Sortable); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function enable(list) {
    if (list.hasAttribute("data-sortable-ready")) { return; }
    list.setAttribute("data-sortable-ready", "");
    var form = document.querySelector(list.getAttribute("data-sortable"));
    loadSortable(list.getAttribute("data-sortable-src")).then(function (Sortable) {
      Sortable.create(list, {
        handle: ".drag-handle",
        animation: 150,
        forceFallback: true,  // pointer events: the same on every browser, touch included
        ghostClass: "sortable-ghost",
        chosenClass: "sortable-chosen",
        onEnd: function (event) {
          if (form && event.oldIndex !== event.newIndex) {
            list.classList.add("sortable-saving");
            htmx.trigger(form, "reorder");
          }
        }
      });
      list.classList.add("sortable-on");
    });
  }

  function scan(root) {
    if (root.matches && root.matches("[data-sortable]")) { enable(root); }
    if (root.querySelectorAll) { root.querySelectorAll("[data-sortable]").forEach(enable); }
  }

  // htmx calls this for the page once it is ready and for every piece it swaps in.
  if (window.htmx) { htmx.onLoad(scan); }

  // SortableJS animates through element.style; htmx copies an old element's attributes onto
  // its replacement (same id) while swapping, and a copied style attribute breaks the CSP.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.querySelector || !target.querySelector("[data-sortable-ready]")) {
      return;
    }
    target.querySelectorAll("[data-sortable-ready], [data-sortable-ready] [style]")
      .forEach(function (element) { element.removeAttribute("style"); });
  });
})();
