/* Signature pad: pointer events (mouse, pen, touch), "Effacer", PNG data URL posted in a hidden field.
   No library. The canvas is transparent; strokes are drawn in dark blue-black. */
(function () {
  "use strict";
  var canvas = document.getElementById("fm-pad");
  var form = document.getElementById("fm-pad-form");
  if (!canvas || !form || !canvas.getContext) { return; }
  var ctx = canvas.getContext("2d");
  var field = document.getElementById("fm-pad-data");
  var state = document.getElementById("fm-pad-etat");
  var clearButton = document.getElementById("fm-pad-clear");
  var drawing = false, strokes = 0, last = null;

  ctx.lineWidth = 4;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#111827";

  function point(event) {
    var rect = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - rect.left) * (canvas.width / rect.width),
      y: (event.clientY - rect.top) * (canvas.height / rect.height)
    };
  }
  function say(text) { if (state) { state.textContent = text; } }

  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    drawing = true;
    last = point(event);
    if (canvas.setPointerCapture) { canvas.setPointerCapture(event.pointerId); }
    ctx.beginPath();
    ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
    ctx.fillStyle = ctx.strokeStyle;
    ctx.fill();
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    event.preventDefault();
    var p = point(event);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
  });
  function stop() {
    if (!drawing) { return; }
    drawing = false;
    strokes += 1;
    say("Signature tracée (" + strokes + " trait" + (strokes > 1 ? "s" : "") + "). Vous pouvez valider ou effacer.");
  }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("pointerleave", stop);

  clearButton.addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    strokes = 0;
    field.value = "";
    say("Le cadre est vide.");
    canvas.focus();
  });

  form.addEventListener("submit", function (event) {
    if (strokes === 0) {
      event.preventDefault();
      say("Le cadre est vide : signez avant de valider.");
      canvas.focus();
      return;
    }
    field.value = canvas.toDataURL("image/png");
  });
})();
