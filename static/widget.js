/* Nocturn AI web chat widget. One file, no dependencies, no requests anywhere but its own server.
 * Embed: <script src="//NOCTURN-HOST/widget.js" data-key="pk_..." async></script>
 * Optional: data-lang="ms" (interface language), data-api="<origin>" (the API's origin; default: this script's).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__nocturnWidget) return;
  window.__nocturnWidget = true;
  var KEY = script.getAttribute("data-key") || "";
  var API = (script.getAttribute("data-api") || new URL(script.src, location.href).origin).replace(/\/$/, "");
  var STORE = "nocturn:" + KEY;
  var lang = (script.getAttribute("data-lang") || navigator.language || "en").slice(0, 2) === "ms" ? "ms" : "en";
  var T = {
    en: {
      title: "Chat with us", open: "Chat", send: "Send", accept: "Accept and start", placeholder: "Type your question…",
      notice: "This chat is answered by an AI assistant and our staff. We keep what you write here to answer you " +
        "and improve our service, as described in the hotel's privacy policy.",
      slow: "You're sending messages quickly; please wait a moment.", failed: "Not sent. Please try again.",
      retrying: "Not sent — retrying…", unsent: "Not sent.", again: "Try again", againLabel: "Send this message again",
      offline: "Reconnecting…", close: "Close", typing: "is typing…"
    },
    ms: {
      title: "Sembang dengan kami", open: "Sembang", send: "Hantar", accept: "Setuju dan mula",
      placeholder: "Taip soalan anda…",
      notice: "Sembang ini dijawab oleh pembantu AI dan kakitangan kami. Kami menyimpan apa yang anda tulis di sini " +
        "untuk menjawab anda dan menambah baik perkhidmatan kami, seperti dalam dasar privasi hotel.",
      slow: "Anda menghantar mesej terlalu cepat; sila tunggu sebentar.", failed: "Tidak dihantar. Sila cuba lagi.",
      retrying: "Tidak dihantar — mencuba semula…", unsent: "Tidak dihantar.", again: "Cuba lagi",
      againLabel: "Hantar mesej ini sekali lagi",
      offline: "Menyambung semula…", close: "Tutup", typing: "sedang menaip…"
    }
  }[lang];

  var conv = load();
  var seen = {};
  var streaming = null;
  var socket = null;
  var retry = 0;
  // Something may have been said that this page has not heard: the history was read, or a message posted,
  // before the socket listened. Its first open then reads the history again (see connect).
  var behind = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }
  function save(value) {
    if (!value && conv) unsent(conv.id, function () { return []; }); // the conversation is gone: so is its queue
    conv = value;
    try { value ? localStorage.setItem(STORE, JSON.stringify(value)) : localStorage.removeItem(STORE); } catch (e) {}
  }

  // --- DOM (in a shadow root, so the hotel's CSS and ours never meet) ---------------------------
  var host = document.createElement("div");
  host.id = "nocturn-widget";
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" +
    ":host{all:initial;font:15px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d2433}" +
    "[hidden]{display:none!important}" +
    "button{font:inherit;cursor:pointer;border:0;border-radius:8px;background:#17324d;color:#fff;padding:8px 14px}" +
    ".launch{position:fixed;right:20px;bottom:20px;z-index:2147483000;border-radius:24px;padding:12px 20px;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
    ".panel{position:fixed;right:20px;bottom:80px;z-index:2147483001;width:360px;height:520px;max-height:80vh;" +
    "display:none;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);" +
    "overflow:hidden}" +
    ".panel.on{display:flex}" +
    ".head{display:flex;justify-content:space-between;align-items:center;background:#17324d;color:#fff;padding:10px 14px}" +
    ".head button{background:transparent;padding:2px 8px;font-size:20px}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f5f7fa}" +
    ".m{max-width:85%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}" +
    ".guest{align-self:flex-end;background:#17324d;color:#fff}" +
    ".ai,.staff{align-self:flex-start;background:#fff;border:1px solid #dde3ea}" +
    ".staff{border-color:#c9a227}" +
    ".note{align-self:center;font-size:13px;color:#6b7480}" +
    ".state{display:block;font-size:12px;opacity:.85;margin-top:2px}" +
    ".guest[data-failed]{background:#7a2e2e}" +
    ".again{display:block;margin-top:6px;padding:6px 14px;background:#fff;color:#7a2e2e;font-weight:600;font-size:14px}" +
    ".again:focus-visible{outline:3px solid #f2c94c;outline-offset:2px}" +
    ".who{display:block;font-size:12px;font-weight:600;color:#8a6d12;margin-bottom:2px}" +
    ".typing{padding:0 12px 6px;font-size:13px;color:#6b7480;background:#f5f7fa}" +
    ".notice{padding:14px;font-size:14px;display:flex;flex-direction:column;gap:10px}" +
    "form{display:flex;gap:6px;padding:8px;border-top:1px solid #dde3ea}" +
    "textarea{flex:1;resize:none;font:inherit;border:1px solid #c5ccd6;border-radius:8px;padding:8px;height:40px}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;height:100%;max-height:100%;border-radius:0}" +
    ".launch{right:12px;bottom:12px}}" +
    "</style>" +
    '<button class="launch" part="launcher" aria-expanded="false"></button>' +
    '<section class="panel" role="dialog" aria-label="">' +
    '<div class="head"><strong class="title"></strong><button class="x" aria-label=""></button></div>' +
    '<div class="notice"><p class="text"></p><button class="accept"></button></div>' +
    '<div class="log" aria-live="polite"></div>' +
    '<div class="typing" aria-live="polite" hidden></div>' +
    '<form hidden><textarea maxlength="2000" rows="1"></textarea><button type="submit"></button></form>' +
    "</section>";
  var $ = function (sel) { return root.querySelector(sel); };
  var launcher = $(".launch"), panel = $(".panel"), log = $(".log"), notice = $(".notice"), form = $("form");
  var input = $("textarea"), typingLine = $(".typing");
  launcher.textContent = T.open;
  panel.setAttribute("aria-label", T.title);
  $(".title").textContent = T.title;
  $(".x").textContent = "×";
  $(".x").setAttribute("aria-label", T.close);
  $(".text").textContent = T.notice;
  $(".accept").textContent = T.accept;
  input.placeholder = T.placeholder;
  $("form button").textContent = T.send;
  (document.body || document.documentElement).appendChild(host);

  function bubble(role, text, id, sender) {
    if (id && seen[id]) return seen[id];
    var el = document.createElement("div");
    el.className = "m " + role;
    el.textContent = text;
    if (sender) { // a person answering: their name above their words
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = sender;
      el.insertBefore(who, el.firstChild);
    }
    if (id) { el.setAttribute("data-id", id); seen[id] = el; }
    log.appendChild(el);
    log.scrollTop = log.scrollHeight;
    return el;
  }
  function note(text) { bubble("note", text); }
  var typingTimer = null;
  function typing(name) { // "Aina is typing…" while a person writes; gone after a pause or their message
    clearTimeout(typingTimer);
    typingLine.hidden = !name;
    typingLine.textContent = name ? name + " " + T.typing : "";
    if (name) typingTimer = setTimeout(function () { typing(null); }, 6000);
  }
  function ready(on) { notice.hidden = on; form.hidden = !on; if (on) input.focus(); }

  // --- API ---------------------------------------------------------------------------------------
  // This browser's id (not a secret): the API throttles per IP + browser, not per hotel.
  var client = "";
  try {
    client = localStorage.getItem(STORE + ":client") || "";
    if (!client) { client = String(Math.random()).slice(2) + Date.now(); localStorage.setItem(STORE + ":client", client); }
  } catch (e) { client = String(Math.random()).slice(2); }
  function call(method, path, body) {
    var headers = { "Content-Type": "application/json", "X-Widget-Client": client };
    if (conv) headers["X-Guest-Token"] = conv.token;
    return fetch(API + "/api/v1" + path, {
      method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, credentials: "omit"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { data.status = r.status; return data; });
    });
  }

  function start() {
    return call("POST", "/conversations", { key: KEY, consent: true, consent_text: T.notice, language: lang })
      .then(function (data) {
        if (data.status !== 201) { note(data.error || T.failed); return; }
        save({ id: data.conversation_id, token: data.token });
        ready(true);
        connect();
      });
  }

  function resume() {
    return call("GET", "/conversations/" + conv.id).then(function (data) {
      if (data.status === 401 || data.status === 404 || data.status === 403) { save(null); ready(false); return; }
      if (data.status !== 200) throw data;
      behind = !listening();
      if (form.hidden) ready(true); // a catch-up read leaves the guest's focus where it is
      if (streaming) { streaming.remove(); streaming = null; } // the stored reply replaces a cut-off stream
      var first = log.querySelector("[data-unsent]");
      (data.messages || []).forEach(function (m) {
        var el = bubble(m.role, m.content, m.id, m.sender);
        if (first && el !== first) log.insertBefore(el, first); // what the server has comes before what it has not
      });
      if (!socket) connect();
    }).catch(function () {
      // Offline, or our 5xx: the guest may still write (kept unsent until it goes), and the socket's
      // reconnection comes back here (retry > 0) until the history can be read.
      ready(true);
      retry = Math.max(retry, 1);
      if (!socket) connect();
    });
  }

  // Seconds between a message's automatic retries (a lost connection, a 5xx, a 429); then the guest taps to retry.
  var BACKOFF = [1, 2, 4];

  // A message the server has not accepted yet outlives the page (a reload in a tunnel, a tab closed and
  // reopened): kept under this widget key and conversation with its client id, so that its resend after a reload
  // is still the same message to the server. Bounded: the newest 20, none older than a day (a question resent
  // unasked days later would puzzle the guest and the hotel alike).
  var UNSENT_MAX = 20, UNSENT_AGE = 24 * 3600 * 1000;

  function unsent(convId, change) { // the conversation's unsent messages, oldest first; `change` rewrites them
    var name = STORE + ":unsent:" + convId, list = [];
    try { list = JSON.parse(localStorage.getItem(name) || "[]"); } catch (e) {}
    list = list.filter(function (m) { return Date.now() - m.at < UNSENT_AGE; });
    if (change) {
      list = change(list).slice(-UNSENT_MAX);
      try { list.length ? localStorage.setItem(name, JSON.stringify(list)) : localStorage.removeItem(name); } catch (e) {}
    }
    return list;
  }

  function send(text) {
    // One id per message typed, kept by every retry of it (a reload's too): the server stores it once and, if
    // its turn was lost, sends the turn again (a retried POST that reached the server the first time is a duplicate).
    var m = { id: Math.random().toString(36).slice(2) + Date.now().toString(36), text: text, at: Date.now() };
    unsent(conv.id, function (list) { return list.concat(m); });
    post(bubble("guest", text), conv.id, m, 0);
  }

  function restore() { // what an earlier page could not send: shown again in its order, sent with its own ids
    unsent(conv.id).forEach(function (m) {
      var el = bubble("guest", m.text);
      state(el, T.retrying);
      post(el, conv.id, m, 0);
    });
  }

  function post(el, convId, m, attempt) {
    el.setAttribute("data-unsent", "1");
    if (!listening()) behind = true; // its answer may come before the socket listens
    call("POST", "/conversations/" + convId + "/messages", { text: m.text, client_id: m.id }).then(function (data) {
      if (data.status >= 500 || data.status === 429) {
        if (data.status === 429 && !attempt) note(T.slow);
        retryLater(el, convId, m, attempt);
        return;
      }
      // Accepted, or refused (too long, the conversation gone): the same words would be refused again.
      unsent(convId, function (list) { return list.filter(function (x) { return x.id !== m.id; }); });
      el.removeAttribute("data-unsent");
      if (data.status !== 202) { state(el, data.error || T.failed); return; }
      var id = data.message.id;
      state(el, "");
      if (seen[id] && seen[id] !== el) { el.remove(); return; } // a resume already showed it: never twice
      el.setAttribute("data-id", id);
      seen[id] = el;
    }, function () { retryLater(el, convId, m, attempt); });
  }

  function retryLater(el, convId, m, attempt) {
    if (attempt < BACKOFF.length) {
      state(el, T.retrying);
      setTimeout(function () { post(el, convId, m, attempt + 1); }, BACKOFF[attempt] * 1000);
      return;
    }
    state(el, T.unsent);
    // A real button, so that a keyboard or a screen reader can retry too.
    var again = document.createElement("button");
    again.type = "button";
    again.className = "again";
    again.textContent = T.again;
    again.setAttribute("aria-label", T.againLabel);
    again.onclick = function (e) {
      if (e.detail === 0) input.focus(); // pressed from the keyboard: focus back to typing, not lost with the button
      state(el, T.retrying);
      post(el, convId, m, 0);
    };
    el.appendChild(again);
  }

  function state(el, text) { // a guest bubble's delivery line: shown only while it is not sent, read out as it changes
    var line = el.querySelector(".state"), again = el.querySelector(".again");
    if (again) again.remove();
    if (!text) { if (line) line.remove(); el.removeAttribute("data-failed"); return; }
    if (!line) {
      line = document.createElement("span");
      line.className = "state";
      line.setAttribute("aria-live", "polite");
      el.appendChild(line);
    }
    line.textContent = text;
    el.setAttribute("data-failed", "1");
  }

  // --- Live replies --------------------------------------------------------------------------------
  function listening() { return !!socket && socket.readyState === 1; }

  function connect() {
    if (!conv) return;
    var url = API.replace(/^http/, "ws") + "/ws/guest/" + conv.id + "/?token=" + encodeURIComponent(conv.token);
    var ws = new WebSocket(url);
    socket = ws;
    ws.onopen = function () {
      // Catch up on anything said while we were away, or while this socket was opening: a page's first socket
      // opens after the history was read and perhaps after a restored message was posted, and a reply sent
      // in between reached no socket (under load the turn's answer came first; the guest never saw it).
      if (retry > 0 || behind) resume();
      retry = 0;
    };
    ws.onmessage = function (e) {
      var msg = JSON.parse(e.data), p = msg.payload || {};
      if (msg.event === "token") {
        if (!streaming) { streaming = bubble("ai", ""); streaming.setAttribute("data-streaming", "1"); }
        streaming.textContent += p.text;
        streaming.setAttribute("data-chunks", (+streaming.getAttribute("data-chunks") || 0) + 1);
        log.scrollTop = log.scrollHeight;
      } else if (msg.event === "reset" && streaming) {
        streaming.textContent = "";
      } else if (msg.event === "message") {
        if (streaming && p.role === "ai" && !seen[p.id]) {
          streaming.textContent = p.content;
          streaming.removeAttribute("data-streaming");
          streaming.setAttribute("data-id", p.id);
          seen[p.id] = streaming;
        } else {
          bubble(p.role, p.content, p.id, p.sender);
        }
        if (p.role === "ai") streaming = null;
        if (p.role === "staff") typing(null);
      } else if (msg.event === "typing") {
        typing(p.name);
      }
    };
    ws.onclose = function (e) {
      if (socket !== ws) return;
      socket = null;
      if (e.code === 4403 || !conv) return;
      retry = Math.min(retry + 1, 5);
      // After a second failure, ask the API whether the token is still good (a refused socket cannot say).
      setTimeout(retry > 1 ? resume : connect, 500 * Math.pow(2, retry));
    };
  }

  // --- Wiring ----------------------------------------------------------------------------------------
  launcher.onclick = function () {
    var on = !panel.classList.contains("on");
    panel.classList.toggle("on", on);
    launcher.setAttribute("aria-expanded", String(on));
  };
  $(".x").onclick = launcher.onclick;
  $(".accept").onclick = function () { start(); };
  form.onsubmit = function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || !conv) return;
    input.value = "";
    send(text);
  };
  input.onkeydown = function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  };
  // Counted once per visitor session (the tab's sessionStorage) for the GM's "widget visitors".
  try {
    if (!sessionStorage.getItem(STORE + ":visit")) {
      var visitor = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
      sessionStorage.setItem(STORE + ":visit", visitor);
      fetch(API + "/api/v1/widget/visits", {
        method: "POST", headers: { "Content-Type": "application/json", "X-Widget-Client": client }, credentials: "omit",
        body: JSON.stringify({ key: KEY, visitor_id: visitor })
      }).catch(function () {});
    }
  } catch (e) {}
  if (conv) { panel.classList.add("on"); restore(); resume(); } else { ready(false); }
})();
