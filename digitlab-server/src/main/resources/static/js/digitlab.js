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

  // A checkbox that shows or hides a table's rows by a class on it (data-toggle-class=
  // "differences-only" data-toggle-target="config-diff"): the pages' Content-Security-Policy runs
  // no inline onchange= handler.
  document.addEventListener('change', function (event) {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.toggleClass) { return; }
    const target = document.getElementById(box.dataset.toggleTarget);
    if (target) { target.classList.toggle(box.dataset.toggleClass, box.checked); }
  });

  // A submit button that needs at least N ticked boxes of its form (<button form="f"
  // data-needs-ticked="2">): disabled until then, since the page it opens refuses fewer.
  function needsTicked() {
    document.querySelectorAll('button[data-needs-ticked]').forEach(function (button) {
      const form = button.getAttribute('form');
      const ticked = document.querySelectorAll('input[type=checkbox][form="' + form + '"]:checked').length;
      button.disabled = ticked < Number(button.dataset.needsTicked);
    });
  }
  document.addEventListener('change', needsTicked);
  document.addEventListener('DOMContentLoaded', needsTicked);
  document.addEventListener('htmx:afterSwap', needsTicked);

  // Buttons that act through the REST API say where to go next: data-then="reload" or a path.
  document.addEventListener('htmx:afterRequest', function (event) {
    const then = event.detail.elt.getAttribute('data-then');
    if (!then || !event.detail.successful) { return; }
    if (then === 'reload') { window.location.reload(); } else { window.location.assign(then); }
  });

  // Forms that upload one file as the raw body of an API request (no multipart: an export can be
  // far larger than the form upload limit), then go to the created resource or show the problem.
  // <form data-upload="/api/v1/experiments/import" data-then-prefix="/experiments/">.
  document.addEventListener('submit', function (event) {
    const form = event.target.closest('form[data-upload]');
    if (!form) { return; }
    event.preventDefault();
    const input = form.querySelector('input[type=file]');
    const status = form.querySelector('[data-upload-status]');
    const say = function (text, error) {
      if (!status) { return; }
      status.textContent = text;
      status.classList.toggle('error', !!error);
    };
    if (!input || !input.files.length) { say('Choose a file first.', true); return; }
    const button = form.querySelector('button[type=submit]');
    if (button) { button.disabled = true; }
    say('Importing ' + input.files[0].name + '…', false);
    // A ticked "copy" box asks the import to store the file even when it is already there.
    const copy = form.querySelector('input[name=copy]');
    fetch(form.getAttribute('data-upload') + (copy && copy.checked ? '?copy=true' : ''), {
      method: 'POST',
      headers: {'Content-Type': 'application/gzip', 'Accept': 'application/json'},
      body: input.files[0],
      credentials: 'same-origin'
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok && body.id !== undefined) {
          window.location.assign(form.getAttribute('data-then-prefix') + body.id);
          return;
        }
        say(body.detail || body.title || ('Refused: HTTP ' + response.status), true);
        if (button) { button.disabled = false; }
      });
    }).catch(function (error) {
      say('The upload failed: ' + error, true);
      if (button) { button.disabled = false; }
    });
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

  // Times: the server writes UTC ("2026-12-06 10:20:35 UTC", one format on every page); the
  // browser shows them in the viewer's own time zone, with the UTC time in the title (hover).
  const UTC_TIME = /(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d)(?::(\d\d))? UTC/g;
  function pad(n) { return String(n).padStart(2, '0'); }
  function localText(d, seconds) {
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
      pad(d.getHours()) + ':' + pad(d.getMinutes()) + (seconds ? ':' + pad(d.getSeconds()) : '');
  }
  const ZONE = (function () {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { return ''; }
  })();
  function localTimes(root) {
    if (!root || !document.createTreeWalker) { return; }
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        const parent = node.parentNode;
        if (!parent || /^(SCRIPT|STYLE|TEXTAREA|PRE|CODE|INPUT)$/.test(parent.nodeName)) {
          return NodeFilter.FILTER_REJECT;
        }
        UTC_TIME.lastIndex = 0;
        return UTC_TIME.test(node.nodeValue) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
      }
    });
    const found = [];
    while (walker.nextNode()) { found.push(walker.currentNode); }
    found.forEach(function (node) {
      const text = node.nodeValue, parts = document.createDocumentFragment();
      let last = 0, m;
      UTC_TIME.lastIndex = 0;
      while ((m = UTC_TIME.exec(text)) !== null) {
        const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)));
        parts.appendChild(document.createTextNode(text.slice(last, m.index)));
        const time = document.createElement('time');
        time.dateTime = d.toISOString();
        time.title = m[0] + (ZONE ? ' · shown in ' + ZONE : '');
        time.textContent = localText(d, m[6] !== undefined);
        parts.appendChild(time);
        last = m.index + m[0].length;
      }
      parts.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(parts, node);
    });
  }
  function watchTimes() {
    localTimes(document.body);
    // Parts refreshed later (htmx swaps, live tables, the pipeline page) are converted as they come.
    new MutationObserver(function (changes) {
      changes.forEach(function (c) {
        c.addedNodes.forEach(function (n) {
          localTimes(n.nodeType === 3 ? n.parentNode : n);
        });
      });
    }).observe(document.body, { childList: true, subtree: true, characterData: false });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', watchTimes);
  } else {
    watchTimes();
  }
  window.DigitLabTimes = { local: localTimes };
})();
