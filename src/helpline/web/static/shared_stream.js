// One server-sent-event stream per browser instead of one per tab. Browsers allow only about six
// connections to a site over HTTP/1.1, so an agent with a stream or two in every tab used to run out
// after three tabs. helplineStream(url, names, handler) lets the tabs of one browser (and one signed-in
// agent) elect a holder with the Web Locks API: the holder keeps the only EventSource for `url` and
// passes each event, with its id, to the other tabs over a BroadcastChannel. When the holder tab
// closes, its lock is released and another tab takes the stream over, resuming from the last event id
// it heard (`?last_event_id=`), so nothing committed during the hand-over is missed. A stream the
// browser gave up on (an error response: a restart, an expired session) is opened again after a pause.
// handler(name, data, holder) runs in every tab; `holder` is true in the tab that holds the stream.
// Without Web Locks (plain HTTP away from localhost, old browsers) each tab keeps its own stream.
(function () {
  "use strict";
  var RETRY_MS = 5000;

  function withCursor(url, lastId) {
    if (!lastId) return url;
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(lastId);
  }

  // Keep one EventSource open for as long as the page lives; `heard` gets every event, "ready" too.
  function keepOpen(url, names, heard, lastId) {
    function connect() {
      var source = new EventSource(withCursor(url, lastId));
      ["ready"].concat(names).forEach(function (name) {
        source.addEventListener(name, function (event) {
          if (event.lastEventId) lastId = event.lastEventId;
          heard(name, event.data, event.lastEventId);
        });
      });
      source.addEventListener("error", function () {
        if (source.readyState === 2) setTimeout(connect, RETRY_MS); // CLOSED: the browser gave up
      });
    }
    connect();
  }

  window.helplineStream = function (url, names, handler) {
    if (!window.EventSource) return;
    function mine(name) { return names.indexOf(name) >= 0; }
    if (!window.BroadcastChannel || !navigator.locks || !navigator.locks.request) {
      keepOpen(url, names, function (name, data) { if (mine(name)) handler(name, data, true); }, "");
      return;
    }
    var who = (document.body && document.body.getAttribute("data-stream-user")) || "";
    var key = "helpline-stream:" + who + ":" + url;
    var channel = new BroadcastChannel(key);
    var holding = false, lastId = "";
    channel.addEventListener("message", function (event) {
      var got = event.data || {};
      if (holding) return;
      if (got.id) lastId = got.id;
      if (mine(got.name)) handler(got.name, got.data, false);
    });
    navigator.locks.request(key, function () {
      holding = true;
      document.documentElement.setAttribute("data-stream-leader", "true");
      keepOpen(url, names, function (name, data, id) {
        if (mine(name)) handler(name, data, true);
        channel.postMessage({name: name, data: data, id: id});
      }, lastId);
      return new Promise(function () { /* held until this tab goes away */ });
    }).catch(function () {
      keepOpen(url, names, function (name, data) { if (mine(name)) handler(name, data, true); }, "");
    });
  };
})();
