// The new-experiment form: fields that only a CNN uses hide while the model is an MLP, and search
// rows can be added beyond the first four (the server reads search.N.* for any N) or removed.
(function () {
  'use strict';
  const model = document.getElementById('f-model');
  function cnnFields() {
    const mlp = model && model.value === 'mlp';
    document.querySelectorAll('[data-cnn-only]').forEach(function (field) { field.hidden = mlp; });
  }
  if (model) { model.addEventListener('change', cnnFields); cnnFields(); }

  // A command experiment's new code: the chosen .tar.gz goes to POST /api/v1/code (stored once by
  // its SHA-256, which needs the run-commands permission), and the code field takes its reference.
  const codeFile = document.getElementById('code-file');
  if (codeFile) {
    codeFile.addEventListener('change', function () {
      const file = codeFile.files[0];
      const status = document.getElementById('code-upload-status');
      const error = document.getElementById('err-code');
      if (!file) { return; }
      status.textContent = 'uploading ' + file.name + '…';
      error.textContent = '';
      fetch('/api/v1/code', { method: 'POST', headers: { 'Content-Type': 'application/gzip' }, body: file,
        credentials: 'same-origin' })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (result) {
          if (!result.ok) {
            status.textContent = '';
            error.textContent = result.body.detail || ('upload refused: ' + result.body.title);
            return;
          }
          const code = document.getElementById('code');
          code.value = result.body.code;
          status.textContent = file.name + ' uploaded: ' + result.body.code;
          code.dispatchEvent(new Event('change', { bubbles: true }));
        })
        .catch(function (e) { status.textContent = ''; error.textContent = 'upload failed: ' + e; });
    });
  }

  // The live preview's problems beside their fields, as a refused submit shows them, so a
  // too-large trainSubset is marked while it is typed. Only what the preview put there is cleared
  // by its next answer; a refused submit's own messages stay as they were.
  function errorPlace(key) {
    const row = /^search\.(\d+)$/.exec(key);
    if (row) {
      const select = document.getElementById('s-field-' + row[1]);
      const tr = select && select.closest('tr');
      const text = tr && tr.querySelector('.error-text');
      return text ? { text: text, box: tr } : null;
    }
    const text = document.getElementById('err-' + key.replace(/^config\./, ''));
    return text ? { text: text, box: text.parentElement } : null;
  }
  function previewErrors() {
    const list = document.getElementById('preview-errors');
    if (!list) { return; }
    document.querySelectorAll('[data-preview-error]').forEach(function (text) {
      text.textContent = '';
      text.removeAttribute('data-preview-error');
      const box = text.closest('.field-error');
      if (box) { box.classList.remove('field-error'); }
    });
    list.querySelectorAll('li').forEach(function (item) {
      const place = errorPlace(item.getAttribute('data-for'));
      if (!place) { return; }
      place.text.textContent = item.textContent;
      place.text.setAttribute('data-preview-error', '');
      place.box.classList.add('field-error');
    });
  }
  document.addEventListener('htmx:afterSettle', previewErrors);

  const body = document.querySelector('table[aria-label="Searched parameters"] tbody');
  const add = document.getElementById('add-search-row');
  const remove = document.getElementById('remove-search-row');
  if (!body || !add || !remove) { return; }
  function update() { remove.disabled = body.rows.length <= 1; }
  add.addEventListener('click', function () {
    const last = body.rows[body.rows.length - 1];
    const index = body.rows.length;
    const row = last.cloneNode(true);
    row.classList.remove('field-error');
    row.querySelectorAll('.error-text').forEach(function (e) { e.textContent = ''; });
    row.querySelectorAll('select, input').forEach(function (input) {
      input.name = input.name.replace(/^search\.\d+\./, 'search.' + index + '.');
      input.id = input.id.replace(/-\d+$/, '-' + index);
      const label = input.getAttribute('aria-label');
      if (label) { input.setAttribute('aria-label', label.replace(/\d+$/, String(index + 1))); }
      if (input.tagName === 'SELECT') { input.selectedIndex = 0; } else { input.value = ''; }
    });
    body.appendChild(row);
    update();
    row.querySelector('select').focus();
  });
  remove.addEventListener('click', function () {
    if (body.rows.length > 1) {
      body.deleteRow(body.rows.length - 1);
      // The trial count follows the form.
      document.getElementById('new-experiment').dispatchEvent(new Event('change', { bubbles: true }));
    }
    update();
  });
  update();
})();
