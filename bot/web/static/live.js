// Keeps figures on a page up to date: an element with data-live-source="URL" is refreshed
// from that JSON every 10 seconds. Inside it, an element with data-live="NAME" shows
// counts[NAME]; a <progress> takes data-live-value and data-live-max the same way.
// Pages work without it: a reload shows the same figures.
(function () {
  "use strict";
  if (!window.fetch) { return; }
  var EVERY_MS = 10000;
  function show(root, counts) {
    root.querySelectorAll("[data-live]").forEach(function (cell) {
      var value = counts[cell.getAttribute("data-live")];
      if (value !== undefined && cell.textContent !== String(value)) {
        cell.textContent = String(value);
      }
    });
    root.querySelectorAll("progress[data-live-value]").forEach(function (bar) {
      var max = counts[bar.getAttribute("data-live-max")];
      var value = counts[bar.getAttribute("data-live-value")];
      if (max !== undefined) { bar.max = max; }
      if (value !== undefined) { bar.value = value; }
    });
  }
  document.querySelectorAll("[data-live-source]").forEach(function (root) {
    var url = root.getAttribute("data-live-source");
    function refresh() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (counts) { if (counts) { show(root, counts); } })
        .catch(function () { /* try again next time */ });
    }
    window.setInterval(refresh, EVERY_MS);
  });
})();
