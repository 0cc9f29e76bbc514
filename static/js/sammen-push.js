// "Beskeder på telefonen" on the notification settings page
// (templates/notifications/partials/push.html). The browser asks the person's
// permission only after they press "Få besked på telefonen", never on load.
// Texts come from the section's data-text-* attributes (translated there).
(function () {
  "use strict";
  var section = document.querySelector("[data-push]");
  if (!section) return;
  var status = section.querySelector("[data-push-status]");
  var devices = section.querySelector("[data-push-devices]");
  var onButton = section.querySelector("[data-push-on]");
  var offButton = section.querySelector("[data-push-off]");
  var tokenField = section.querySelector("input[name=csrfmiddlewaretoken]");

  function text(name) {
    return section.getAttribute("data-text-" + name) || "";
  }
  function say(message) {
    status.textContent = message;
  }
  // An error whose message is ours to show (Danish, from the page or the
  // server); a browser's own errors are technical English, so those get ours.
  function refusal(message) {
    var error = new Error(message);
    error.forPerson = true;
    return error;
  }
  function shown(error) {
    return error && error.forPerson ? error.message : text("failed");
  }
  function showOn(on) {
    onButton.hidden = on;
    offButton.hidden = !on;
  }

  var supported =
    window.isSecureContext && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    say(text("unsupported"));
    return;
  }

  // The applicationServerKey: base64url text to bytes.
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": tokenField ? tokenField.value : ""
      },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(
        function (data) {
          if (!response.ok) throw refusal(data.error || text("failed"));
          if (devices && data.devices_text) devices.textContent = data.devices_text;
          return data;
        },
        function () {
          throw refusal(text("failed"));
        }
      );
    });
  }

  // Old Safari answers requestPermission with a callback, newer browsers with a promise.
  function askPermission() {
    return new Promise(function (resolve) {
      var answer = Notification.requestPermission(resolve);
      if (answer && answer.then) answer.then(resolve);
    });
  }

  function current() {
    return navigator.serviceWorker.getRegistration("/").then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    });
  }

  onButton.addEventListener("click", function () {
    onButton.disabled = true;
    say(text("working"));
    askPermission()
      .then(function (permission) {
        if (permission !== "granted") throw refusal(text("denied"));
        return navigator.serviceWorker.register(section.getAttribute("data-worker"), { scope: "/" });
      })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        return registration.pushManager.getSubscription().then(function (existing) {
          return (
            existing ||
            registration.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: keyBytes(section.getAttribute("data-key"))
            })
          );
        });
      })
      .then(function (subscription) {
        return post(section.getAttribute("data-subscribe-url"), subscription.toJSON()).catch(function (err) {
          // Refused by the server: the browser should not keep it either.
          return subscription.unsubscribe().then(function () {
            throw err;
          });
        });
      })
      .then(function (data) {
        showOn(true);
        say(data.message || text("on"));
        offButton.focus();
      })
      .catch(function (err) {
        say(shown(err));
      })
      .then(function () {
        onButton.disabled = false;
      });
  });

  offButton.addEventListener("click", function () {
    offButton.disabled = true;
    say(text("working"));
    current()
      .then(function (subscription) {
        if (!subscription) return null;
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () {
          return post(section.getAttribute("data-unsubscribe-url"), { endpoint: endpoint });
        });
      })
      .then(function (data) {
        showOn(false);
        say((data && data.message) || text("off"));
        onButton.focus();
      })
      .catch(function (err) {
        say(shown(err));
      })
      .then(function () {
        offButton.disabled = false;
      });
  });

  // Only reads what this browser already has: asks nothing of the person.
  current()
    .then(function (subscription) {
      showOn(Boolean(subscription) && Notification.permission === "granted");
    })
    .catch(function () {
      showOn(false);
    });
})();
