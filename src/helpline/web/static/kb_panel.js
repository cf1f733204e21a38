// Knowledge-base panel: insert an article's link or excerpt into the reply composer at the cursor.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-kb-insert]") : null;
    if (!button) return;
    var box = document.getElementById("composer-text");
    if (!box) return;
    var text = button.getAttribute("data-kb-insert");
    var start = box.selectionStart || 0, end = box.selectionEnd || 0;
    var before = box.value.slice(0, start), after = box.value.slice(end);
    var glue = before && !/\s$/.test(before) ? "\n\n" : "";
    box.value = before + glue + text + after;
    var caret = (before + glue + text).length;
    box.focus();
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
