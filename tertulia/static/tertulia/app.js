// Tertulia dashboard behaviour: the page works without this file; it adds the slide-over
// panel niceties and keyboard shortcuts. No inline scripts (Content-Security-Policy).
(function () {
  "use strict";

  const panel = () => document.getElementById("panel");
  const rows = () => Array.from(document.querySelectorAll("#results tr[data-row]"));

  function isTyping(target) {
    return target.closest("input, textarea, select, [contenteditable='true']") !== null;
  }

  function markOpenRow() {
    const detail = document.getElementById("visitor-detail");
    const openId = detail && !panel()?.hidden ? detail.dataset.visitor : null;
    rows().forEach((row) => {
      if (row.dataset.visitor === openId) row.setAttribute("aria-selected", "true");
      else row.removeAttribute("aria-selected");
    });
  }

  function scrollConversationToEnd(root) {
    root.querySelectorAll("[data-conversation]").forEach((list) => {
      const scroller = list.closest(".panel") || list;
      scroller.scrollTop = scroller.scrollHeight;
    });
  }

  function closePanel(url) {
    const aside = panel();
    if (!aside || aside.hidden) return;
    aside.hidden = true;
    aside.replaceChildren();
    if (url) history.pushState({ htmx: true }, "", url);
    markOpenRow();
    const cursor = document.querySelector("#results tr.is-cursor .row-link");
    if (cursor) cursor.focus();
  }

  // A click anywhere on a row opens it, like a click on its name.
  document.addEventListener("click", (event) => {
    const close = event.target.closest("[data-close-panel]");
    if (close) {
      event.preventDefault();
      closePanel(close.href);
      return;
    }
    const row = event.target.closest("#results tr[data-row]");
    if (row && !event.target.closest("a, button, input, select")) {
      row.querySelector(".row-link").click();
    }
  });

  // Filter URLs carry only the filters in use, so they stay short and readable when shared.
  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.verb !== "get" || event.detail.elt.id !== "filter-form") return;
    const params = event.detail.parameters;
    for (const key of Object.keys(params)) {
      if (params[key] === "") delete params[key];
    }
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target.id === "panel") {
      target.hidden = false;
      if (target.querySelector("[data-conversation]")) scrollConversationToEnd(target);
    }
    markOpenRow();
  });

  document.addEventListener("DOMContentLoaded", () => {
    scrollConversationToEnd(document);
    markOpenRow();
  });

  // Live updates: another agent's change, a new visitor or message refreshes the list. Several
  // events in a burst cause one refresh.
  let refreshTimer = null;
  function scheduleListRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => htmx.trigger(document.body, "visitors-changed"), 400);
  }

  function connectDashboardSocket() {
    if (!document.getElementById("results") || !("WebSocket" in window)) return;
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/dashboard/";
    let delay = 1000;
    const open = () => {
      const socket = new WebSocket(url);
      socket.addEventListener("open", () => { delay = 1000; });
      socket.addEventListener("message", (event) => {
        const message = JSON.parse(event.data);
        if (message.event.startsWith("visitor.") || message.event === "message.created") scheduleListRefresh();
      });
      socket.addEventListener("close", (event) => {
        if (event.code === 4401) return; // logged out: nothing to listen to
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 30000);
      });
    };
    open();
  }
  document.addEventListener("DOMContentLoaded", connectDashboardSocket);

  // Keyboard shortcuts; never while typing in a field.
  function moveCursor(step) {
    const list = rows();
    if (!list.length) return;
    const current = list.findIndex((row) => row.classList.contains("is-cursor"));
    const next = Math.max(0, Math.min(list.length - 1, current === -1 ? 0 : current + step));
    list.forEach((row) => row.classList.remove("is-cursor"));
    list[next].classList.add("is-cursor");
    list[next].querySelector(".row-link").focus();
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const dialog = document.getElementById("shortcuts");
    if (event.key === "Escape") {
      if (dialog && dialog.open) return;
      const close = document.querySelector("#panel:not([hidden]) [data-close-panel]");
      if (close) {
        event.preventDefault();
        closePanel(close.href);
      }
      return;
    }
    if (isTyping(event.target)) return;
    if (event.key === "/") {
      const search = document.getElementById("visitor-search");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    } else if (event.key === "j") {
      moveCursor(1);
    } else if (event.key === "k") {
      moveCursor(-1);
    } else if (event.key === "?") {
      if (dialog) dialog.showModal();
    } else if (/^[1-5]$/.test(event.key)) {
      const button = document.querySelector(`#visitor-detail [data-shortcut="${event.key}"]`);
      if (button) {
        event.preventDefault();
        button.click();
      }
    }
  });
})();
