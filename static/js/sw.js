// Sammen's service worker, served at /sw.js (notifications.views.service_worker,
// which puts self.SAMMEN_PUSH in front: the site's name, a fallback text in the
// site's language and the icons' URLs). It only shows pushes: no fetch handler,
// nothing cached, so every page still comes from the server.
"use strict";

var CONFIG = self.SAMMEN_PUSH || { title: "Sammen", body: "", url: "/notifications/" };

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

// Every push shows a visible notification (the browser requires it, and a
// silent push would tell the person nothing). The text is generic: the server
// never sends what was written or by whom.
self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = {};
  }
  var title = data.title || CONFIG.title;
  var options = {
    body: data.body || CONFIG.body,
    icon: CONFIG.icon,
    badge: CONFIG.badge,
    tag: "sammen",
    renotify: true,
    data: { url: data.url || CONFIG.url }
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

// A tap on the notification: back to a Sammen window already showing the
// page, or a new one. Only pages of this site are ever opened.
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var wanted = (event.notification.data && event.notification.data.url) || CONFIG.url;
  var url = new URL(wanted, self.location.origin);
  if (url.origin !== self.location.origin) url = new URL(CONFIG.url, self.location.origin);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === url.href && "focus" in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow ? self.clients.openWindow(url.href) : undefined;
    })
  );
});
