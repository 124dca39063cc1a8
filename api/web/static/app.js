// tessera: progressive enhancement of the form. Without this script the form
// posts to /check and the server renders the result page; with it, the
// result is fetched and shown in place, and a photo can be dragged in. In
// both, the photo is sent when the button is pressed, never on choosing it.
(function () {
  "use strict";
  var form = document.getElementById("checkform");
  var input = document.getElementById("photo");
  var drop = document.getElementById("drop");
  var result = document.getElementById("result");
  var chosen = document.getElementById("chosen");
  // status is the page's one status message (role="status", always in
  // the page so that screen readers announce what is written in it): the
  // wait, then the verdict.
  var status = document.getElementById("status");
  function say(text) { if (status) { status.textContent = text; } }
  if (!form || !input || !result || !window.fetch || !window.FormData) { return; }

  function busy(on) {
    result.setAttribute("aria-busy", on ? "true" : "false");
    if (on) {
      result.innerHTML = '<p class="busy">' + form.getAttribute("data-busy") + "</p>";
      say(form.getAttribute("data-busy"));
    }
  }

  function send() {
    if (!input.files || input.files.length === 0) { return; }
    var limit = parseInt(form.getAttribute("data-limit"), 10);
    if (limit && input.files[0].size > limit) {
      // The server would refuse it before reading it: say so without uploading.
      result.innerHTML = '<div class="error" role="alert"><p></p></div>';
      result.querySelector("p").textContent = form.getAttribute("data-toolarge");
      return;
    }
    busy(true);
    fetch(form.action, { method: "POST", body: new FormData(form), headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        result.innerHTML = html;
        busy(false);
        var h = result.querySelector("h2, [role=alert]");
        if (h) { h.setAttribute("tabindex", "-1"); h.focus(); }
        // The verdict in the title, as the page without script has it,
        // and in the status message.
        var v = document.getElementById("verdict");
        if (v && v.getAttribute("data-title")) {
          document.title = v.getAttribute("data-title");
          say(v.getAttribute("data-title").split(" — ")[0]);
        } else {
          say("");
        }
      })
      .catch(function () { busy(false); form.submit(); });
  }

  // Choosing or dropping a file only names it: the button submits (WCAG
  // 3.2.2, no change of context on input).
  form.addEventListener("submit", function (e) { e.preventDefault(); send(); });
  input.addEventListener("change", function () {
    if (chosen && input.files.length) { chosen.textContent = input.files[0].name; }
  });
  if (drop) {
    ["dragenter", "dragover"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        if (chosen) { chosen.textContent = input.files[0].name; }
      }
    });
  }
})();
