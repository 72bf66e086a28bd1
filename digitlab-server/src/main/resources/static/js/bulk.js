// The runs table's bulk actions (templates/runs/bulk.html): the rows whose checkbox
// (input[name="trial"]) is ticked are tagged, cancelled, deleted or restored through the REST API
// (POST /api/v1/trials/{tag,cancel,delete,restore} with {"trials": [ids]}); the page then reloads,
// or the problem detail's message shows next to the buttons. Delete asks first.
(function () {
  'use strict';

  function selected() {
    return Array.from(document.querySelectorAll('input[name="trial"]:checked'))
      .map(function (box) { return Number(box.value); })
      .filter(function (id) { return Number.isFinite(id); });
  }

  function say(bar, text) {
    const status = bar.querySelector('[data-bulk-status]');
    if (status) { status.textContent = text; }
  }

  function count(bar) {
    const n = selected().length;
    const label = bar.querySelector('[data-bulk-count]');
    if (label) { label.textContent = n === 0 ? 'No trial selected' : n + ' selected'; }
  }

  function send(bar, action, body) {
    const headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
    const c = window.DigitLab && window.DigitLab.csrf();
    if (c) { headers[c.header] = c.token; }
    bar.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
    say(bar, '');
    return fetch((bar.getAttribute('data-bulk-api') || '/api/v1/trials/') + action, {
      method: 'POST', headers: headers, body: JSON.stringify(body), credentials: 'same-origin'
    }).then(function (response) {
      if (response.ok) { window.location.reload(); return; }
      return response.json().catch(function () { return {}; }).then(function (problem) {
        say(bar, problem.detail || problem.title || ('Refused: HTTP ' + response.status));
        bar.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
      });
    }).catch(function (error) {
      say(bar, 'The server cannot be reached: ' + error);
      bar.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
    });
  }

  document.addEventListener('change', function (event) {
    if (event.target.matches && event.target.matches('input[name="trial"]')) {
      document.querySelectorAll('[data-bulk]').forEach(count);
    }
  });

  document.addEventListener('click', function (event) {
    const button = event.target.closest('[data-bulk] [data-bulk-action]');
    if (!button) { return; }
    const bar = button.closest('[data-bulk]');
    const action = button.getAttribute('data-bulk-action');
    const trials = selected();
    if (trials.length === 0) { say(bar, 'Select trials first: tick their boxes in the table.'); return; }
    if (action === 'tag') {
      const text = (bar.querySelector('[data-bulk-tag]').value || '').trim();
      if (!text) { say(bar, 'Type a tag first, e.g. baseline or group=cnn.'); return; }
      const at = text.indexOf('=');
      const key = at < 0 ? text : text.slice(0, at).trim();
      const value = at < 0 ? '' : text.slice(at + 1).trim();
      send(bar, 'tag', { trials: trials, key: key, value: value });
    } else if (action === 'delete') {
      const what = trials.length === 1 ? 'this trial' : 'these ' + trials.length + ' trials';
      if (!window.confirm('Delete ' + what + '? Deleted trials leave the tables and counts; the runs table\'s "Deleted runs" view can restore them.')) { return; }
      send(bar, 'delete', { trials: trials });
    } else if (action === 'cancel' || action === 'restore') {
      send(bar, action, { trials: trials });
    }
  });

  document.querySelectorAll('[data-bulk]').forEach(count);
})();
