/* Check-in: camera QR reading (jsQR) and a live count. The page works without
   this file: the form takes the code typed or sent by a USB scanner. */
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  if (!form) { return; }
  var input = form.querySelector("input[name='token']");
  var result = document.getElementById("checkin-result");
  if (result) { result.focus(); }
  if (input && !result) { input.focus(); }

  // Live count of checked in against confirmed, refreshed every 15 seconds.
  var countUrl = form.getAttribute("data-count-url");
  var checkedIn = document.getElementById("checked-in-count");
  var confirmed = document.getElementById("confirmed-count");
  function refreshCount() {
    fetch(countUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        checkedIn.textContent = data.checked_in;
        confirmed.textContent = data.confirmed;
      })
      .catch(function () { /* offline for a moment: keep the last count */ });
  }
  if (countUrl && window.fetch) { window.setInterval(refreshCount, 15000); }

  // Camera scanning, where the browser offers a camera and jsQR loaded.
  var toggle = document.getElementById("camera-toggle");
  var panel = document.getElementById("camera");
  var video = document.getElementById("camera-video");
  var status = document.getElementById("camera-status");
  if (!toggle || !window.jsQR || !navigator.mediaDevices ||
      !navigator.mediaDevices.getUserMedia) { return; }
  toggle.classList.remove("d-none");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    panel.classList.add("d-none");
    toggle.textContent = toggle.getAttribute("data-start-label") || toggle.textContent;
  }

  function scan() {
    if (!stream) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (code && code.data) {
        input.value = code.data;
        status.textContent = "Code read, checking in…";
        stop();
        form.submit();
        return;
      }
    }
    window.requestAnimationFrame(scan);
  }

  toggle.setAttribute("data-start-label", toggle.textContent);
  toggle.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        panel.classList.remove("d-none");
        toggle.textContent = "Stop camera";
        status.textContent = "Hold the badge's QR code in front of the camera.";
        video.play();
        window.requestAnimationFrame(scan);
      })
      .catch(function () {
        status.textContent = "No camera available: type the code or use a scanner.";
        panel.classList.remove("d-none");
      });
  });
})();
