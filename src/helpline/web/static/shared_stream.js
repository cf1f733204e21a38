// One server-sent-event stream per browser instead of one per tab. Browsers allow only about six
// connections to a site over HTTP/1.1, so an agent with a stream or two in every tab used to run out
// after three tabs. helplineStream(url, names, handler) lets the tabs of one browser elect a leader
// with the Web Locks API: the leader holds the only EventSource for `url` and passes each event on to
// the other tabs over a BroadcastChannel; when the leader tab closes, its lock is released and another
// tab takes over. handler(name, data, leader) runs in every tab; `leader` is true in the tab that
// holds the stream. Without Web Locks (plain HTTP outside localhost, old browsers) each tab keeps its
// own stream, as before.
(function () {
  "use strict";
  function ownStream(url, names, handler) {
    var source = new EventSource(url);
    names.forEach(function (name) {
      source.addEventListener(name, function (event) { handler(name, event.data, true); });
    });
    return source;
  }
  window.helplineStream = function (url, names, handler) {
    if (!window.EventSource) return;
    if (!window.BroadcastChannel || !navigator.locks || !navigator.locks.request) {
      ownStream(url, names, handler);
      return;
    }
    var channel = new BroadcastChannel("helpline-stream:" + url);
    var leading = false;
    channel.addEventListener("message", function (event) {
      var got = event.data || {};
      if (!leading && names.indexOf(got.name) >= 0) handler(got.name, got.data, false);
    });
    navigator.locks.request("helpline-stream:" + url, function () {
      leading = true;
      document.documentElement.setAttribute("data-stream-leader", "true");
      var source = new EventSource(url);
      names.forEach(function (name) {
        source.addEventListener(name, function (event) {
          handler(name, event.data, true);
          channel.postMessage({name: name, data: event.data});
        });
      });
      return new Promise(function () { /* held until this tab goes away */ });
    }).catch(function () { ownStream(url, names, handler); });
  };
})();
