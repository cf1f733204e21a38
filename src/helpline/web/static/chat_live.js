// Live chat for agents. On a chat ticket: the visitor's typing indicator, new messages appended to the
// conversation as they arrive, and the agent's own typing sent to the visitor. On every workspace page:
// an alert (sound, title badge, a polite live region with a link) when a chat gets a new visitor
// message. The sound can be muted (remembered in this browser) and only plays once the page has had
// a click or key press, as browsers' autoplay rules require; without it the alert is visual only.
(function () {
  "use strict";
  var SOUND_KEY = "helpline.chatSound";
  var TYPING_SHOWN_MS = 6000;

  // -- sound --------------------------------------------------------------------------------------
  var audio = null;
  function soundOn() {
    try { return window.localStorage.getItem(SOUND_KEY) !== "off"; } catch (e) { return true; }
  }
  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!audio) { try { audio = new Context(); } catch (e) { return; } }
    if (audio.state === "suspended" && audio.resume) audio.resume().catch(function () {});
  }
  document.addEventListener("pointerdown", unlockAudio, true);
  document.addEventListener("keydown", unlockAudio, true);
  function chime() {
    if (!soundOn() || !audio || audio.state !== "running") return;
    var start = audio.currentTime;
    [660, 880].forEach(function (frequency, i) {
      var at = start + i * 0.16;
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.12, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.15);
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.16);
    });
  }
  function showSoundToggle() {
    var button = document.querySelector("[data-sound-toggle]");
    if (!button) return;
    button.hidden = false;
    button.setAttribute("aria-pressed", soundOn() ? "true" : "false");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-sound-toggle]") : null;
    if (!button) return;
    var on = !soundOn();
    try { window.localStorage.setItem(SOUND_KEY, on ? "on" : "off"); } catch (e) { /* storage off */ }
    button.setAttribute("aria-pressed", on ? "true" : "false");
  });

  // -- title badge and the live region ------------------------------------------------------------
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var unseen = 0;
  function badge(count) {
    unseen = count;
    document.title = (count ? "(" + count + ") " : "") + baseTitle;
  }
  function seen() { if (unseen) badge(0); }
  // An in-place update may bring its own <title> (the live inbox does): keep the badge on it.
  document.addEventListener("htmx:afterSettle", function () {
    baseTitle = document.title.replace(/^\(\d+\) /, "");
    badge(unseen);
  });
  window.addEventListener("focus", function () { if (document.hasFocus()) seen(); });
  document.addEventListener("pointerdown", seen);
  document.addEventListener("keydown", seen);

  // Several tabs hear the same alert: only a tab that can play sound competes, the tab on screen at
  // once and hidden tabs a moment later, and the first to take the alert's lock chimes.
  function chimeOnce(key) {
    if (!soundOn() || !audio || audio.state !== "running") return;
    if (!navigator.locks || !navigator.locks.request) {
      if (document.visibilityState === "visible") chime();
      return;
    }
    setTimeout(function () {
      navigator.locks.request("helpline-chime:" + key, {ifAvailable: true}, function (lock) {
        if (!lock) return null;
        chime();
        return new Promise(function (done) { setTimeout(done, 3000); });
      }).catch(function () {});
    }, document.visibilityState === "visible" ? 0 : 300);
  }

  function alertBox() { return document.getElementById("chat-alerts"); }
  function announce(text, href, quiet) {
    var box = alertBox();
    if (!quiet) chime();
    badge(unseen + 1);
    if (!box) return;
    var item = document.createElement("p");
    item.className = "chat-alert";
    var label = document.createElement(href ? "a" : "span");
    label.textContent = text;
    if (href) label.href = href;
    item.appendChild(label);
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "linkish";
    dismiss.textContent = box.getAttribute("data-dismiss") || "Dismiss";
    dismiss.addEventListener("click", function () { item.remove(); });
    item.appendChild(dismiss);
    box.appendChild(item);
    while (box.children.length > 3) box.removeChild(box.firstChild);
  }

  // -- the open chat ticket -----------------------------------------------------------------------
  var stream = null, streamTicket = null, typingTimer = null;
  function indicator() { return document.getElementById("visitor-typing"); }
  function showTyping(on) {
    var el = indicator();
    if (!el) return;
    el.textContent = on ? el.getAttribute("data-typing-label") : "";
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(function () { showTyping(false); }, TYPING_SHOWN_MS);
  }
  function lastId() {
    var top = 0;
    document.querySelectorAll("#conversation > li.msg[id^='message-']").forEach(function (li) {
      top = Math.max(top, parseInt(li.id.slice(8), 10) || 0);
    });
    return top;
  }
  var fetching = false, again = false;
  function fetchNew() {
    var el = indicator(), list = document.getElementById("conversation");
    if (!el || !list || !window.fetch) return;
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(el.getAttribute("data-since") + "?after=" + lastId(), {
      credentials: "same-origin", headers: { "HX-Request": "true" }
    }).then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html;
        var fromVisitor = false;
        holder.content.querySelectorAll("li.msg").forEach(function (li) {
          if (document.getElementById(li.id)) return;
          list.appendChild(li);
          if (li.classList.contains("msg-customer")) fromVisitor = true;
        });
        var seenInput = document.querySelector("#composer input[name=seen]");
        if (seenInput) seenInput.value = String(Math.max(parseInt(seenInput.value, 10) || 0, lastId()));
        if (fromVisitor) {
          showTyping(false);
          announce(el.getAttribute("data-new-label"), null);
        }
      })
      .catch(function () { /* the next event or a reload catches up */ })
      .then(function () {
        fetching = false;
        if (again) { again = false; fetchNew(); }
      });
  }
  function connectTicket() {
    var el = indicator();
    var id = el ? el.getAttribute("data-ticket") : null;
    if (id === streamTicket) return;
    if (stream) { stream.close(); stream = null; }
    streamTicket = id;
    if (!el || !window.EventSource) return;
    stream = new EventSource(el.getAttribute("data-chat-live"));
    stream.addEventListener("typing", function (event) {
      try { showTyping(!!JSON.parse(event.data).on); } catch (e) { /* ignore a malformed hint */ }
    });
    stream.addEventListener("message", fetchNew);
    stream.addEventListener("open", fetchNew); // after a reconnect, catch up on what was missed
  }
  document.addEventListener("htmx:afterSwap", connectTicket);

  // The agent's own typing, so the visitor's widget can show it (on a public reply only).
  var sentTypingAt = 0, stopTimer = null;
  function sendTyping(on) {
    var el = indicator();
    if (!el || !window.fetch) return;
    fetch(el.getAttribute("data-agent-typing"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ on: on })
    }).catch(function () {});
  }
  document.addEventListener("input", function (event) {
    if (!event.isTrusted || !event.target || event.target.id !== "composer-text" || !indicator()) return;
    var note = document.getElementById("mode-note");
    if (note && note.checked) return;
    var now = Date.now();
    if (now - sentTypingAt > 3000) { sentTypingAt = now; sendTyping(true); }
    clearTimeout(stopTimer);
    stopTimer = setTimeout(function () { sentTypingAt = 0; sendTyping(false); }, 5000);
  });

  // -- alerts on every workspace page -------------------------------------------------------------
  function connectAlerts() {
    var box = alertBox();
    if (!box || !window.helplineStream) return;
    // One alerts stream for all of this browser's workspace tabs (shared_stream.js): every tab shows
    // the alert, and one tab chimes (chimeOnce).
    window.helplineStream(box.getAttribute("data-chat-alerts"), ["chat"], function (name, raw) {
      var data;
      try { data = JSON.parse(raw); } catch (e) { return; }
      var here = indicator();
      if (here && here.getAttribute("data-ticket") === String(data.ticket_id)) return; // shown live above
      var template = box.getAttribute(data["new"] ? "data-new-chat" : "data-chat-message") || "{subject}";
      announce(template.replace("{subject}", data.subject), data.url, true);
      chimeOnce(data.ticket_id + "@" + data.at);
    });
  }

  showSoundToggle();
  connectTicket();
  connectAlerts();
})();
