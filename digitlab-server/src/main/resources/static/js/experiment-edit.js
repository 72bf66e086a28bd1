// The experiment page's edit form: PATCH /api/v1/experiments/{id} with JSON (and the page's CSRF
// token), then the page again; a refusal shows the problem detail's message.
(function () {
  'use strict';
  const form = document.getElementById('edit-form');
  if (!form) { return; }
  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    const body = {
      description: form.elements.description.value,
      notes: form.elements.notes.value,
      tags: form.elements.tags.value.split(',').map(function (t) { return t.trim(); })
        .filter(function (t) { return t.length > 0; })
    };
    const headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
    const csrf = window.DigitLab && DigitLab.csrf();
    if (csrf) { headers[csrf.header] = csrf.token; }
    const response = await fetch(form.getAttribute('data-url'), {
      method: 'PATCH', headers: headers, body: JSON.stringify(body), credentials: 'same-origin'
    });
    if (response.ok) { window.location.reload(); return; }
    let message = 'The server answered ' + response.status + '.';
    try { const problem = await response.json(); if (problem.detail) { message = problem.detail; } } catch (ignored) { /* keep */ }
    DigitLab.flash(message);
  });
})();
