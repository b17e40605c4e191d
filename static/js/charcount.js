// Shows "n of N characters" under every field with data-counter, as the user types.
// The limit is enforced on the server too; without JavaScript the help text says it.
(function () {
  "use strict";
  document.querySelectorAll("[data-counter]").forEach(function (field) {
    var limit = parseInt(field.getAttribute("data-counter"), 10);
    var note = document.createElement("div");
    note.className = "form-text char-count";
    note.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", note);
    function update() {
      note.textContent = field.value.length + " of " + limit + " characters";
    }
    field.addEventListener("input", update);
    update();
  });
})();
