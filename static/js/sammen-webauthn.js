// allauth's WebAuthn script reports a cancelled, missing or refused security
// key only on the console (an "allauth.error" event that nothing handles), so
// the person pressing the button saw nothing happen. Show the Danish message
// that the page holds, hidden, next to the button instead.
(function () {
  "use strict";

  document.addEventListener("allauth.error", function (event) {
    var tags = (event.detail && event.detail.tags) || [];
    var box = document.getElementById("webauthn-error");
    if (tags.indexOf("webauthn") === -1 || !box) {
      return;
    }
    event.preventDefault();
    box.hidden = false;
  });
})();
