/* Tertulia widget loader: <script src="https://HOST/widget.js" data-bot="KEY" async></script>
   Adds a launcher button and, on first open, an iframe with the chat. Everything lives in a
   shadow root, so the host page's CSS and ours never meet.
   API (docs/WIDGET.md): Tertulia("open" | "close" | "toggle");
   Tertulia("on", "ready" | "open" | "close" | "message", fn); Tertulia("identify", {userId,
   userHash, name, email, phone, ...custom}); Tertulia("setParams", {...}); Tertulia("restart");
   Tertulia("getState") returns {ready, open, unread, visitor, identity, problems}.
   Once a browser has a conversation, the chat loads (hidden) on every page, so the visitor sees
   replies on any page and the pages visited are reported; page changes without a load (single-page
   sites) are reported too. */
(function () {
  "use strict";
  var w = window;
  if (w.__tertulia) return;
  w.__tertulia = true;
  var script = document.currentScript || document.querySelector("script[data-bot]");
  if (!script) return;
  var key = script.getAttribute("data-bot");
  var base = new URL(script.src, location.href).origin;
  var early = (w.Tertulia && w.Tertulia.q) || [];
  var handlers = { ready: [], open: [], close: [], message: [] };
  var remember = "tertulia-open-" + key;
  var known = "tertulia-known-" + key;  // this browser has a conversation: load the chat at once
  var forget = "tertulia-restart-" + key;  // restart asked for before the chat was loaded
  // What the site said of the visitor (sent to the chat whenever it is ready), and the state
  // getState() answers with (the chat keeps it up to date).
  var identity = null, params = null, restartPending = false;
  var state = { ready: false, open: false, unread: 0, visitor: null, identity: "anonymous", problems: {} };
  var page = location.href;
  var look = {};  // the launcher's colour, side and names, from the server
  // The button's names ("Open chat: …", "Close chat: …") come in the host page's language.
  var pageLanguage = document.documentElement.lang || navigator.language || "en";
  var M = {};  // the postMessage names shared with the chat, from the server (look.messages)
  var host, root, button, badge, frame, isOpen = false, frameReady = false;

  function storage(name, value) {
    try {
      if (value === undefined) return localStorage.getItem(name);
      if (value) localStorage.setItem(name, value); else localStorage.removeItem(name);
    } catch (e) { /* storage off */ }
    return null;
  }

  function emit(name, data) {
    (handlers[name] || []).forEach(function (fn) {
      try { fn(data); } catch (e) { /* a host page's handler must not break the chat */ }
    });
  }

  function label(open) {
    return (open ? look.close_label : look.open_label) || look.title;
  }

  function post(data) {
    if (frame && frameReady) frame.contentWindow.postMessage(data, base);
  }

  function setOpen(open) {
    if (open === isOpen) return;
    isOpen = state.open = open;
    if (open && !frame) makeFrame(false);
    host.setAttribute("data-open", open ? "1" : "0");
    button.setAttribute("aria-expanded", String(open));
    button.setAttribute("aria-label", label(open));
    try { sessionStorage.setItem(remember, open ? "1" : ""); } catch (e) { /* storage off */ }
    if (open) { badge.hidden = true; state.unread = 0; post({ tertulia: M.focus }); }
    emit(open ? "open" : "close");
  }

  // In the background (not opened yet), the chat only resumes an existing conversation.
  function makeFrame(background) {
    frame = document.createElement("iframe");
    frame.title = look.title;
    frame.allow = "clipboard-write";
    frame.src = base + "/widget/" + encodeURIComponent(key) + "/?origin=" +
      encodeURIComponent(location.origin) + "&lang=" + encodeURIComponent(navigator.language || "en") +
      "&url=" + encodeURIComponent(location.href) + "&ref=" + encodeURIComponent(document.referrer) +
      "&title=" + encodeURIComponent(document.title) + (background ? "&resume=1" : "") +
      (storage(forget) ? "&restart=1" : "");
    storage(forget, "");
    root.appendChild(frame);
  }

  // What the site said (identify, setParams), for a chat that has just loaded or is loaded.
  function tell() {
    if (identity) post({ tertulia: M.identify, identity: identity });
    if (params) post({ tertulia: M.params, params: params });
  }

  // A log-out: the chat closes and forgets; opened again, it starts a new conversation.
  function restart() {
    if (host) setOpen(false);
    identity = params = null;
    state.visitor = null; state.identity = "anonymous"; state.problems = {};
    storage(known, "");
    if (frame && frameReady) post({ tertulia: M.restart });
    else if (frame) restartPending = true;  // told as soon as the chat is ready
    else storage(forget, "1");  // the chat forgets its conversation when it loads
  }

  // Single-page sites change the address without loading a page: tell the chat.
  function watchPage() {
    if (location.href === page) return;
    page = location.href;
    post({ tertulia: M.page, url: page, title: document.title });
  }

  function isObject(value) { return value && typeof value === "object" && !Array.isArray(value); }

  function api(command, a, b) {
    if (command === "open") setOpen(true);
    else if (command === "close") setOpen(false);
    else if (command === "toggle") setOpen(!isOpen);
    else if (command === "on" && handlers[a] && typeof b === "function") {
      handlers[a].push(b);
      if (a === "ready" && state.ready) emit("ready", api("getState"));
    }
    else if (command === "getState") return JSON.parse(JSON.stringify(state));
    else if (command === "identify" && isObject(a)) {
      identity = a;
      // A known person's conversation follows them to this browser: load the chat (hidden).
      if (!frame) makeFrame(true); else tell();
    }
    else if (command === "setParams" && isObject(a)) {
      params = Object.assign(params || {}, a);
      tell();
    }
    else if (command === "restart") restart();
    else if (w.console) console.warn("Tertulia: unknown command or wrong arguments:", command);
  }

  w.addEventListener("message", function (event) {
    if (event.origin !== base || !frame || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.tertulia === M.ready) {
      frameReady = true;
      if (restartPending) { restartPending = false; post({ tertulia: M.restart }); }
      post({ tertulia: M.page, url: page, title: document.title });
      tell();
      if (isOpen) post({ tertulia: M.focus });
    } else if (data.tertulia === M.state) {
      state.visitor = data.visitor || null;
      state.identity = data.identity || "anonymous";
      state.problems = data.problems || {};
      if (Object.keys(state.problems).length && w.console) {
        console.warn("Tertulia: identify / setParams:", state.problems);
      }
    } else if (data.tertulia === M.known || data.tertulia === M.forget) {
      storage(known, data.tertulia === M.known ? "1" : "");
    }
    else if (data.tertulia === M.close) { setOpen(false); button.focus(); }
    else if (data.tertulia === M.message) {
      emit("message", data.message);
      if (!isOpen) {
        state.unread = data.unread || 1;
        badge.hidden = false; badge.textContent = String(state.unread);
      }
    }
  });

  function build() {
    host = document.createElement("div");
    host.setAttribute("data-tertulia", "");
    root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    // /widget.js puts the address of loader.css with its content hash here (cached for a year).
    css.href = new URL("/static/widget/loader.css", base).href;
    host.setAttribute("data-side", look.position === "left" ? "left" : "right");
    host.setAttribute("data-open", "0");
    button = document.createElement("button");
    button.className = "b";
    button.style.background = look.colour;
    button.type = "button";
    button.setAttribute("aria-label", label(false));
    button.setAttribute("aria-expanded", "false");
    button.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
    badge = document.createElement("span");
    badge.className = "n";
    badge.hidden = true;
    button.appendChild(badge);
    button.addEventListener("click", function () { setOpen(!isOpen); });
    root.appendChild(css);
    css.onload = css.onerror = function () { root.appendChild(button); };
    document.body.appendChild(host);
    var wasOpen = false, wasKnown = false;
    try {
      wasOpen = sessionStorage.getItem(remember) === "1";
      wasKnown = localStorage.getItem(known) === "1";
    } catch (e) { /* storage off */ }
    w.Tertulia = api;
    early.forEach(function (args) { api.apply(null, args); });
    if (wasOpen) setOpen(true);
    else if (wasKnown && !frame) makeFrame(true);
    state.ready = true;
    emit("ready", api("getState"));
    setInterval(watchPage, 1000);
    w.addEventListener("popstate", watchPage);
    w.addEventListener("hashchange", watchPage);
  }

  fetch(base + "/widget/" + encodeURIComponent(key) + "/look?lang=" + encodeURIComponent(pageLanguage))
    .then(function (r) { return r.ok ? r.json() : null; })
    .catch(function () { return null; })
    .then(function (data) {
      // No answer (an unknown bot, the server unreachable): no launcher for a chat that cannot open.
      if (!data || !data.messages) return;
      look = data;
      M = data.messages;
      if (document.body) build(); else document.addEventListener("DOMContentLoaded", build);
    });
  w.Tertulia = function () { early.push([].slice.call(arguments)); };
})();
