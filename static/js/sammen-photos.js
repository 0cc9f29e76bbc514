// The photo fields (the post composer, the weekly plan's post form) speak
// Danish: the browser's own file button says "Choose Files" in the browser's
// language. Without JavaScript the native control stays and works. With it, a
// large "Vælg billeder" button (a <label> for the input) and a count ("2
// billeder valgt") take its place; the input itself is only visually hidden,
// so it keeps its place in the tab order and opens the picker by keyboard.
// The texts come from the input's data-* attributes (posts/forms.py).
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[type='file'][data-photo-picker]");
  Array.prototype.forEach.call(inputs, function (input) {
    if (!input.id || input.classList.contains("photo-input")) return;
    var picker = document.createElement("div");
    picker.className = "photo-picker";
    input.parentNode.insertBefore(picker, input);
    picker.appendChild(input);
    var button = document.createElement("label");
    button.className = "button secondary photo-button";
    button.htmlFor = input.id;
    button.textContent = input.getAttribute("data-choose");
    var status = document.createElement("span");
    status.className = "photo-status";
    status.id = input.id + "_status";
    status.setAttribute("aria-live", "polite");
    picker.appendChild(button);
    picker.appendChild(status);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + status.id);
    input.classList.add("photo-input");
    function update() {
      var n = input.files ? input.files.length : 0;
      var text =
        n === 0
          ? input.getAttribute("data-none")
          : n === 1
            ? input.getAttribute("data-one")
            : input.getAttribute("data-many").replace("{n}", String(n));
      status.textContent = text;
    }
    input.addEventListener("change", update);
    if (input.form) {
      input.form.addEventListener("reset", function () {
        window.setTimeout(update, 0);
      });
    }
    update();
  });
})();
