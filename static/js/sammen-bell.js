// The bell in the header: its unread count follows the person's notifications
// live over /ws/notifications/. Without JavaScript the count is the one the
// page was rendered with; the notifications page is always right.
(function () {
  "use strict";
  var badge = document.getElementById("bell-count");
  if (!badge || !window.WebSocket) return;
  var announcer = document.getElementById("bell-announcer");
  var last = parseInt(badge.textContent, 10) || 0;
  var delay = 1000;

  function show(count) {
    var label = count === 1 ? badge.getAttribute("data-label-one") : badge.getAttribute("data-label-many");
    badge.textContent = String(count);
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " " + label;
    badge.appendChild(hidden);
    badge.hidden = count === 0;
    if (announcer && count > last) announcer.textContent = count + " " + label;
    last = count;
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/notifications/");
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (evt) {
      try {
        var data = JSON.parse(evt.data);
        if (typeof data.unread === "number") show(data.unread);
      } catch (e) { /* not for us */ }
    };
    socket.onclose = function (evt) {
      if (evt.code === 4403) return; // logged out: nothing more to hear
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
