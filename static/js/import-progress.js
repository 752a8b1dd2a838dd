// While an import runs, ask for its progress every second and show it; reload the page when it ends.
(function () {
  "use strict";
  var box = document.querySelector(".import-progress");
  if (!box) { return; }
  var bar = box.querySelector(".progress-bar");
  function show(p) {
    var total = p.total || 1;
    bar.style.width = Math.round(100 * p.processed / total) + "%";
    box.querySelector(".progress").setAttribute("aria-valuenow", p.processed);
    box.querySelector("[data-field=processed]").textContent = p.processed + " / " + p.total;
    ["bad", "created", "existing"].forEach(function (k) { box.querySelector("[data-field=" + k + "]").textContent = p[k]; });
  }
  var initial = box.querySelector("[data-field=processed]").textContent.split("/");
  show({processed: +initial[0], total: +initial[1], bad: box.querySelector("[data-field=bad]").textContent,
        created: box.querySelector("[data-field=created]").textContent,
        existing: box.querySelector("[data-field=existing]").textContent});
  if (box.dataset.running !== "1") { return; }
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (p) {
        show(p);
        if (p.running) { setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
