// FlowCorrelator report: sort, filter and page the tables. Plain DOM, no network, no eval; without it every row shows.
(function () {
  "use strict";
  var PAGE = 100;
  function cellValue(row, col, numeric) {
    var cell = row.cells[col];
    var text = cell ? (cell.getAttribute("data-v") || cell.textContent) : "";
    if (numeric) { var n = parseFloat(text); return isNaN(n) ? -Infinity : n; }
    return text.toLowerCase();
  }
  function setUp(section) {
    var table = section.querySelector("table.data");
    if (!table) { return; }
    var body = table.tBodies[0];
    var all = Array.prototype.slice.call(body.rows);
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var filter = section.querySelector("input.filter");
    var shown = section.querySelector(".shown");
    var pager = section.querySelector(".pager");
    var prev = pager.querySelector("button.prev"), next = pager.querySelector("button.next"), where = pager.querySelector(".where");
    var state = { rows: all, page: 0, col: -1, dir: 1 };
    function render() {
      var pages = Math.max(1, Math.ceil(state.rows.length / PAGE));
      if (state.page >= pages) { state.page = pages - 1; }
      var from = state.page * PAGE, to = Math.min(state.rows.length, from + PAGE);
      var frag = document.createDocumentFragment();
      for (var i = 0; i < all.length; i++) { all[i].hidden = true; }
      for (var j = 0; j < state.rows.length; j++) { var r = state.rows[j]; r.hidden = j < from || j >= to; frag.appendChild(r); }
      body.appendChild(frag);
      shown.textContent = state.rows.length === all.length ? all.length + " rows" : state.rows.length + " of " + all.length + " rows match";
      where.textContent = state.rows.length === 0 ? "no rows" : "rows " + (from + 1) + "\u2013" + to + " of " + state.rows.length;
      prev.disabled = state.page === 0; next.disabled = state.page >= pages - 1;
      pager.hidden = state.rows.length <= PAGE;
    }
    function apply() {
      var q = filter.value.trim().toLowerCase();
      var rows = q ? all.filter(function (r) { return r.textContent.toLowerCase().indexOf(q) >= 0; }) : all.slice();
      if (state.col >= 0) {
        var col = state.col, dir = state.dir, numeric = heads[col].classList.contains("num");
        rows = rows.map(function (r, i) { return { r: r, v: cellValue(r, col, numeric), i: i }; })
          .sort(function (a, b) { return a.v < b.v ? -dir : a.v > b.v ? dir : a.i - b.i; })
          .map(function (x) { return x.r; });
      }
      state.rows = rows; render();
    }
    heads.forEach(function (th, col) {
      th.querySelector("button").addEventListener("click", function () {
        state.dir = state.col === col ? -state.dir : (th.classList.contains("num") ? -1 : 1);
        state.col = col; state.page = 0;
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", state.dir === 1 ? "ascending" : "descending");
        apply();
      });
    });
    filter.addEventListener("input", function () { state.page = 0; apply(); });
    prev.addEventListener("click", function () { state.page--; render(); });
    next.addEventListener("click", function () { state.page++; render(); });
    section.querySelector(".tools").hidden = false;
    render();
  }
  Array.prototype.forEach.call(document.querySelectorAll("section.rows"), setUp);
  document.documentElement.setAttribute("data-ready", "1");
})();
