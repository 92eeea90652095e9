/* The staff dashboard's live feed: one websocket per page (/ws/staff/), no framework, no CDN.
 *
 * - Elements with data-live-url are re-fetched (an HTML fragment from the same host) when an event named in
 *   their data-live-events arrives; data-live-conversation limits it to one conversation.
 * - Alerts (#handoff-alert): a new handoff, a guest writing in a conversation you hold, a colleague taking
 *   one over from you. Each plays a sound (our static alert.wav), raises a browser notification once the
 *   person allowed them (asked once, on a click), and can be dismissed; dismissals, what was announced, the
 *   sound switch and the question asked are remembered per staff member (localStorage keyed by the user id).
 *   Whenever the socket opens, the guests' unread messages in conversations you hold are asked for
 *   (/inbox/alerts/): one written while the page loaded or the connection was down is alerted too.
 *   A handoff alert records its latency from payload.decided_at (seconds since the epoch).
 * - The tab title counts the guests waiting for a person.
 * - The conversation page: its forms post in place (no reload, the reply box stays put), "/" in the reply
 *   box opens the saved replies, "Aina is typing…" between staff, and keys t (take over), r (resolve),
 *   n (next waiting guest).
 */
(function () {
  "use strict";
  var body = document.body;
  var me = body.dataset.userId || "";
  var status = document.getElementById("live-status");
  var alertBox = document.getElementById("handoff-alert");
  var live = document.getElementById("conversation-live");
  var typingLine = document.getElementById("staff-typing");
  var here = live ? live.dataset.liveConversation : null;
  var baseTitle = document.title;
  var timers = new WeakMap();
  var scriptSrc = (document.currentScript && document.currentScript.src) || "/static/dashboard/live.js";
  var sound = new Audio(scriptSrc.replace(/live\.js.*$/, "alert.wav"));
  var socket = null;

  // --- Remembered per staff member ------------------------------------------------------------------
  function key(name) { return "nocturn:" + me + ":" + name; }
  function recall(name, fallback) {
    try { var v = localStorage.getItem(key(name)); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }
  function remember(name, value) {
    try { localStorage.setItem(key(name), JSON.stringify(value)); } catch (e) { /* private mode: forget */ }
  }
  var dismissed = recall("dismissed", []);

  function setStatus(state, text) {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
  }

  // --- Fragments ------------------------------------------------------------------------------------
  // A refreshed fragment replaces only the parts of the element that changed. The composer a person is
  // typing or clicking in stays the same element through a refresh that only moved the thread (a
  // colleague's note, a delivery tick): replacing it under the pointer lost a click on Send (pressed on the
  // old button, released on its copy), and the caret, the selection and any IME composition with it.
  function comparable(node) {
    var copy = node.cloneNode(true);
    // Django masks the CSRF token afresh on every render: the same form, another string.
    copy.querySelectorAll('input[name="csrfmiddlewaretoken"]').forEach(function (i) { i.removeAttribute("value"); });
    // A folded form a person opened is still the same form.
    copy.querySelectorAll("details[data-keep-open]").forEach(function (d) { d.removeAttribute("open"); });
    return copy.outerHTML;
  }
  function sameParts(old, next) {
    return old.length === next.length && old.every(function (part, i) {
      return part.tagName === next[i].tagName && part.id === next[i].id && part.className === next[i].className;
    });
  }
  function replaceKeepingDrafts(part, fresh, put) {
    // What was typed in a replaced part's boxes goes into their replacements (matched by form), focus too.
    var focused = document.activeElement;
    var keepFocus = focused && part.contains(focused) && focused.tagName === "TEXTAREA" ? focused.name : null;
    var drafts = {};
    part.querySelectorAll("textarea").forEach(function (t) { drafts[t.form ? t.form.className : t.name] = t.value; });
    var opened = {};
    part.querySelectorAll("details[data-keep-open]").forEach(function (d) { opened[d.className] = d.open; });
    put();
    fresh.querySelectorAll("details[data-keep-open]").forEach(function (d) { if (opened[d.className]) d.open = true; });
    fresh.querySelectorAll("textarea").forEach(function (t) {
      var k = t.form ? t.form.className : t.name;
      if (drafts[k]) t.value = drafts[k];
      if (keepFocus && t.name === keepFocus && drafts[k] !== undefined) t.focus();
    });
  }
  function swap(el, html) {
    var incoming = document.createElement("div");
    incoming.innerHTML = html;
    var old = Array.prototype.slice.call(el.children), next = Array.prototype.slice.call(incoming.children);
    if (sameParts(old, next)) {
      old.forEach(function (part, i) {
        if (comparable(part) === comparable(next[i])) return;
        replaceKeepingDrafts(part, next[i], function () { el.replaceChild(next[i], part); });
      });
    } else {
      replaceKeepingDrafts(el, el, function () { el.replaceChildren.apply(el, Array.prototype.slice.call(incoming.childNodes)); });
    }
    el.dataset.refreshed = String(Number(el.dataset.refreshed || 0) + 1);
    scrollThread();
    if (!typing()) showNewest();
    countWaiting(el);
  }

  // Each fetch of an element's fragment is numbered when it starts; an answer older than the one already
  // shown is dropped. A refresh asked for just before a staff reply can answer after the reply's own
  // fragment, and would put the thread back as it was before the reply (a clean-clone run caught it).
  var issued = new WeakMap(), shown = new WeakMap();
  function ticket(el) {
    var n = (issued.get(el) || 0) + 1;
    issued.set(el, n);
    return n;
  }
  function swapIfNewest(el, n, html) {
    if (n < (shown.get(el) || 0)) return false;
    shown.set(el, n);
    swap(el, html);
    return true;
  }

  function refresh(el) {
    // Coalesce bursts (a streamed answer, three guest lines) into one fetch per element.
    if (timers.get(el)) return;
    timers.set(el, setTimeout(function () {
      timers.delete(el);
      var n = ticket(el);
      fetch(el.dataset.liveUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) { swapIfNewest(el, n, html); })
        .catch(function () { /* the next event or the reconnect refreshes it */ });
    }, 60));
  }

  function scrollThread() {
    var thread = live && live.querySelector(".thread");
    if (thread) thread.scrollTop = thread.scrollHeight;
  }
  function typing() { return !!document.activeElement && document.activeElement.tagName === "TEXTAREA"; }
  // The newest message is what whoever opens a conversation reads first: on a short screen the pinned
  // composer (or, on a phone, the bottom of the screen) would hide it under the handoff summary, so the
  // page scrolls it into view above the composer.
  function showNewest() {
    var last = live && live.querySelector(".thread > .msg:last-child");
    var composer = document.getElementById("composer");
    if (!last) return;
    var limit = Math.min(window.innerHeight, composer ? composer.getBoundingClientRect().top : window.innerHeight);
    var hidden = last.getBoundingClientRect().bottom - limit;
    if (hidden > 0) window.scrollBy(0, hidden + 8);
  }

  // --- Tab title: guests waiting for a person -------------------------------------------------------
  function showWaiting(n) {
    document.title = (n > 0 ? "(" + n + ") " : "") + baseTitle;
    body.dataset.waiting = String(n);
  }
  function countWaiting(el) {
    var rows = el && el.querySelector ? el.querySelector("[data-waiting]") : null;
    if (rows) showWaiting(Number(rows.dataset.waiting));
  }
  var countTimer = null;
  function fetchWaiting() {
    clearTimeout(countTimer);
    countTimer = setTimeout(function () {
      fetch("/inbox/waiting/", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) { showWaiting(data.waiting); })
        .catch(function () {});
    }, 100);
  }

  // --- Alerts ---------------------------------------------------------------------------------------
  function controls() {
    if (!alertBox || document.getElementById("alert-controls")) return;
    var bar = document.createElement("p");
    bar.id = "alert-controls";
    bar.className = "alert-controls";
    var mute = document.createElement("button");
    mute.type = "button";
    mute.className = "sound-toggle";
    function label() { mute.textContent = recall("sound", true) ? "Sound on" : "Sound off"; }
    mute.onclick = function () { remember("sound", !recall("sound", true)); label(); };
    label();
    bar.appendChild(mute);
    if ("Notification" in window && Notification.permission === "default" && !recall("asked", false)) {
      var ask = document.createElement("button");
      ask.type = "button";
      ask.className = "enable-notifications";
      ask.textContent = "Enable desktop notifications";
      ask.onclick = function () {
        remember("asked", true);  // asked once: the browser remembers the answer itself
        Notification.requestPermission().finally(function () { ask.remove(); });
      };
      bar.appendChild(ask);
    }
    alertBox.parentNode.insertBefore(bar, alertBox);
  }

  function raise(id, text, href, extra) {
    if (!alertBox || dismissed.indexOf(id) !== -1 || alertBox.querySelector('[data-alert="' + id + '"]')) return null;
    var item = document.createElement("li");
    item.className = "alert-item";
    item.dataset.alert = id;
    Object.keys(extra || {}).forEach(function (k) { item.dataset[k] = extra[k]; });
    var link = document.createElement("a");
    link.href = href;
    link.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "dismiss";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    close.onclick = function () {
      dismissed = dismissed.concat([id]).slice(-300);
      remember("dismissed", dismissed);
      item.remove();
      alertBox.hidden = !alertBox.children.length;
    };
    item.appendChild(link);
    item.appendChild(close);
    alertBox.prepend(item);
    alertBox.hidden = false;
    if (live && !typing()) showNewest(); // the alert pushed the page down
    // Heard once per person: the same unread message shown again on the next page (or in a second tab) is silent.
    var announced = recall("announced", []);
    if (announced.indexOf(id) !== -1) return item;
    remember("announced", announced.concat([id]).slice(-300));
    if (recall("sound", true)) { try { sound.currentTime = 0; sound.play().catch(function () {}); } catch (e) {} }
    if ("Notification" in window && Notification.permission === "granted") {
      try {
        var n = new Notification("Nocturn", { body: text, tag: id });
        n.onclick = function () { window.focus(); location.href = href; };
      } catch (e) { /* some browsers only notify from a service worker */ }
    }
    body.dataset.alerts = String(Number(body.dataset.alerts || 0) + 1);
    return item;
  }

  function conversationUrl(id) { return "/conversations/" + id + "/"; }

  // What the feed said while this page was not listening is gone; what it alerts about is asked for again.
  function catchUp() {
    fetch("/inbox/alerts/", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        (data.alerts || []).reverse().forEach(function (p) { alertFor({ event: "message.new", payload: p }); });
      })
      .catch(function () { /* the next reconnect asks again */ });
  }

  function alertFor(data) {
    var p = data.payload || {};
    if (data.event === "handoff") {
      var latency = p.decided_at ? Math.max(0, Date.now() - p.decided_at * 1000).toFixed(1) : null;
      raise("handoff:" + p.handoff_id, (p.guest || "A guest") + " needs a person (" + (p.reason || p.trigger) + ")",
        conversationUrl(p.conversation_id), latency === null ? {} : { latencyMs: latency, conversation: p.conversation_id });
    } else if (data.event === "message.new" && p.role === "guest" && String(p.holder_id) === me &&
               !(String(p.conversation_id) === here && document.hasFocus())) {
      raise("message:" + p.message_id, (p.guest || "Your guest") + " wrote: " + p.preview,
        conversationUrl(p.conversation_id), { conversation: p.conversation_id });
    } else if (data.event === "delivery_failed") {
      raise("failed:" + p.message_id, "A message in conversation #" + p.conversation_id + " was not delivered" +
        (p.error ? ": " + p.error : ""), conversationUrl(p.conversation_id), { conversation: p.conversation_id });
    } else if (data.event === "conversation.status" && p.previous_holder_id && String(p.previous_holder_id) === me &&
               String(p.holder_id) !== me) {
      raise("moved:" + p.conversation_id + ":" + p.holder_since,
        (p.holder_name || "A colleague") + " took over conversation #" + p.conversation_id + " from you",
        conversationUrl(p.conversation_id), { conversation: p.conversation_id });
    }
  }

  // --- Staff typing ---------------------------------------------------------------------------------
  var typingTimer = null, lastTyping = 0;
  function showTyping(p) {
    if (!typingLine || String(p.conversation_id) !== here || String(p.user_id) === me) return;
    typingLine.textContent = p.name + " is typing…";
    typingLine.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingLine.hidden = true; typingLine.textContent = ""; }, 5000);
  }
  function sendTyping() {
    var now = Date.now();
    if (!socket || socket.readyState !== 1 || !here || now - lastTyping < 2000) return;
    lastTyping = now;
    socket.send(JSON.stringify({ type: "typing", conversation_id: Number(here) }));
  }

  // --- The conversation page: forms in place, saved replies, shortcuts -------------------------------
  function pickerFor(box) { return live && live.querySelector("#" + box.dataset.savedReplies); }
  function filterPicker(box) {
    var picker = pickerFor(box);
    if (!picker) return;
    if (box.value.charAt(0) !== "/") { picker.hidden = true; return; }
    var wanted = box.value.slice(1).toLowerCase();
    var shown = 0;
    picker.querySelectorAll("li").forEach(function (li) {
      var match = li.textContent.toLowerCase().indexOf(wanted) !== -1;
      li.hidden = !match;
      if (match) shown += 1;
    });
    picker.hidden = shown === 0;
  }

  if (live) {
    live.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.method || form.method.toLowerCase() !== "post") return;
      event.preventDefault();
      var sent = form.querySelector("textarea");
      var text = sent ? sent.value : "";
      var n = ticket(live);
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          // Sent: empty the box (the one on the page now: a refresh may have replaced the form meanwhile),
          // so the swap does not put the text back.
          var box = function () { return live.querySelector("form." + form.classList[0] + " textarea"); };
          if (sent && box()) box().value = "";
          if (!swapIfNewest(live, n, html)) refresh(live);  // a newer fetch was shown: it may predate this write
          var again = text && live.querySelector(".messages-flash .error") && box();
          if (again) again.value = text;  // refused: keep what was typed
        })
        .catch(function () { form.submit(); });  // let the browser do it the old way
    });
    live.addEventListener("input", function (event) {
      var box = event.target;
      if (box.tagName !== "TEXTAREA" || !box.dataset.savedReplies) return;
      filterPicker(box);
      if (box.value.charAt(0) !== "/") sendTyping();
    });
    live.addEventListener("click", function (event) {
      var choice = event.target.closest ? event.target.closest("[data-text]") : null;
      if (!choice) return;
      var box = live.querySelector("textarea[data-saved-replies]");
      if (!box) return;
      box.value = choice.dataset.text;
      pickerFor(box).hidden = true;
      box.focus();
    });
    live.addEventListener("keydown", function (event) {
      var box = event.target;
      if (box.tagName !== "TEXTAREA" || !box.dataset.savedReplies) return;
      var picker = pickerFor(box);
      if (event.key === "Escape" && picker) picker.hidden = true;
      if (event.key === "ArrowDown" && picker && !picker.hidden) {
        var first = picker.querySelector("li:not([hidden]) button");
        if (first) { event.preventDefault(); first.focus(); }
      }
    });
  }

  document.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable) return;
    if (event.key === "n") { location.href = "/inbox/next/"; return; }
    if (!live) return;
    var button = event.key === "t" ? live.querySelector('button[data-key="t"]') : event.key === "r" ? live.querySelector('button[data-key="r"]') : null;
    if (button) { event.preventDefault(); button.click(); }
  });

  // --- The socket -----------------------------------------------------------------------------------
  function dispatch(data) {
    if (data.event === "staff.typing") { showTyping(data.payload || {}); return; }
    alertFor(data);
    if (data.event === "handoff" || data.event === "conversation.status") fetchWaiting();
    var conv = data.payload && data.payload.conversation_id;
    document.querySelectorAll("[data-live-url]").forEach(function (el) {
      var wanted = (el.dataset.liveEvents || "").split(",");
      if (wanted.indexOf(data.event) === -1) return;
      if (el.dataset.liveConversation && String(conv) !== el.dataset.liveConversation) return;
      refresh(el);
    });
  }

  var backoff = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss" : "ws";
    var ws = new WebSocket(scheme + "://" + location.host + "/ws/staff/");
    socket = ws;
    ws.onopen = function () {
      backoff = 1000;
      setStatus("connected", "live");
      fetchWaiting();
      // Anything missed while disconnected (or while the page loaded).
      document.querySelectorAll("[data-live-url]").forEach(refresh);
      catchUp();
    };
    ws.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if (data.event === "hello" || data.event === "pong" || data.event === "error") return;
      dispatch(data);
    };
    ws.onclose = function () {
      socket = null;
      setStatus("reconnecting", "reconnecting…");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  }
  controls();
  // After the alert controls are in: they push the page down, and the newest line with it under the composer
  // (at 390x844 it stayed hidden until the socket's first refresh, which under load came after a person looked).
  if (live) { scrollThread(); showNewest(); }
  countWaiting(document);
  connect();
})();
