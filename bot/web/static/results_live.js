// Refreshes the response counts on a results page every 10 seconds. The page works without it.
(function () {
  "use strict";
  var totals = document.getElementById("live-totals");
  if (!totals || !window.fetch) { return; }
  var url = totals.getAttribute("data-source");
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (counts) {
        if (!counts) { return; }
        ["responses", "completed"].forEach(function (name) {
          var cell = document.getElementById("live-" + name);
          if (cell && cell.textContent !== String(counts[name])) {
            cell.textContent = String(counts[name]);
          }
        });
      })
      .catch(function () { /* try again next time */ });
  }
  window.setInterval(refresh, 10000);
})();
