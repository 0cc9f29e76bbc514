/* Sammen live updates.
 *
 * htmx's ws extension owns the socket (connect, reconnect with back-off).
 * The server sends JSON: {"event_id": N, "ops": [{"op", "target", "html"}],
 * "announce": "..."}. We apply ops ourselves so that a replayed event (after a
 * reconnect) replaces what is there instead of adding it twice, and we send
 * the last event id we saw on every (re)connect so the server can replay what
 * we missed from the database. Without JavaScript the page is a plain page.
 */
(function () {
  "use strict";

  function liveRoot(el) {
    return el.closest ? el.closest("[data-ws-connect], [ws-connect]") : null;
  }

  function place(op) {
    var html = (op.html || "").trim();
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var fresh = tpl.content.firstElementChild;
    var target = op.target ? document.querySelector(op.target) : null;
    if (op.op === "remove") {
      if (target) target.remove();
      return null;
    }
    if (!fresh) return null;
    var existing = fresh.id ? document.getElementById(fresh.id) : null;
    if (op.op === "replace" || existing) {
      var old = existing || target;
      if (!old) return null;
      old.replaceWith(fresh);
    } else if (op.op === "append" && target) {
      target.appendChild(fresh);
    } else if (op.op === "prepend" && target) {
      target.insertBefore(fresh, target.firstChild);
    } else {
      return null;
    }
    if (window.htmx) window.htmx.process(fresh);
    return fresh;
  }

  function setText(selector, text) {
    var el = document.querySelector(selector);
    if (el) el.textContent = text;
  }

  document.addEventListener("htmx:wsOpen", function (evt) {
    var root = liveRoot(evt.target) || evt.target;
    var last = parseInt(root.getAttribute("data-last-event") || "0", 10);
    evt.detail.socketWrapper.send(JSON.stringify({ type: "resume", last_event_id: last }));
  });

  document.addEventListener("htmx:wsBeforeMessage", function (evt) {
    var data;
    try {
      data = JSON.parse(evt.detail.message);
    } catch (e) {
      return; // not ours: let htmx handle it
    }
    evt.preventDefault();
    if (data && data.reload) {
      window.location.reload();
      return;
    }
    var root = liveRoot(evt.target) || document.querySelector("[data-ws-connect], [ws-connect]");
    if (!data || !data.ops) return;
    var empty = document.getElementById("feed-empty");
    data.ops.forEach(function (op) {
      if (op.op === "text") {
        setText(op.target, op.html);
        return;
      }
      var el = place(op);
      if (el && empty && op.target === "#feed-posts") empty.remove();
    });
    if (root && data.event_id) {
      var seen = parseInt(root.getAttribute("data-last-event") || "0", 10);
      if (data.event_id > seen) root.setAttribute("data-last-event", String(data.event_id));
    }
    if (data.announce) setText("#live-announcer", data.announce);
  });

  // Forms sent with htmx: clear them on success, show the server's words on failure.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt;
    if (!form || form.tagName !== "FORM") return;
    var feedback = form.querySelector(".form-feedback");
    if (evt.detail.successful) {
      if (form.hasAttribute("data-reset-on-success")) form.reset();
      if (feedback) { feedback.hidden = true; feedback.textContent = ""; }
      var box = form.closest("details");
      if (box) box.open = false;
    } else if (feedback) {
      feedback.textContent = evt.detail.xhr.responseText || feedback.getAttribute("data-default") || "";
      feedback.hidden = false;
    }
  });

  // "Flere reaktioner": the page's one set of choices (#reaction-picker), copied
  // into this post's reaction form and opened in place. Without JavaScript the
  // link opens a page with the same choices.
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest ? evt.target.closest("a[data-reaction-picker]") : null;
    var tpl = document.getElementById("reaction-picker");
    if (!link || !tpl) return;
    var form = link.closest("form");
    if (!form) return;
    evt.preventDefault();
    var open = link.parentNode.querySelector(".reaction-choices");
    if (open) {
      open.remove();
      link.setAttribute("aria-expanded", "false");
      return;
    }
    var choices = tpl.content.firstElementChild.cloneNode(true);
    var bar = link.closest(".reactions");
    var mine = (bar && bar.getAttribute("data-mine")) || "";
    choices.querySelectorAll("button").forEach(function (b) {
      if (mine && b.value === mine) {
        b.value = "";
        b.setAttribute("aria-pressed", "true");
        b.classList.remove("secondary");
        b.classList.add("chosen");
      }
    });
    link.insertAdjacentElement("afterend", choices);
    link.setAttribute("aria-expanded", "true");
    var first = choices.querySelector("button");
    if (first) first.focus();
  });

  // "Skriv en kommentar" on a feed: the page's one comment form (#comment-form-template),
  // copied under this post with the post's address and opened in place.
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest ? evt.target.closest("a[data-comment-form]") : null;
    var tpl = document.getElementById("comment-form-template");
    if (!link || !tpl) return;
    evt.preventDefault();
    var holder = link.parentNode;
    var existing = holder.nextElementSibling;
    if (existing && existing.matches("form.comment-form")) {
      existing.querySelector("textarea").focus();
      return;
    }
    var form = tpl.content.firstElementChild.cloneNode(true);
    var url = link.getAttribute("data-comment-form");
    var id = "comment-body-" + url.replace(/\D+/g, "-");
    form.setAttribute("action", url);
    form.setAttribute("data-hx-post", url);
    form.querySelector("label").setAttribute("for", id);
    form.querySelector("textarea").id = id;
    holder.insertAdjacentElement("afterend", form);
    link.setAttribute("aria-expanded", "true");
    if (window.htmx) window.htmx.process(form);
    form.querySelector("textarea").focus();
  });

  // @mention autocomplete: suggestions as buttons under the text field.
  var timer = null;
  document.addEventListener("input", function (evt) {
    var field = evt.target;
    if (!field.matches || !field.matches("textarea[data-mentions]")) return;
    var url = document.body.getAttribute("data-mentions-url");
    if (!url) return;
    var before = field.value.slice(0, field.selectionStart);
    var match = /(?:^|\s)@([^\s@]{1,30}(?: [^\s@]{0,30})?)$/.exec(before);
    var box = field.parentNode.querySelector(".mention-box");
    if (!match) { if (box) box.remove(); return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(url + "?q=" + encodeURIComponent(match[1]), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { names: [] }; })
        .then(function (data) {
          if (box) box.remove();
          if (!data.names.length) return;
          box = document.createElement("div");
          box.className = "mention-box";
          box.setAttribute("role", "group");
          box.setAttribute("aria-label", document.body.getAttribute("data-mentions-label") || "");
          data.names.forEach(function (name) {
            var b = document.createElement("button");
            b.type = "button";
            b.className = "secondary small";
            b.textContent = "@" + name;
            b.addEventListener("click", function () {
              var start = before.length - match[1].length;
              field.value = field.value.slice(0, start) + name + " " + field.value.slice(field.selectionStart);
              box.remove();
              field.focus();
            });
            box.appendChild(b);
          });
          field.insertAdjacentElement("afterend", box);
        });
    }, 200);
  });
})();
