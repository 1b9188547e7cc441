// The export menu sits above the list, outside the part htmx swaps when the filters, the tab or
// the page change: when used, its links and its "all matching" form take the list's query from
// the address bar, which htmx keeps up to date. Without this file they use the query the page
// was loaded with, which is then the list's.
(() => {
  "use strict";

  function query(drop) {
    const params = new URLSearchParams(window.location.search);
    drop.forEach((name) => params.delete(name));
    const text = params.toString();
    return text ? `?${text}` : "";
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[data-export-page]");
    if (link) link.href = link.pathname + query(["open", "panel"]);
  }, true);
  document.addEventListener("submit", (event) => {
    const form = event.target.closest && event.target.closest("form[data-export-all]");
    if (!form) return;
    form.elements.query.value = query(["open", "panel", "page", "after", "before", "start"]);
    const menu = form.closest("details");
    if (menu) menu.open = false;
  }, true);
})();
