// The composer on a group page starts small, so a phone shows posts first.
// Without JavaScript it is a link ("Skriv et opslag …") to the composer's own
// page, which works fully. With it, the form opens here as one labelled field;
// theme, photos and picture descriptions appear once the member starts
// writing. On a wide screen the whole form stays open.
(function () {
  "use strict";
  var WIDE = "(min-width: 64em)";
  var composers = document.querySelectorAll("[data-composer][data-collapsed]");
  Array.prototype.forEach.call(composers, function (composer) {
    var link = composer.querySelector("[data-composer-link]");
    var form = composer.querySelector("[data-composer-form]");
    var more = composer.querySelector("[data-composer-more]");
    if (!form || !more) return;
    var body = form.querySelector("textarea[name='body']");
    if (link) link.parentNode.hidden = true;
    form.hidden = false;
    composer.classList.add("is-open");
    var wide = window.matchMedia && window.matchMedia(WIDE).matches;
    if (wide || (body && body.value)) return;
    more.hidden = true;
    composer.classList.add("is-small");
    function grow() {
      if (!more.hidden) return;
      more.hidden = false;
      composer.classList.remove("is-small");
    }
    if (body) {
      body.addEventListener("focus", grow);
      body.addEventListener("input", grow);
    }
    // A click on a label or anywhere in the form opens it too.
    form.addEventListener("click", grow);
  });
})();
