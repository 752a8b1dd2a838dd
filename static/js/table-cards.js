// Below Bootstrap's md breakpoint every table in the page reads as a list of cards: each cell carries its
// column's header as data-label (shown before the value by wasl.css), so nothing scrolls sideways on a phone.
// A table marked .table-keep stays a table.
(function () {
  "use strict";
  function label(table) {
    var heads = table.tHead ? table.tHead.rows[table.tHead.rows.length - 1].cells : [];
    if (!heads.length) { return; }
    table.classList.add("table-cards");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var col = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var head = heads[col];
          if (head && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", head.textContent.trim()); }
          col += cell.colSpan || 1;
        });
      });
    });
  }
  function run() {
    Array.prototype.forEach.call(document.querySelectorAll("main table:not(.table-keep)"), label);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", run); } else { run(); }
}());
