// Progressive enhancement for the workshop choice form: a live "n of N chosen" count.
(function () {
  "use strict";
  var form = document.querySelector("form[data-workshops-required]");
  if (!form) { return; }
  var required = parseInt(form.getAttribute("data-workshops-required"), 10);
  var counter = form.querySelector(".workshop-counter");
  function update() {
    var chosen = form.querySelectorAll("input[type=radio]:checked:not([value=''])").length;
    counter.hidden = false;
    counter.textContent = chosen + " of " + required + " workshops chosen";
  }
  form.addEventListener("change", update);
  update();
}());
