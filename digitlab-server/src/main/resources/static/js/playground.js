// /playground: draw (pointer events: mouse, pen, touch) or upload a digit, ask the model's
// production version, show its probabilities and the 28x28 view, send a confirmation or correction.
(() => {
  const canvas = document.getElementById('canvas');
  if (!canvas) return;
  const ctx = canvas.getContext('2d');
  const clear = () => { ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height); };
  clear();
  ctx.lineWidth = 18; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.strokeStyle = '#000';
  let drawing = false, image = null, last = null;
  const point = e => { const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; };
  // Pointer events cover mouse, pen and touch alike.
  canvas.addEventListener('pointerdown', e => { drawing = true; canvas.setPointerCapture(e.pointerId);
    last = point(e); ctx.beginPath(); ctx.moveTo(...last); ctx.lineTo(...last); ctx.stroke(); });
  canvas.addEventListener('pointermove', e => { if (!drawing) return; const p = point(e);
    ctx.beginPath(); ctx.moveTo(...last); ctx.lineTo(...p); ctx.stroke(); last = p; });
  const stop = () => { if (drawing) { drawing = false; image = canvas.toDataURL('image/png'); predict(); } };
  canvas.addEventListener('pointerup', stop);
  canvas.addEventListener('pointercancel', stop);
  document.getElementById('clear').onclick = () => { clear(); image = null;
    document.getElementById('result').hidden = true;
    document.getElementById('preprocessed').hidden = true;
    document.getElementById('preview-waiting').hidden = false;
    document.getElementById('hint').hidden = false; };
  document.getElementById('predict').onclick = () => { image = image || canvas.toDataURL('image/png'); predict(); };
  document.getElementById('upload').onchange = e => {
    const file = e.target.files[0]; if (!file) return;
    const reader = new FileReader();
    reader.onload = () => { image = reader.result; predict(); };
    reader.readAsDataURL(file);
  };
  const model = () => document.getElementById('model').value;
  const error = text => { document.getElementById('error').textContent = text || ''; };
  // A signed-in browser session needs the CSRF token (from the layout's metas) on every post.
  const post = (url, body) => {
    const headers = { 'Content-Type': 'application/json' };
    const c = window.DigitLab && window.DigitLab.csrf();
    if (c) headers[c.header] = c.token;
    return fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  };
  let answer = null;
  async function predict() {
    error();
    const [res, pre] = await Promise.all([
      post('/api/v1/models/' + encodeURIComponent(model()) + '/predict', { image }),
      post('/api/v1/preprocess', { image })]);
    if (pre.ok) {
      // Hidden until there is something to show: no broken-image icon before the first drawing.
      const image = document.getElementById('preprocessed');
      image.src = URL.createObjectURL(await pre.blob());
      image.hidden = false;
      document.getElementById('preview-waiting').hidden = true;
    }
    const body = await res.json();
    if (!res.ok) { error(body.detail || body.title); return; }
    answer = body;
    document.getElementById('digit').textContent = body.digit;
    document.getElementById('meta').textContent =
      body.model + ' v' + body.version + ' (' + body.alias + ') · ' + body.latencyMs.toFixed(1) + ' ms';
    const bars = document.getElementById('bars');
    bars.replaceChildren();
    body.probabilities.forEach((p, d) => {
      const label = document.createElement('span'); label.textContent = d;
      const bar = document.createElement('div'); bar.className = 'bar' + (d === body.digit ? ' best' : '');
      bar.style.width = (p * 100).toFixed(1) + '%';
      const value = document.createElement('span'); value.textContent = (p * 100).toFixed(1) + '%';
      bars.append(label, bar, value);
    });
    document.getElementById('feedback').textContent = '';
    document.getElementById('result').hidden = false;
    document.getElementById('hint').hidden = true;
  }
  async function feedback(label) {
    const res = await post('/api/v1/models/' + encodeURIComponent(model()) + '/feedback',
      { image, label, predicted: answer.digit, version: answer.version });
    const body = await res.json();
    document.getElementById('feedback').textContent = res.ok
      ? 'Thanks: saved as feedback #' + body.id + ' (label ' + body.label + ').'
      : (body.detail || body.title);
  }
  document.getElementById('confirm').onclick = () => feedback(answer.digit);
  document.querySelectorAll('[data-label]').forEach(b =>
    b.onclick = () => feedback(Number(b.dataset.label)));
})();
