/* Helpline keyboard shortcuts and help overlay. Plain JavaScript, no build step.
 * j/k next/previous ticket, Enter open, x select, r reply, n note, a assign to me, s solve, / search, ? help. */
(function () {
  "use strict";
  var LIST_KEY = "helpline.ticketList";

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function helpDialog() { return document.getElementById("help"); }

  function openHelp() {
    var dialog = helpDialog();
    if (dialog && !dialog.open) dialog.showModal();
  }

  function rememberList() {
    var links = document.querySelectorAll("[data-ticket-link]");
    if (!links.length) return;
    var ids = Array.prototype.map.call(links, function (a) { return a.getAttribute("data-ticket-id"); });
    try { sessionStorage.setItem(LIST_KEY, JSON.stringify(ids)); } catch (e) { /* storage off */ }
  }

  function moveInList(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll("[data-ticket-link]"));
    if (!links.length) return false;
    var index = links.indexOf(document.activeElement);
    var next = index < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, index + step));
    links.forEach(function (a) { a.closest("tr").classList.remove("selected"); });
    links[next].closest("tr").classList.add("selected");
    links[next].focus();
    return true;
  }

  function moveFromTicket(step) {
    var here = document.querySelector("[data-ticket-id]");
    if (!here) return;
    var ids = [];
    try { ids = JSON.parse(sessionStorage.getItem(LIST_KEY) || "[]"); } catch (e) { ids = []; }
    var index = ids.indexOf(here.getAttribute("data-ticket-id"));
    var target = ids[index + step];
    if (index >= 0 && target) window.location.href = "/agent/tickets/" + target;
  }

  function toggleSelected() {
    var row = document.activeElement && document.activeElement.closest && document.activeElement.closest("tr");
    var box = row && row.querySelector("input[type=checkbox]");
    if (box) box.checked = !box.checked;
  }

  function compose(mode) {
    var radio = document.getElementById(mode === "note" ? "mode-note" : "mode-reply");
    var text = document.getElementById("composer-text");
    if (!radio || !text) return;
    radio.checked = true;
    text.focus();
  }

  function submit(id) {
    var form = document.getElementById(id);
    if (!form) return;
    var button = form.querySelector("button[type=submit]");
    if (button && button.disabled) return;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target) || (helpDialog() && helpDialog().open)) return;
    var handled = true;
    switch (event.key) {
      case "?": openHelp(); break;
      case "j": if (!moveInList(1)) moveFromTicket(1); break;
      case "k": if (!moveInList(-1)) moveFromTicket(-1); break;
      case "r": compose("reply"); break;
      case "n": compose("note"); break;
      case "a": submit("quick-assign"); break;
      case "s": submit("quick-solve"); break;
      case "x": toggleSelected(); break;
      case "/": var q = document.getElementById("search-q"); if (q) q.focus(); else handled = false; break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-help-open]");
    if (opener) openHelp();
  });

  // After an in-place update, put focus where a keyboard or screen-reader user expects it: on the
  // field that needs fixing, or on the confirmation ("Reply sent."), never lost on <body>.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || (target.id !== "ticket" && target.id !== "portal-ticket")) return;
    var field = document.querySelector("[aria-invalid=true]");
    var flash = document.getElementById("flash");
    if (field) field.focus();
    else if (flash && flash.textContent.trim()) { flash.setAttribute("tabindex", "-1"); flash.focus(); }
  });

  // A promised time ("Our team will reply by …") in the reader's own time zone and language.
  function localTimes(root) {
    root.querySelectorAll("time[data-local-time]").forEach(function (el) {
      var at = new Date(el.getAttribute("datetime"));
      if (isNaN(at.getTime()) || !window.Intl) return;
      var when = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit"
      }).format(at);
      el.setAttribute("title", el.textContent);
      el.textContent = el.getAttribute("data-local-time").replace("{when}", when);
    });
  }
  localTimes(document);
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target) localTimes(event.detail.target);
  });

  // Presence: tell the heartbeat whether this agent typed in the composer in the last 10 seconds.
  var typedAt = 0;
  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "composer-text") typedAt = Date.now();
  });
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.path && event.detail.path.indexOf("/presence") > 0) {
      event.detail.parameters.typing = Date.now() - typedAt < 10000 ? "1" : "";
    }
  });

  // Live inbox: a server-sent "inbox" event re-fetches this view in place, unless the agent is in
  // the middle of something (a selection, or focus inside the list); then a notice offers a refresh.
  var live = null;
  function refreshInbox() {
    var busy = document.querySelector("#inbox input[type=checkbox]:checked") ||
      (document.activeElement && document.activeElement.closest && document.activeElement.closest(".bulk-form"));
    if (busy || !window.htmx) {
      var notice = document.getElementById("live-status");
      if (notice) notice.hidden = false;
      return;
    }
    var focusedId = document.activeElement && document.activeElement.getAttribute("data-ticket-id");
    window.htmx.ajax("GET", window.location.href, {target: "#inbox", select: "#inbox", swap: "outerHTML"}).then(function () {
      rememberList();
      if (focusedId) {
        var again = document.querySelector('[data-ticket-link][data-ticket-id="' + focusedId + '"]');
        if (again) again.focus();
      }
    });
  }
  function connectLive() {
    var inbox = document.querySelector("[data-live]");
    if (!inbox || live || !window.helplineStream) return;
    live = true;  // one stream for all of this browser's inbox tabs (shared_stream.js)
    window.helplineStream(inbox.getAttribute("data-live"), ["inbox"], refreshInbox);
  }
  connectLive();

  // Canned replies: insert the filled text at the cursor instead of reloading the page (the form
  // still works without scripts: it then opens the ticket with the text in the composer).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-canned-picker") || !window.fetch) return;
    event.preventDefault();
    var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (data) {
        var text = document.getElementById("composer-text");
        if (!text) return;
        var start = text.selectionStart || 0, end = text.selectionEnd || 0;
        text.value = text.value.slice(0, start) + data.text + text.value.slice(end);
        text.focus();
        text.selectionStart = text.selectionEnd = start + data.text.length;
        var status = document.getElementById("canned-status");
        if (status) {
          status.textContent = data.unknown.length
            ? status.getAttribute("data-unknown-label").replace("{names}", data.unknown.join(", ")) : "";
        }
      })
      .catch(function () { form.submit(); });
  });

  rememberList();
})();
