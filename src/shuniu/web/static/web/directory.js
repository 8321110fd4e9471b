// The directory's results are replaced by htmx as the reader types. A screen reader hears
// the new count through a live region that stays in the page (a live region swapped in with
// the results would not be announced reliably).
(function () {
  "use strict";

  var status = document.getElementById("results-status");
  if (!status) {
    return;
  }
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "directory-results") {
      return;
    }
    var count = document.getElementById("result-count");
    var errors = document.getElementById("query-errors");
    var source = errors || count;
    status.textContent = source ? source.textContent.replace(/\s+/g, " ").trim() : "";
  });
})();
