/* Helpline chat widget: <script src="https://help.example.com/chat/widget.js" data-widget="KEY" async></script>
 * Vanilla JS, no dependencies. Text is only ever set with textContent (never parsed as HTML).
 * Reconnects on its own and resumes after the last message it showed: every message appears once.
 * A signed-in site user: data-user-id, -email, -name, -ts, -sig on the tag, or HelplineChat.identify({...}). */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[src*="/chat/widget.js"][data-widget]');
  if (!script || window.HelplineChat) return;
  var key = script.getAttribute("data-widget") || "";
  var base = new URL(script.src, location.href);
  var wsUrl = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/chat/ws?widget=" + encodeURIComponent(key);
  var store = "helpline-chat:" + key + ":token";
  var origin = base.protocol + "//" + base.host;
  var identity = null, maxUpload = 0;
  if (script.getAttribute("data-user-sig")) {
    identity = {};
    ["id", "email", "name", "ts", "sig"].forEach(function (k) { identity[k] = script.getAttribute("data-user-" + k) || ""; });
  }
  var title = script.getAttribute("data-title") || "Chat with us";
  var ws = null, lastId = 0, seen = {}, pending = {}, order = [], attempts = 0, fatal = false;
  var typingTimer = null, agentTypingTimer = null, typingOn = false, retryTimer = null, prechat = "off";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }
  function load(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
  function save(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } }

  var css = ".hlc-root{position:fixed;right:16px;bottom:16px;z-index:2147483000;font:15px/1.4 system-ui,sans-serif;color:#1a1a1a}" +
    ".hlc-root *{box-sizing:border-box}.hlc-launch{background:#0b57d0;color:#fff;border:0;border-radius:24px;padding:12px 18px;font:inherit;cursor:pointer}" +
    ".hlc-root button:focus-visible,.hlc-root input:focus-visible,.hlc-root textarea:focus-visible{outline:3px solid #f0a000;outline-offset:2px}" +
    ".hlc-panel{width:360px;max-width:calc(100vw - 32px);height:520px;max-height:calc(100vh - 96px);background:#fff;border:1px solid #767676;border-radius:12px;display:flex;flex-direction:column;overflow:hidden;margin-bottom:8px;box-shadow:0 4px 24px rgba(0,0,0,.2)}" +
    ".hlc-panel[hidden]{display:none}.hlc-head{display:flex;justify-content:space-between;align-items:center;background:#0b57d0;color:#fff;padding:8px 12px}" +
    ".hlc-head h2{font-size:16px;margin:0}.hlc-close{background:transparent;color:#fff;border:0;font-size:22px;cursor:pointer;min-width:44px;min-height:44px}" +
    ".hlc-status{margin:0;padding:6px 12px;background:#f1f3f4;font-size:13px}.hlc-log{flex:1;overflow-y:auto;padding:8px 12px;margin:0;list-style:none}" +
    ".hlc-msg{margin:6px 0;padding:8px 10px;border-radius:10px;max-width:85%;white-space:pre-wrap;word-wrap:break-word}" +
    ".hlc-visitor{background:#d3e3fd;margin-left:auto}.hlc-agent{background:#f1f3f4;border:1px solid #c4c7c5}.hlc-system{background:#fff8e1;border:1px dashed #8a6d00}.hlc-bot{background:#e6f4ea;border:1px solid #0d5b2a}.hlc-source{display:block;margin-top:.3em}" +
    ".hlc-who{display:block;font-size:12px;font-weight:600}.hlc-note{font-size:12px;color:#474747}.hlc-failed{color:#b3261e}" +
    ".hlc-typing{min-height:20px;margin:0;padding:0 12px;font-size:13px;color:#474747}.hlc-error{margin:0 12px;color:#b3261e;font-size:13px}" +
    ".hlc-form,.hlc-details{display:flex;gap:6px;padding:8px 12px;border-top:1px solid #c4c7c5;flex-wrap:wrap}.hlc-details[hidden]{display:none}" +
    ".hlc-form textarea{flex:1;min-height:44px;max-height:120px;font:inherit;padding:8px;border:1px solid #767676;border-radius:8px;resize:vertical}" +
    ".hlc-details label{font-size:13px;width:100%}.hlc-details input{width:100%;font:inherit;padding:6px;border:1px solid #767676;border-radius:6px}" +
    ".hlc-send{background:#0b57d0;color:#fff;border:0;border-radius:8px;padding:0 14px;min-height:44px;font:inherit;cursor:pointer}" +
    ".hlc-tools{display:flex;gap:6px;padding:0 12px}.hlc-link{background:none;border:0;color:#0b57d0;text-decoration:underline;font:inherit;font-size:13px;cursor:pointer;min-height:32px;padding:0}" +
    ".hlc-attach{background:#fff;color:#0b57d0;border:1px solid #0b57d0;border-radius:8px;padding:0 10px;min-height:44px;font:inherit;cursor:pointer}" +
    ".hlc-files{display:block}.hlc-files a{color:#0b57d0;display:block}.hlc-notice{margin:0 12px;font-size:13px;color:#1e4620}" +
    ".hlc-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    "@media (max-width:480px){.hlc-root{right:0;bottom:0;left:0}.hlc-panel{width:100vw;max-width:100vw;height:100vh;max-height:100vh;border-radius:0;margin:0}.hlc-launch{margin:0 16px 16px auto;display:block}}";

  var root = el("div", { "class": "hlc-root" });
  var style = el("style", {}, css);
  var panel = el("div", { "class": "hlc-panel", role: "dialog", "aria-labelledby": "hlc-title", id: "hlc-panel", hidden: "" });
  var head = el("div", { "class": "hlc-head" });
  head.appendChild(el("h2", { id: "hlc-title" }, title));
  var closeBtn = el("button", { type: "button", "class": "hlc-close", "aria-label": "Close chat" }, "\u00d7");
  head.appendChild(closeBtn);
  var statusLine = el("p", { "class": "hlc-status", "aria-live": "polite" }, "Connecting\u2026");
  var log = el("div", { "class": "hlc-log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
  var typing = el("p", { "class": "hlc-typing", "aria-live": "polite" });
  var errorBox = el("p", { "class": "hlc-error", role: "alert" });
  var notice = el("p", { "class": "hlc-notice", "aria-live": "polite" });
  var tools = el("div", { "class": "hlc-tools" });
  var transcriptBtn = el("button", { type: "button", "class": "hlc-link" }, "Email me the transcript");
  tools.appendChild(transcriptBtn);
  var details = el("form", { "class": "hlc-details", hidden: "", "aria-label": "Your details" });
  details.appendChild(el("label", { "for": "hlc-name" }, "Your name (optional)"));
  var nameInput = el("input", { id: "hlc-name", name: "name", autocomplete: "name", maxlength: "160" });
  details.appendChild(nameInput);
  var emailLabel = el("label", { "for": "hlc-email" }, "Email, so we can reply if you leave (optional)");
  details.appendChild(emailLabel);
  var emailInput = el("input", { id: "hlc-email", name: "email", type: "email", autocomplete: "email", maxlength: "254" });
  details.appendChild(emailInput);
  details.appendChild(el("button", { type: "submit", "class": "hlc-send" }, "Save details"));
  var form = el("form", { "class": "hlc-form", "aria-label": "Send a message" });
  form.appendChild(el("label", { "for": "hlc-text", "class": "hlc-sr" }, "Your message"));
  var input = el("textarea", { id: "hlc-text", name: "text", rows: "2", placeholder: "Type your message" });
  form.appendChild(input);
  var fileInput = el("input", { type: "file", hidden: "", "aria-label": "File to send",
    accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,.txt,.csv,.log,.docx,.xlsx,.pptx,.odt,.ods" });
  var attachBtn = el("button", { type: "button", "class": "hlc-attach", "aria-label": "Attach a file" }, "\ud83d\udcce File");
  form.appendChild(fileInput);
  form.appendChild(attachBtn);
  form.appendChild(el("button", { type: "submit", "class": "hlc-send" }, "Send"));
  [head, statusLine, log, typing, errorBox, notice, details, form, tools].forEach(function (n) { panel.appendChild(n); });
  var launch = el("button", { type: "button", "class": "hlc-launch", "aria-controls": "hlc-panel", "aria-expanded": "false" }, title);
  root.appendChild(panel);
  root.appendChild(launch);

  function open() {
    panel.hidden = false;
    launch.setAttribute("aria-expanded", "true");
    launch.hidden = true;
    if (!ws && !fatal) connect();
    input.focus();
  }
  function close() {
    panel.hidden = true;
    launch.hidden = false;
    launch.setAttribute("aria-expanded", "false");
    launch.focus();
  }
  launch.addEventListener("click", open);
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });

  function send(frame) {
    if (ws && ws.readyState === 1) { ws.send(JSON.stringify(frame)); return true; }
    return false;
  }
  function bubble(author, name, text, note) {
    var item = el("div", { "class": "hlc-msg hlc-" + author });
    item.appendChild(el("span", { "class": "hlc-who" }, name));
    item.appendChild(document.createTextNode(text));
    var small = el("span", { "class": "hlc-note" }, note || "");
    item.appendChild(small);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }
  function size(n) { return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(n / 1024)) + " KB"; }
  function addFiles(node, files) {
    if (!files || !files.length || node.querySelector(".hlc-files")) return;
    var box = el("span", { "class": "hlc-files" });
    files.forEach(function (f) {
      var a = el("a", { href: origin + f.url, download: f.name, rel: "noopener" }, f.name + " (" + size(f.size) + ")");
      box.appendChild(a);
    });
    node.insertBefore(box, node.lastChild);
  }
  function showMessage(m) {
    if (seen[m.id]) return;
    seen[m.id] = true;
    lastId = Math.max(lastId, m.id);
    var mine = m.client_id && pending[m.client_id];
    if (mine) {
      mine.node.setAttribute("data-id", m.id);
      mine.node.lastChild.textContent = "";
      addFiles(mine.node, m.attachments);
      delete pending[m.client_id];
      return;
    }
    var node = bubble(m.author, m.author === "visitor" ? "You" : m.name, m.text);
    node.setAttribute("data-id", m.id);
    addFiles(node, m.attachments);
    if (m.source && /^\/help\//.test(m.source.url)) {  /* the bot's citation: an article of our help center */
      var cite = el("a", { "class": "hlc-source", href: origin + m.source.url, target: "_blank", rel: "noopener" },
        "Source: " + m.source.title);
      node.insertBefore(cite, node.lastChild);
    }
    if (m.author === "agent") typing.textContent = "";
  }
  function resendPending() {
    order = order.filter(function (id) { return pending[id]; });
    order.forEach(function (id) { if (!pending[id].file) send({ type: "message", text: pending[id].text, client_id: id }); });
  }
  function onFrame(f) {
    if (f.type === "welcome") {
      attempts = 0;
      if (f.token) save(store, f.token);
      statusLine.textContent = (f.status && f.status.text) || "";
      prechat = f.prechat || "off";
      details.hidden = prechat === "off" || (f.visitor && f.visitor.has_email);
      if (prechat === "required") emailLabel.textContent = "Email (required to start)";
      if (f.limits) { input.setAttribute("maxlength", String(f.limits.max_chars)); maxUpload = f.limits.max_upload_bytes || 0; }
      errorBox.textContent = "";
      resendPending();
    } else if (f.type === "message") {
      showMessage(f);
    } else if (f.type === "ack") {
      var p = pending[f.client_id];
      if (p) p.node.lastChild.textContent = "";
    } else if (f.type === "typing") {
      typing.textContent = f.on ? (f.name || "Support") + " is typing\u2026" : "";
      clearTimeout(agentTypingTimer);
      agentTypingTimer = setTimeout(function () { typing.textContent = ""; }, 6000);
    } else if (f.type === "details") {
      details.hidden = !!f.has_email;
      errorBox.textContent = "";
    } else if (f.type === "transcript") {
      errorBox.textContent = "";
      notice.textContent = "We've emailed the transcript to " + f.to + ".";
    } else if (f.type === "error") {
      errorBox.textContent = f.message || "Something went wrong.";
      if (f.code === "email_required") { details.hidden = false; emailInput.focus(); }
      var failed = f.client_id && pending[f.client_id];
      if (failed && f.code === "busy") {
        failed.node.lastChild.textContent = " Sending again\u2026";
        setTimeout(function () { send({ type: "message", text: failed.text, client_id: f.client_id }); }, 1000 * (f.retry_after || 1));
        return;
      }
      if (failed) {
        failed.node.lastChild.textContent = " Not sent: " + (f.message || f.code);
        failed.node.lastChild.className = "hlc-note hlc-failed";
        delete pending[f.client_id];
        if (f.code === "rate_limited" || f.code === "too_large") input.value = input.value || failed.text;
      }
    } else if (f.type === "reconnect") {
      attempts = 0;
    }
  }
  function connect() {
    clearTimeout(retryTimer);
    var socket = new WebSocket(wsUrl);
    ws = socket;
    socket.onopen = function () {
      var hello = { type: "hello", token: load(store), last_id: lastId };
      if (identity) hello.identity = identity;
      socket.send(JSON.stringify(hello));
    };
    socket.onmessage = function (e) {
      try { onFrame(JSON.parse(e.data)); } catch (err) { /* ignore a malformed frame */ }
    };
    socket.onclose = function (e) {
      if (ws !== socket) return;
      ws = null;
      if (e.code >= 4400 && e.code < 4500 && e.code !== 4429) {
        fatal = true;
        statusLine.textContent = "Chat unavailable.";
        return;
      }
      statusLine.textContent = "Reconnecting\u2026";
      var delay = e.code === 4000 ? 0 : Math.min(10000, 250 * Math.pow(2, attempts++)) * (0.5 + Math.random() / 2);
      retryTimer = setTimeout(connect, delay);
    };
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) { errorBox.textContent = "Write a message first."; return; }
    var id = newId();
    pending[id] = { text: text, node: bubble("visitor", "You", text, " Sending\u2026") };
    order.push(id);
    input.value = "";
    errorBox.textContent = "";
    if (!send({ type: "message", text: text, client_id: id })) pending[id].node.lastChild.textContent = " Waiting for connection\u2026";
    if (typingOn) { typingOn = false; send({ type: "typing", on: false }); }
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit")); }
  });
  input.addEventListener("input", function () {
    if (!typingOn) { typingOn = true; send({ type: "typing", on: true }); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingOn = false; send({ type: "typing", on: false }); }, 3000);
  });
  function newId() { return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }
  function failUpload(p, message) {
    p.node.lastChild.textContent = " Not sent: " + message;
    p.node.lastChild.className = "hlc-note hlc-failed";
    errorBox.textContent = message;
  }
  function upload(file) {
    var id = newId();
    var p = { text: "", file: true, node: bubble("visitor", "You", "", "") };
    p.node.lastChild.textContent = " " + file.name + " (" + size(file.size) + ") uploading\u2026";
    errorBox.textContent = "";
    if (maxUpload && file.size > maxUpload) { failUpload(p, file.name + " is larger than the limit of " + size(maxUpload) + "."); return; }
    pending[id] = p;
    var body = new FormData();
    body.append("file", file, file.name);
    body.append("token", load(store) || "");
    body.append("client_id", id);
    if (identity) body.append("identity", JSON.stringify(identity));  /* a signed-in user proves it again */
    fetch(origin + "/chat/upload?widget=" + encodeURIComponent(key), { method: "POST", body: body })
      .then(function (r) {
        if (r.status === 201) { if (pending[id]) p.node.lastChild.textContent = " Sent"; return; }
        return r.json().then(function (problem) { throw new Error(problem.detail || ("HTTP " + r.status)); },
          function () { throw new Error("the upload failed (HTTP " + r.status + ")"); });
      })
      .catch(function (err) { delete pending[id]; failUpload(p, err.message || "the upload failed"); });
  }
  attachBtn.addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    var files = Array.prototype.slice.call(fileInput.files || []);
    fileInput.value = "";
    files.forEach(upload);
  });
  transcriptBtn.addEventListener("click", function () {
    notice.textContent = "";
    if (!send({ type: "transcript" })) errorBox.textContent = "Not connected; try again in a moment.";
  });
  details.addEventListener("submit", function (e) {
    e.preventDefault();
    send({ type: "details", name: nameInput.value, email: emailInput.value });
  });

  function mount() {
    document.head.appendChild(style);
    document.body.appendChild(root);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  window.HelplineChat = {
    open: open,
    close: close,
    /* drop the connection as a network failure would; it reconnects (after pauseMs, if given) */
    drop: function (pauseMs) {
      var s = ws;
      if (!s) return;
      ws = null;
      s.onclose = null;
      s.close();
      statusLine.textContent = "Reconnecting\u2026";
      retryTimer = setTimeout(connect, pauseMs || 0);
    },
    lastId: function () { return lastId; },
    /* a signed-in user of the site: {id, email, name, ts, sig} signed by the site's server */
    identify: function (who) {
      identity = who || null;
      if (ws) { var s = ws; ws = null; s.onclose = null; s.close(); connect(); }
    }
  };
})();
