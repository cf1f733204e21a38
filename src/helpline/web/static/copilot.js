// Copilot in the ticket view: put a fetched reply draft into the composer (the agent edits and sends
// it; nothing is sent here) and offer to undo it. The tone check runs by itself through HTMX when the
// composer's text changes, so filling the draft also checks its tone.
(function () {
  "use strict";
  var previous = null;

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "draft-info") return;
    var body = target.querySelector("[data-draft-text]");
    var box = document.getElementById("composer-text");
    if (!body || !box) return;
    previous = box.value;
    var reply = document.getElementById("mode-reply");
    if (reply) reply.checked = true;
    box.value = body.getAttribute("data-draft-text");
    box.dispatchEvent(new Event("input", { bubbles: true }));
    var undo = target.querySelector("[data-draft-undo]");
    if (undo && previous.trim()) undo.hidden = false;
    box.focus();
    box.setSelectionRange(0, 0);
    box.scrollTop = 0;
  });

  document.addEventListener("click", function (event) {
    var undo = event.target.closest ? event.target.closest("[data-draft-undo]") : null;
    if (!undo || previous === null) return;
    var box = document.getElementById("composer-text");
    if (!box) return;
    box.value = previous;
    previous = null;
    undo.hidden = true;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
  });
})();
