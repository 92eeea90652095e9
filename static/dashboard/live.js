/* The staff dashboard's live feed: one websocket per page (/ws/staff/), no framework.
 *
 * Elements with data-live-url are re-fetched (an HTML fragment from the same host) when an event
 * named in their data-live-events arrives; data-live-conversation limits it to one conversation.
 * Handoff events also raise the alert banner (#handoff-alert), which records the alert's latency
 * from the moment the worker decided the handoff (payload.decided_at, seconds since the epoch).
 */
(function () {
  "use strict";
  var status = document.getElementById("live-status");
  var alertBox = document.getElementById("handoff-alert");
  var timers = new WeakMap();

  function setStatus(state, text) {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
  }

  function refresh(el) {
    // Coalesce bursts (a streamed answer, three guest lines) into one fetch per element.
    if (timers.get(el)) return;
    timers.set(el, setTimeout(function () {
      timers.delete(el);
      fetch(el.dataset.liveUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var focused = document.activeElement;
          var keep = focused && el.contains(focused) && focused.tagName === "TEXTAREA" ? focused.value : null;
          el.innerHTML = html;
          if (keep !== null) {
            var box = el.querySelector("textarea");
            if (box) { box.value = keep; box.focus(); }
          }
          el.dataset.refreshed = String(Number(el.dataset.refreshed || 0) + 1);
        })
        .catch(function () { /* the next event or the reconnect refreshes it */ });
    }, 60));
  }

  function showAlert(payload) {
    if (!alertBox) return;
    var latency = payload.decided_at ? Math.max(0, Date.now() - payload.decided_at * 1000) : null;
    var link = document.createElement("a");
    link.href = "/conversations/" + payload.conversation_id + "/";
    link.textContent = (payload.guest || "A guest") + " needs a person (" + (payload.reason || payload.trigger) + ")";
    var item = document.createElement("li");
    item.className = "alert-item";
    item.dataset.conversation = payload.conversation_id;
    if (latency !== null) item.dataset.latencyMs = latency.toFixed(1);
    item.appendChild(link);
    alertBox.prepend(item);
    alertBox.hidden = false;
  }

  function dispatch(data) {
    if (data.event === "handoff") showAlert(data.payload);
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
    var socket = new WebSocket(scheme + "://" + location.host + "/ws/staff/");
    socket.onopen = function () {
      backoff = 1000;
      setStatus("connected", "live");
      // Anything missed while disconnected.
      document.querySelectorAll("[data-live-url]").forEach(refresh);
    };
    socket.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if (data.event === "hello" || data.event === "pong") return;
      dispatch(data);
    };
    socket.onclose = function () {
      setStatus("reconnecting", "reconnecting…");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  }
  connect();
})();
