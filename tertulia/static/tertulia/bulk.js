// Picking visitors on the list for a bulk action: each row's box, the header's box for the whole
// page, shift-click for a range, x for the row under the keyboard cursor (j / k), and "All N
// matching". The bar says how many are picked; deleting asks first. Without this file the
// boxes and the bar still work as a plain form.
(() => {
  "use strict";

  const form = () => document.getElementById("bulk-form");
  const boxes = () => [...document.querySelectorAll("#results input[name=ids]")];
  let lastClicked = null;

  function refresh() {
    const bar = form();
    if (!bar) return;
    const all = bar.querySelector("[data-bulk-all]");
    const picked = boxes().filter((box) => box.checked).length;
    const count = bar.querySelector("[data-bulk-count]");
    count.textContent = picked || all.checked
      ? (all.checked ? all.parentElement.textContent.trim() : count.dataset.some.replace("%(count)s", picked))
      : count.dataset.none;
    bar.classList.toggle("bulk--active", Boolean(picked || all.checked));
    const page = document.querySelector("[data-bulk-page]");
    if (page) page.checked = picked > 0 && picked === boxes().length;
  }

  document.addEventListener("click", (event) => {
    const box = event.target.closest && event.target.closest("#results input[name=ids]");
    if (box && event.shiftKey && lastClicked) {
      const list = boxes();
      const [from, to] = [list.indexOf(lastClicked), list.indexOf(box)].sort((a, b) => a - b);
      list.slice(from, to + 1).forEach((other) => { other.checked = box.checked; });
    }
    if (box) lastClicked = box;
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-bulk-page]")) {
      boxes().forEach((box) => { box.checked = event.target.checked; });
    }
    if (event.target.closest("#results")) refresh();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "x" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    const box = document.querySelector("#results tr.is-cursor input[name=ids]");
    if (!box) return;
    event.preventDefault();
    box.checked = !box.checked;
    lastClicked = box;
    refresh();
  });
  document.addEventListener("submit", (event) => {
    const bar = event.target.closest("[data-bulk]");
    if (!bar || event.submitter && event.submitter.hasAttribute("data-bulk-export")) return;
    const option = bar.querySelector("[data-bulk-do]").selectedOptions[0];
    if (option && option.dataset.confirm && !window.confirm(option.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "results") { lastClicked = null; refresh(); }
  });
  document.addEventListener("DOMContentLoaded", refresh);
})();
