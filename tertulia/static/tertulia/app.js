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

  // The width at which the panel covers the whole screen (app.css says the same).
  const phone = window.matchMedia("(max-width: 720px)");

  // What the agent typed in a reply box survives the panel closing or switching sub-tabs.
  const drafts = {};
  function keepDraft(root) {
    root.querySelectorAll("[data-conversation-block]").forEach((block) => {
      const box = block.querySelector("textarea");
      if (box) drafts[block.dataset.visitor] = box.value;
    });
  }
  function restoreDraft(root) {
    root.querySelectorAll("[data-conversation-block]").forEach((block) => {
      const box = block.querySelector("textarea");
      if (box && !box.value && drafts[block.dataset.visitor]) box.value = drafts[block.dataset.visitor];
    });
  }

  // On a phone the open panel covers the page: what is under it leaves the Tab order.
  let covered = [];
  function updateInert() {
    covered.forEach((element) => { element.inert = false; });
    covered = [];
    const aside = panel();
    if (!aside || aside.hidden || !phone.matches) return;
    for (let node = aside; node.parentElement && node !== document.body; node = node.parentElement) {
      for (const sibling of node.parentElement.children) {
        if (sibling === node || sibling.matches("script, template, dialog") || sibling.inert) continue;
        sibling.inert = true;
        covered.push(sibling);
      }
    }
  }
  phone.addEventListener("change", updateInert);

  function focusRow(visitorId) {
    const row = document.querySelector(`#results tr[data-row][data-visitor="${visitorId}"]`)
      || document.querySelector("#results tr.is-cursor");
    if (!row) return;
    rows().forEach((other) => other.classList.toggle("is-cursor", other === row));
    row.querySelector(".row-link").focus();
  }

  function closePanel(url) {
    const aside = panel();
    if (!aside || aside.hidden) return;
    const detail = document.getElementById("visitor-detail");
    const openId = detail ? detail.dataset.visitor : null;
    keepDraft(aside);
    aside.hidden = true;
    aside.replaceChildren();
    if (url) history.pushState({ htmx: true }, "", url);
    markOpenRow();
    updateInert();
    focusRow(openId);
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

  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target.id === "panel") keepDraft(event.detail.target);
  });

  // Where focus goes after a swap, so it never falls to the page's body: the opened panel's
  // heading, the sub-tab or list tab just chosen, the status now pressed, the row it was on.
  function focusAfterSwap(target, trigger, hadFocus) {
    const pick = (selector) => document.querySelector(selector);
    let next = null;
    if (target.id === "panel") {
      next = trigger && trigger.closest(".subtab") ? pick("#panel .subtab--active") : pick("#panel-title");
    } else if (target.id === "visitor-detail") {
      if (hadFocus) next = pick("#visitor-detail .status-control [aria-pressed='true']");
    } else if (target.id === "results" && hadFocus) {
      if (trigger && trigger.closest(".tab")) next = pick("#results .tab--active");
      else if (hadFocus.visitor) next = pick(`#results tr[data-visitor="${hadFocus.visitor}"] .row-link`);
      else if (trigger && trigger.closest(".sort")) next = pick("#results th[aria-sort] .sort");
      else if (hadFocus.rel) next = pick(`#results a[rel="${hadFocus.rel}"]`) || pick("#results .tab--active");
    } else if (target.matches("[data-conversation-block]") && hadFocus) {
      next = pick(`[data-conversation-block][data-visitor="${target.dataset.visitor}"] .live-chat button`);
    }
    if (next) next.focus();
  }

  let focusBefore = null;
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    const active = document.activeElement;
    const inside = active && active !== document.body && target.contains(active);
    const row = inside && active.closest("tr[data-row]");
    focusBefore = inside || active === document.body
      ? { visitor: row ? row.dataset.visitor : null, rel: inside ? active.getAttribute("rel") : null }
      : null;
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target.id === "panel") {
      target.hidden = false;
      restoreDraft(target);
      if (target.querySelector("[data-conversation]")) scrollConversationToEnd(target);
      updateInert();
    }
    markOpenRow();
    const trigger = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    focusAfterSwap(target, trigger, focusBefore);
    focusBefore = null;
  });

  // Filters shown as a sheet on a phone close once applied, and start closed there.
  function closeFilterSheet() {
    const sheet = document.querySelector(".filters__more[open]");
    if (!sheet || !phone.matches) return false;
    sheet.open = false;
    sheet.querySelector("summary").focus();
    return true;
  }
  document.addEventListener("submit", (event) => {
    if (event.target.id === "filter-form") closeFilterSheet();
  });

  document.addEventListener("DOMContentLoaded", () => {
    scrollConversationToEnd(document);
    markOpenRow();
    updateInert();
    const sheet = document.querySelector(".filters__more[open]");
    if (sheet && phone.matches) sheet.open = false;
  });

  // Live updates: another agent's change, a new visitor or message refreshes the list, bounded
  // whatever the rate of events: a burst causes one refresh (LIST_SETTLE after its first event),
  // then at most one per LIST_EVERY while events keep coming, and none while the tab is hidden
  // (it refreshes once when shown again, if anything changed meanwhile).
  const LIST_SETTLE = 300, LIST_EVERY = 3000;
  let listTimer = null, listDirty = false, listFetchedAt = -Infinity;
  function scheduleListRefresh() {
    listDirty = true;
    if (document.hidden || listTimer) return;
    const wait = Math.max(LIST_SETTLE, listFetchedAt + LIST_EVERY - Date.now());
    listTimer = setTimeout(() => {
      listTimer = null;
      if (document.hidden || !listDirty || !document.getElementById("results")) return;
      listDirty = false;
      listFetchedAt = Date.now();
      htmx.trigger(document.body, "visitors-changed");
    }, wait);
  }
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && listDirty) scheduleListRefresh();
  });

  // Whether a reply box is set to write a private note rather than a reply.
  const writingNote = (form) => form.querySelector("[name=mode][value=note]:checked") !== null;

  // The conversation on screen follows new messages; what the agent is typing stays. A change
  // heard while a fetch is under way fetches again after it (that fetch may predate the change).
  const refreshing = {};  // visitor → "busy", or "again"
  function refreshConversation(visitorId) {
    const block = document.querySelector(`[data-conversation-block][data-visitor="${visitorId}"]`);
    if (!block) return;
    if (refreshing[visitorId]) { refreshing[visitorId] = "again"; return; }
    refreshing[visitorId] = "busy";
    fetch(block.dataset.refreshUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        const current = document.querySelector(`[data-conversation-block][data-visitor="${visitorId}"]`);
        if (!html || !current) return;
        const holder = document.createElement("template");
        holder.innerHTML = html.trim();
        const fresh = holder.content.firstElementChild;
        const oldText = current.querySelector("textarea");
        const newText = fresh.querySelector("textarea");
        const hadFocus = document.activeElement === oldText;
        if (oldText && newText) {
          newText.value = oldText.value;
          if (writingNote(oldText.form)) {  // a private note being written stays one
            fresh.querySelector("[name=mode][value=note]").checked = true;
            newText.placeholder = newText.dataset.placeholderNote;
          }
        }
        current.replaceWith(fresh);
        htmx.process(fresh);
        scrollConversationToEnd(fresh.parentElement || document);
        if (hadFocus && newText) newText.focus();
      })
      .finally(() => {
        const again = refreshing[visitorId] === "again";
        delete refreshing[visitorId];
        if (again) refreshConversation(visitorId);
      });
  }

  const typingTimers = {};
  function showVisitorTyping(visitorId) {
    const line = document.querySelector(`[data-conversation-block][data-visitor="${visitorId}"] [data-visitor-typing]`);
    if (!line) return;
    line.hidden = false;
    clearTimeout(typingTimers[visitorId]);
    typingTimers[visitorId] = setTimeout(() => { line.hidden = true; }, 4000);
  }

  // Attention: a short sound (unless turned off) and, when the tab is hidden, a desktop
  // notification if the agent allowed them.
  const soundOn = () => localStorage.getItem("tertulia-sound") !== "off";
  function chime() {
    if (!soundOn() || !window.AudioContext) return;
    try {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.08, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.35);
    } catch (e) { /* no audio */ }
  }
  function attention(title) {
    chime();
    if (document.hidden && window.Notification && Notification.permission === "granted") {
      new Notification(title || "Tertulia", { icon: "/static/tertulia/favicon.svg" });
    }
  }
  function labelSoundButton() {
    document.querySelectorAll("[data-sound-toggle]").forEach((button) => {
      button.textContent = soundOn() ? button.dataset.on : button.dataset.off;
      button.setAttribute("aria-pressed", String(soundOn()));
    });
    document.querySelectorAll("[data-desktop-notifications]").forEach((button) => {
      button.hidden = !window.Notification || Notification.permission !== "default";
    });
  }
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-sound-toggle]")) {
      localStorage.setItem("tertulia-sound", soundOn() ? "off" : "on");
      labelSoundButton();
    } else if (event.target.closest("[data-desktop-notifications]")) {
      Notification.requestPermission().then(labelSoundButton);
    }
  });

  // Event names come from the server (realtime/events.py), handed over by base.html.
  const eventsBlob = document.getElementById("tertulia-events");
  const E = eventsBlob ? JSON.parse(eventsBlob.textContent) : { refresh: [] };

  function onDashboardEvent(message) {
    const data = message.data || {};
    if (message.event === E.typing) { showVisitorTyping(data.visitor); return; }
    if (message.event === E.notification_created) {
      htmx.trigger(document.body, "notifications-changed");
      attention(document.title);
      return;
    }
    if (message.event === E.visitor_deleted && data.visitor) {
      // Deleted by someone else: its open panel goes (the full page keeps it until reloaded).
      const close = document.querySelector(`#panel:not([hidden]) #visitor-detail[data-visitor="${data.visitor}"] [data-close-panel]`);
      if (close) closePanel(close.href);
    }
    if (E.refresh.includes(message.event)) {
      if (document.getElementById("results")) scheduleListRefresh();
      if (data.visitor) refreshConversation(data.visitor);
    }
    if (message.event === E.message_created && data.sender === "visitor") {
      const line = document.querySelector(`[data-conversation-block][data-visitor="${data.visitor}"] [data-visitor-typing]`);
      if (line) line.hidden = true;
      if (document.hidden) attention(document.title);
    }
  }

  function connectDashboardSocket() {
    if (!document.body.hasAttribute("data-member") || !("WebSocket" in window)) return;
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/dashboard/?v=" + E.version;
    let delay = 1000;
    let missed = false;  // the socket dropped: changes made meanwhile were not heard
    // Leaving already (a form sent): a reload now would race the answer, which may log out. A
    // page that stays after all (a mailto: link) reloads a moment later.
    let leaving = false;
    window.addEventListener("beforeunload", () => { leaving = true; });
    const open = () => {
      const socket = new WebSocket(url);
      let opened = false;
      // data-live: the page hears changes as they happen.
      socket.addEventListener("open", () => {
        opened = true; delay = 1000; document.body.toggleAttribute("data-live", true);
        if (missed) { missed = false; catchUp(); }
      });
      socket.addEventListener("message", (event) => {
        const frame = JSON.parse(event.data);  // one event, or several that happened together
        (frame.events || [frame]).forEach(onDashboardEvent);
      });
      socket.addEventListener("close", (event) => {
        document.body.toggleAttribute("data-live", false);
        if (event.code === 4401) {
          // Removed from the workspace or given another role while the page was open: reload, to
          // the login page or with the menus of the new role. Refused before it opened: logged
          // out, nothing to listen to (and no reload, so never a loop).
          if (opened) setTimeout(() => location.reload(), leaving ? 3000 : 0);
          return;
        }
        missed = true;
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 5000);  // an agent is not left unaware for long
      });
    };
    open();
  }

  // Back after a drop (a restart, a network change): the list, the conversations on screen and
  // the bell are fetched again, as the events missed meanwhile would have done.
  function catchUp() {
    if (document.getElementById("results")) scheduleListRefresh();
    document.querySelectorAll("[data-conversation-block]").forEach((block) => refreshConversation(block.dataset.visitor));
    htmx.trigger(document.body, "notifications-changed");
  }

  // The reply box: Enter sends, Shift+Enter adds a line; the visitor sees "typing…".
  const csrf = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  let lastTyping = 0;
  document.addEventListener("keydown", (event) => {
    const box = event.target.closest && event.target.closest("[data-reply-form] textarea");
    if (!box || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (box.value.trim()) box.form.requestSubmit();
  });
  // Reply or private note: the box says which; a note never shows the visitor "typing…".
  document.addEventListener("change", (event) => {
    const mode = event.target.closest && event.target.closest("[data-reply-form] [name=mode]");
    if (!mode) return;
    const box = mode.form.querySelector("textarea");
    box.placeholder = writingNote(mode.form) ? box.dataset.placeholderNote : box.dataset.placeholderReply;
    box.focus();
  });
  document.addEventListener("input", (event) => {
    const box = event.target.closest && event.target.closest("[data-reply-form] textarea");
    if (!box || writingNote(box.form) || Date.now() - lastTyping < 2500) return;
    lastTyping = Date.now();
    const block = box.closest("[data-conversation-block]");
    fetch(block.dataset.typingUrl, { method: "POST", headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" });
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const block = event.detail.target.closest ? document.querySelector("[data-conversation-block]") : null;
    if (block && event.detail.requestConfig && /\/reply$/.test(event.detail.requestConfig.path)) {
      scrollConversationToEnd(block.parentElement || document);
      const box = block.querySelector("textarea");
      if (box) box.focus();
    }
    if (event.detail.target.id === "bell") labelSoundButton();
  });
  document.addEventListener("htmx:load", labelSoundButton);

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
      // Escape in a reply box holding text only leaves the box (the text stays); the next
      // Escape closes the panel, and the text comes back when the visitor is opened again.
      const box = event.target.closest && event.target.closest("#panel [data-reply-form] textarea");
      if (box && box.value.trim()) {
        event.preventDefault();
        const heading = document.getElementById("panel-title");
        if (heading) heading.focus();
        else box.blur();
        return;
      }
      if (closeFilterSheet()) {
        event.preventDefault();
        return;
      }
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
    } else {
      // The status buttons carry their own shortcut keys (visitors/choices.py).
      const button = Array.from(document.querySelectorAll("#visitor-detail [data-shortcut]"))
        .find((b) => b.dataset.shortcut === event.key);
      if (button) {
        event.preventDefault();
        button.click();
      }
    }
  });
})();

// Copy buttons (the embed snippet).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  navigator.clipboard.writeText(source.textContent).then(() => {
    const label = button.textContent;
    button.textContent = button.dataset.copied;
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});
