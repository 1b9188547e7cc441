/* The chat inside the widget's iframe. Plain JavaScript; visitor and agent text is only ever set
   with textContent, never as markup.
   Transport: WebSocket, reconnecting by itself and resuming after the last message it has; plain
   HTTP (send + polling) when WebSocket cannot connect. Every send carries a client id and waits in
   an outbox kept in localStorage until the server acknowledges it, so a retried send is stored
   once and nothing typed while offline is lost. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("tertulia-config").textContent);
  var T = cfg.strings;
  var F = cfg.protocol.frames;      // socket frame types, from the server
  var M = cfg.protocol.messages;    // postMessage names shared with the loader
  var L = cfg.limits;
  var base = "/widget/" + encodeURIComponent(cfg.key) + "/";
  // Test conversations from the flow editor are kept apart from the member's own chats.
  var storeKey = "tertulia:" + cfg.key + (cfg.preview ? ":preview" : "");
  var log = document.getElementById("log");
  var composer = document.getElementById("composer");
  var input = document.getElementById("text");
  var typingLine = document.getElementById("typing");
  var connection = document.getElementById("connection");

  if (cfg.restart) { save("token", ""); save("outbox", []); }  // the site's restart, from before
  var token = load("token") || "";
  var outbox = load("outbox") || [];
  var visitorId = null;   // whose conversation the log shows
  var identity = null;    // what the site said of the visitor (identify), sent with every open
  var params = null;      // and what it set (setParams)
  var state = { waiting: "", node: null, live_chat: "" };
  var seen = {};          // message id -> element
  var lastId = 0;
  var socket = null;
  var mode = "ws";        // "ws" or "http"
  var failures = 0, everConnected = false;
  var pollTimer = null;
  var unread = 0;
  var focused = document.hasFocus();
  var pace = Promise.resolve();  // bot messages with a typing delay show in order

  document.documentElement.style.setProperty("--accent", cfg.colour);

  function load(name) {
    try { return JSON.parse(localStorage.getItem(storeKey + ":" + name)); } catch (e) { return null; }
  }
  function save(name, value) {
    try { localStorage.setItem(storeKey + ":" + name, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }
  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }
  var forms = window.TertuliaForms(T, el, L);

  function toParent(data) {
    if (cfg.origin && window.parent !== window) window.parent.postMessage(data, cfg.origin);
  }
  function time(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString(cfg.lang, { hour: "2-digit", minute: "2-digit" });
  }
  function atBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 80; }
  function scroll() { log.scrollTop = log.scrollHeight; }

  /* ---- rendering ---------------------------------------------------------------------- */

  function pendingFor(action) {
    return { client_id: action.client_id, sender: "visitor", kind: "text", text: action.text, pending: true };
  }

  var bubbles = window.TertuliaBubbles(T, F, el, forms, log, time, send);
  var bubble = bubbles.bubble, lockQuestion = bubbles.lockQuestion;
  function refreshQuestions() { bubbles.refreshQuestions(state); }

  function add(message, live) {
    if (message.id && seen[message.id]) {
      if (message.kind === "options") {  // the chosen option was marked
        var old = seen[message.id];
        var fresh = bubble(message);
        old.replaceWith(fresh);
        seen[message.id] = fresh;
        refreshQuestions();
      }
      return;
    }
    if (message.id) lastId = Math.max(lastId, message.id);
    var delay = live && message.sender === "bot" ? (message.payload && message.payload.delay_ms) || 0 : 0;
    var show = function () {
      if (message.id && seen[message.id]) return;
      // A stored message replaces its "Sending…" bubble; a bubble whose message is already
      // shown (the answer came first) is not added.
      var echo = message.client_id ? log.querySelector('[data-client="' + message.client_id + '"]') : null;
      if (message.pending && echo) return;
      if (echo) echo.remove();
      var stick = atBottom();
      var row = bubble(message);
      if (message.id) seen[message.id] = row;
      log.appendChild(row);
      refreshQuestions();
      if (stick || message.sender === "visitor") scroll();
      if (live && message.sender !== "visitor") {
        if (!focused) { unread += 1; }
        toParent({ tertulia: M.message, message: { sender: message.sender, text: message.text }, unread: unread });
      }
    };
    if (delay) {
      pace = pace.then(function () {
        showTyping(null, true);
        return new Promise(function (done) { setTimeout(done, Math.min(delay, 3000)); });
      }).then(function () { showTyping(null, false); show(); });
    } else {
      pace = pace.then(show);
    }
  }

  var typingTimer = null;
  function showTyping(name, on) {
    typingLine.hidden = !on;
    typingLine.textContent = on ? T.typing.replace("%(name)s", name || cfg.bot_name) : "";
    if (on && name) {
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { showTyping(null, false); }, 4000);
    }
  }

  // Outside office hours, or with nobody in the team online, the header says "Away".
  var subtitle = document.getElementById("subtitle");
  var greeting = subtitle ? subtitle.textContent : "";
  // Once the chat has ended, a visitor who gave an e-mail address may have it sent there.
  var transcript = document.getElementById("transcript");
  function setState(next) {
    state = next || state;
    if (subtitle) subtitle.textContent = state.away ? T.away : greeting;
    if (transcript) transcript.hidden = !state.transcript;
    refreshQuestions();
  }
  document.getElementById("transcript-button").addEventListener("click", function (event) {
    var status = document.getElementById("transcript-status");
    event.target.disabled = true;
    request("POST", "transcript", {}).then(function (reply) {
      status.textContent = reply.ok ? T.transcript_sent : (reply.data.message || T.failed);
      if (!reply.ok) event.target.disabled = false;
    }).catch(function () { status.textContent = T.failed; event.target.disabled = false; });
  });

  function setConnection(text) {
    connection.hidden = !text;
    connection.textContent = text || "";
  }

  /* ---- sending ------------------------------------------------------------------------ */

  function send(action, echo) {
    action.client_id = uid();
    outbox.push(action);
    save("outbox", outbox);
    if (action.type === F.text || echo) {
      add(pendingFor({ client_id: action.client_id, text: action.text || echo }), false);
    }
    if (!started || !token) start();  // after their conversation was forgotten, or before any
    flush();
  }

  /* The conversation is gone (the visitor was deleted): forget it. What the visitor wrote stays
     in the outbox; a new conversation starts only when the visitor writes or opens the chat
     again, never by itself. */
  function forgetConversation() {
    token = ""; save("token", "");
    outbox = outbox.filter(function (a) { return a.type === F.text; });
    save("outbox", outbox);
    clearLog();
    started = false;
    toParent({ tertulia: M.forget });
    toParent({ tertulia: M.state, visitor: null, identity: "anonymous", problems: {} });
  }

  function clearLog() {
    log.textContent = ""; seen = {}; lastId = 0; visitorId = null;
    pace = Promise.resolve();
    outbox.forEach(function (a) { if (a.type === F.text) add(pendingFor(a), false); });
  }

  // This socket is done with: no reconnecting, no forgetting.
  function hangUp() {
    if (!socket) return;
    socket.onclose = null;
    socket.close();
    socket = null;
  }

  // The conversation changed as a whole (two visitors were merged): load it again.
  function reload() {
    hangUp(); clearTimeout(pollTimer); clearLog();
    started = false;
    start();
  }

  /* The site's restart (a log-out): a new conversation the next time the visitor writes or opens
     the chat, without what this one left in the outbox or what the site said. */
  function restart() {
    hangUp();
    clearTimeout(pollTimer);
    forgotten += 1;  // an open under way answers for the conversation forgotten: ignored
    openAgain = false;
    identity = params = null;
    outbox = [];
    forgetConversation();
  }

  function settle(clientId) {
    outbox = outbox.filter(function (a) { return a.client_id !== clientId; });
    save("outbox", outbox);
    if (!outbox.length && mode === "ws") setConnection("");
  }

  function onError(reply) {
    if (reply.code === "rate_limited") {
      setConnection(reply.message);
      setTimeout(flush, Math.max(1, reply.retry_after || 5) * 1000);
      return;
    }
    var action = outbox.filter(function (a) { return a.client_id === reply.client_id; })[0];
    settle(reply.client_id);
    var pending = log.querySelector('[data-client="' + reply.client_id + '"]');
    if (pending) {
      pending.classList.add("failed");
      pending.querySelector(".meta").textContent = T.failed + " " + (reply.message || "");
    }
    if (action && action.type === F.submit && reply.fields) {
      var form = log.querySelector('.form[data-node="' + action.node + '"]');
      if (form) {
        form.querySelectorAll("button, input, select").forEach(function (c) { c.disabled = false; });
        Object.keys(reply.fields).forEach(function (name) {
          var c = form.elements[name];
          if (c) forms.showError(c, reply.fields[name]);
        });
      }
    } else if (!pending) {
      setConnection(reply.message);
    }
    if (action && action.type !== F.text) refreshQuestions();
  }

  function flush() {
    if (!token || !outbox.length) return;
    if (mode === "ws") {
      if (socket && socket.readyState === 1) {
        outbox.forEach(function (action) { socket.send(JSON.stringify(action)); });
      } else {
        setConnection(T.queued);
      }
      return;
    }
    outbox.slice().forEach(function (action) {
      request("POST", "send", action).then(function (reply) {
        if (reply.ok) { settle(action.client_id); add(reply.data.message, true); }
        else if (reply.status >= 400 && reply.status < 500) { reply.data.client_id = action.client_id; onError(reply.data); }
      }).catch(function () { setConnection(T.queued); });
    });
  }

  function request(method, path, body) {
    return fetch(base + path, {
      method: method,
      headers: { "Content-Type": "application/json", "X-Tertulia-Token": token },
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit",
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        return { ok: r.ok, status: r.status, data: data };
      });
    });
  }

  /* ---- receiving ---------------------------------------------------------------------- */

  function receive(data) {
    switch (data.type) {
      case F.hello:
        (data.messages || []).forEach(function (m) { add(m, false); });
        setState(data.state);
        flush();
        break;
      case F.message:
        add(data.message, true);
        if (data.message.sender === "agent") showTyping(null, false);
        break;
      case F.state:
        setState(data.state);
        break;
      case F.ack:
        settle(data.client_id);
        add(data.message, true);
        break;
      case F.error:
        onError(data);
        break;
      case F.typing:
        showTyping(data.agent, true);
        break;
      case F.reload: reload(); break;
      case F.batch: data.frames.forEach(receive); break;
    }
  }

  function connect() {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/widget/" + encodeURIComponent(cfg.key) +
      "/?token=" + encodeURIComponent(token) + "&after=" + lastId + "&lang=" + cfg.lang + "&v=" + cfg.protocol.version;
    try { socket = new WebSocket(url); } catch (e) { return fallBack(); }
    socket.onopen = function () {
      failures = 0; everConnected = true; setConnection(outbox.length ? T.sending : "");
      reportPage();
    };
    socket.onmessage = function (event) {
      try { receive(JSON.parse(event.data)); } catch (e) { /* ignore a garbled frame */ }
    };
    socket.onclose = function (event) {
      socket = null;
      if (event.code === 4401) { forgetConversation(); return; }
      failures += 1;
      if (!everConnected && failures >= 3) return fallBack();
      setConnection(T.reconnecting);
      var wait = Math.min(1000 * Math.pow(2, failures - 1), 15000);  // cut by up to half at random:
      setTimeout(connect, wait / 2 + Math.random() * wait / 2);  // chats dropped together spread out
    };
  }

  // The page the visitor is on (the server keeps each new one once).
  function reportPage() {
    var page = { type: F.page, url: cfg.page.url, title: cfg.page.title };
    if (!token) return;
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(page));
    else if (mode === "http") request("POST", "page", page).catch(function () { /* best effort */ });
  }

  function fallBack() {
    mode = "http";
    setConnection("");
    poll();
    flush();
  }

  function poll() {
    clearTimeout(pollTimer);
    request("GET", "messages?after=" + lastId + "&visitor=" + visitorId).then(function (reply) {
      if (reply.ok && reply.data.reload) { reload(); return true; }
      if (reply.ok) {
        reply.data.messages.forEach(function (m) { add(m, true); });
        setState(reply.data.state);
        setConnection(outbox.length ? T.queued : "");
        flush();
      }
    }).catch(function () { setConnection(T.reconnecting); })
      .then(function (reloading) { if (!reloading) pollTimer = setTimeout(poll, 3000); });
  }

  var started = false;
  var opening = false, openAgain = false;  // one open request at a time; one more if asked
  var forgotten = 0;  // how many times the site restarted the chat
  function start() {
    if (opening) { openAgain = true; return; }
    started = true;
    opening = true;
    var sent = { identity: identity || undefined, params: params || undefined };
    var since = forgotten;
    fetch(base + "open", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "omit",
      body: JSON.stringify({
        token: token,
        origin: cfg.origin,
        resume: cfg.resume,
        preview: cfg.preview || undefined,
        identity: sent.identity,
        params: sent.params,
        page: {
          url: cfg.page.url, title: cfg.page.title, referrer: cfg.page.referrer,
          languages: navigator.languages ? [].slice.call(navigator.languages, 0, 10) : [navigator.language],
          timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
          screen: [screen.width, screen.height],
        },
      }),
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (reply) {
      if (since !== forgotten) return;  // restarted meanwhile
      if (reply.data.error === "no_conversation") {  // loaded in the background, nothing to resume
        started = false;
        toParent({ tertulia: M.forget });
        return;
      }
      if (!reply.ok) { setConnection(reply.data.message || T.unavailable); return; }
      // What the site said was taken (or refused, or not all of it): no need to say it again.
      if (sent.identity === identity) identity = null;
      if (sent.params === params) params = null;
      toParent({
        tertulia: M.state, visitor: reply.data.visitor.number,
        identity: reply.data.identity.status, problems: reply.data.identity.problems,
      });
      var same = reply.data.token === token && reply.data.visitor.id === visitorId;
      if (!same) {
        // Another conversation than the one shown: a new one, or a known person's.
        hangUp();
        clearLog();
      }
      token = reply.data.token;
      visitorId = reply.data.visitor.id;
      save("token", token);
      toParent({ tertulia: M.known });
      reply.data.messages.forEach(function (m) { add(m, false); });
      setState(reply.data.state);
      pace.then(scroll);
      if (mode === "ws") { if (!socket) connect(); } else if (!same) fallBack();
    }).catch(function () {
      setConnection(T.unavailable);
      setTimeout(start, 5000);
    }).then(function () {
      opening = false;
      if (openAgain) { openAgain = false; start(); }
    });
  }

  // The site said who the visitor is, or set parameters: tell the server with an open request
  // (the server applies them to this browser's conversation, or finds the person's own).
  function told(kind, value) {
    if (kind === M.identify) identity = value;
    else params = Object.assign({}, params, value);  // a new object: one in flight stays as sent
    if (started || token || cfg.resume) start();
  }

  /* ---- the composer and the page around ---------------------------------------------- */

  var lastTyping = 0;
  input.addEventListener("input", function () {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
    var now = Date.now();
    if (now - lastTyping > 2500 && token) {
      lastTyping = now;
      if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: F.typing }));
      else if (mode === "http") request("POST", "typing");
    }
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    if (text.length > L.message) { setConnection(T.too_long); return; }
    input.value = "";
    input.style.height = "auto";
    send({ type: F.text, text: text });
  });
  document.getElementById("close").addEventListener("click", function () { toParent({ tertulia: M.close }); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") toParent({ tertulia: M.close });
  });
  window.addEventListener("focus", function () { focused = true; unread = 0; });
  window.addEventListener("blur", function () { focused = false; });
  window.addEventListener("online", function () { if (mode === "ws" && !socket) connect(); else flush(); });
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || (cfg.origin && event.origin !== cfg.origin)) return;
    var kind = event.data && event.data.tertulia;
    if (kind === M.identify && event.data.identity && typeof event.data.identity === "object") {
      told(kind, event.data.identity);
    }
    if (kind === M.params && event.data.params && typeof event.data.params === "object") {
      told(kind, event.data.params);
    }
    if (kind === M.restart) restart();
    if (event.data && event.data.tertulia === M.focus) {
      input.focus(); unread = 0;
      cfg.resume = false;  // opened by the visitor: a conversation may start now
      // A background open may be under way: it only resumes, so one more follows it.
      if (!started || !token) start();
    }
    if (event.data && event.data.tertulia === M.page && typeof event.data.url === "string") {
      cfg.page.url = event.data.url.slice(0, L.page_url);
      cfg.page.title = String(event.data.title || "").slice(0, L.page_title);
      reportPage();
    }
  });

  outbox.forEach(function (action) {
    if (action.type === F.text) add(pendingFor(action), false);
  });
  start();
  toParent({ tertulia: M.ready });
})();
