// Digit Lab pages: what every page shares. htmx sends the CSRF header on non-GET requests (when
// the server has CSRF on, the layout carries the token in <meta name="_csrf">), and failed htmx
// requests show the problem detail's message instead of failing silently.
(function () {
  'use strict';

  function csrf() {
    const token = document.querySelector('meta[name="_csrf"]');
    const header = document.querySelector('meta[name="_csrf_header"]');
    return token && header ? { header: header.content, token: token.content } : null;
  }

  function flash(message) {
    const box = document.getElementById('flash');
    if (box) { box.textContent = message; }
  }

  document.addEventListener('htmx:configRequest', function (event) {
    const c = csrf();
    if (c && event.detail.verb !== 'get') {
      event.detail.headers[c.header] = c.token;
    }
  });

  document.addEventListener('htmx:responseError', function (event) {
    const xhr = event.detail.xhr;
    let message = 'The server answered ' + xhr.status + '.';
    try {
      const problem = JSON.parse(xhr.responseText);
      if (problem.detail) { message = problem.detail; }
    } catch (ignored) { /* not JSON: keep the status line */ }
    flash(message);
  });

  document.addEventListener('htmx:sendError', function () {
    flash('The server cannot be reached; is it still running?');
  });

  // Buttons that act through the REST API say where to go next: data-then="reload" or a path.
  document.addEventListener('htmx:afterRequest', function (event) {
    const then = event.detail.elt.getAttribute('data-then');
    if (!then || !event.detail.successful) { return; }
    if (then === 'reload') { window.location.reload(); } else { window.location.assign(then); }
  });

  // Client-side sorting of tables whose header cells hold <button data-sort-col>: keyboard
  // usable (they are buttons) and announced through aria-sort.
  document.addEventListener('click', function (event) {
    const button = event.target.closest('th button[data-sort-col]');
    if (!button) { return; }
    const th = button.closest('th');
    const table = th.closest('table');
    const index = Array.from(th.parentNode.children).indexOf(th);
    const ascending = th.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th[aria-sort]').forEach(function (other) { other.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const key = function (row) {
      const cell = row.cells[index];
      const raw = cell.getAttribute('data-value') ?? cell.textContent.trim();
      const number = parseFloat(raw);
      return isNaN(number) || !/^-?[\d.]/.test(raw) ? raw : number;
    };
    rows.sort(function (a, b) {
      const x = key(a), y = key(b);
      const missingX = x === '' || x === '–', missingY = y === '' || y === '–';
      if (missingX || missingY) { return missingX === missingY ? 0 : (missingX ? 1 : -1); }
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });

  // Rows picked for comparison (checkboxes name="trial") stay picked when htmx re-reads a table.
  let picked = [];
  document.addEventListener('htmx:beforeSwap', function () {
    picked = Array.from(document.querySelectorAll('input[name="trial"]:checked')).map(function (box) { return box.value; });
  });
  document.addEventListener('htmx:afterSwap', function () {
    picked.forEach(function (value) {
      document.querySelectorAll('input[name="trial"]').forEach(function (box) {
        if (box.value === value) { box.checked = true; }
      });
    });
  });

  window.DigitLab = { csrf: csrf, flash: flash };
})();
