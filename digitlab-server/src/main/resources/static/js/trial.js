// The trial page: curves and the whole log from the stored history, then live from the trial's
// event stream (EventSource resumes with Last-Event-ID after a dropped connection, and log lines
// are keyed by seq, so none shows twice); test results once the trial has them.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('trial-data').textContent);
  const id = data.trialId;
  const api = '/api/v1/trials/' + id;
  // Arriving from "Register best model" on the experiment page: the register form opens.
  const register = document.getElementById('register');
  if (register && window.location.hash === '#register') { register.open = true; }
  const EPOCH_KEYS = ['epoch_train_loss', 'val_loss', 'val_accuracy', 'test_accuracy', 'test_f1_macro'];

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function (a) { node.setAttribute(a[0], a[1]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function fixed(v, digits) { return v === null || v === undefined ? '–' : Number(v).toFixed(digits); }

  // Curves: per-step loss, and per-epoch metrics against the epoch.
  // The batch size turns steps into images seen (x-axis "images seen").
  const stepChart = DigitLabCharts.curves(document.getElementById('step-curve'),
    [{ id: id, label: 'train_loss', config: { batchSize: data.batchSize } }]);
  stepChart.show('train_loss');
  DigitLabCharts.controls(stepChart, document.getElementById('step-x'), document.getElementById('log-scale'),
    document.getElementById('smoothing'), document.getElementById('smoothing-value'));
  const epochChart = echarts.init(document.getElementById('epoch-curves'), null, { renderer: 'svg' });
  const epochSeries = new Map();
  // Test figures are measured once, on the test set after the last epoch: a final value, not a
  // curve. They are drawn as labelled diamonds at the last epoch, not as a lone dot at epoch 0.
  const FINAL_KEYS = ['test_accuracy', 'test_f1_macro'];
  function drawEpochs() {
    let first = Infinity, last = -Infinity;
    epochSeries.forEach(function (points, key) {
      if (FINAL_KEYS.includes(key)) { return; }
      points.forEach(function (p) { first = Math.min(first, p[0]); last = Math.max(last, p[0]); });
    });
    const series = [];
    epochSeries.forEach(function (points, key) {
      if (!FINAL_KEYS.includes(key)) {
        series.push({ name: key, type: 'line', yAxisIndex: key.includes('loss') ? 0 : 1, data: points });
        return;
      }
      const final = points[points.length - 1];
      const at = isFinite(last) ? last : final[0];
      series.push({ name: key + ' (final, test set)', type: 'scatter', yAxisIndex: 1, symbol: 'diamond', symbolSize: 12,
        // Both labels left of their markers, one above the other: the two values are often close
        // (0.9074 and 0.9059), and on the right they ran into the axis' tick labels.
        label: { show: true, position: 'left', offset: [0, key === 'test_accuracy' ? -8 : 8], fontSize: 11,
          // As the facts above write them: accuracy a percentage, macro-F1 four decimals.
          formatter: function (p) {
            return key === 'test_accuracy' ? (p.value[1] * 100).toFixed(2) + ' %' : p.value[1].toFixed(4);
          } },
        data: [[at, final[1]]] });
    });
    epochChart.setOption({
      animation: false, tooltip: { trigger: 'axis' }, legend: { type: 'scroll', top: 0 },
      grid: { left: 60, right: 60, top: 40, bottom: 45 },
      // Epochs are counted from 1: the axis spans the epochs there are, not 0 to the last.
      xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 25, minInterval: 1,
        // (one epoch: half an epoch either side, so that its points are not on the frame).
        min: !isFinite(first) ? null : first < last ? first : first - 0.5,
        max: !isFinite(last) ? null : first < last ? last : last + 0.5 },
      // Losses on the left axis, accuracies and F1 (0–1) on the right: one scale would flatten one.
      yAxis: [{ type: 'value', scale: true, name: 'loss', nameLocation: 'middle', nameGap: 42 },
        { type: 'value', scale: true, max: 1, name: 'accuracy / F1', nameLocation: 'middle', nameGap: 42 }],
      series: series
    }, { replaceMerge: ['series'] });
  }
  fetch(api + '/metrics?points=1000&keys=' + EPOCH_KEYS.join(',')).then(function (r) { return r.json(); }).then(function (body) {
    EPOCH_KEYS.forEach(function (k) {
      if (body[k] && body[k].length) { epochSeries.set(k, body[k].map(function (p) { return [p.epoch, p.value]; })); }
    });
    drawEpochs();
  });
  window.addEventListener('resize', function () { epochChart.resize(); });

  // The log: the whole history first, then live lines.
  const log = document.getElementById('log');
  let lastSeq = 0;
  function addLine(line) {
    if (line.seq <= lastSeq) { return; }
    lastSeq = line.seq;
    const stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 20;
    const row = el('div', { class: line.level, 'data-seq': line.seq },
      (line.time || '').replace('T', ' ').substring(0, 19) + ' ' + line.level + ' ' + line.message);
    log.appendChild(row);
    if (stick) { log.scrollTop = log.scrollHeight; }
  }
  async function loadLog() {
    for (;;) {
      const response = await fetch(api + '/logs?limit=1000&afterSeq=' + lastSeq);
      if (!response.ok) { return; }
      const page = await response.json();
      page.items.forEach(addLine);
      if (page.items.length < 1000) { return; }
    }
  }

  function showProgress(p) {
    const percent = Math.round(p.fraction * 100);
    document.getElementById('trial-progress').value = percent;
    document.getElementById('progress-text').textContent = percent + ' %';
    const eta = p.etaSeconds === null || p.etaSeconds === undefined ? '' : ', ETA ' + Math.round(p.etaSeconds) + ' s';
    document.getElementById('progress-detail').textContent =
      'epoch ' + p.epoch + '/' + p.epochs + ', step ' + p.step + '/' + p.steps + ', ' +
      Math.round(p.imagesPerSecond) + ' images/s' + eta;
  }

  function follow() {
    if (!window.EventSource || ['succeeded', 'failed', 'cancelled'].includes(data.status)) { return; }
    const source = new EventSource(api + '/events?after=' + data.lastEventId);
    source.addEventListener('log', function (e) {
      const event = JSON.parse(e.data);
      addLine({ seq: event.seq, time: event.time, level: event.payload.level, message: event.payload.message });
    });
    source.addEventListener('metric', function (e) {
      const event = JSON.parse(e.data);
      const p = event.payload;
      if (p.key === 'train_loss') { stepChart.add(id, p.key, p); return; }
      if (EPOCH_KEYS.includes(p.key)) {
        const series = epochSeries.get(p.key) || [];
        series.push([p.epoch, p.value]);
        epochSeries.set(p.key, series);
        drawEpochs();
      }
    });
    source.addEventListener('progress', function (e) { showProgress(JSON.parse(e.data).payload); });
    source.addEventListener('status', function (e) {
      const status = JSON.parse(e.data).payload.status;
      const badge = document.getElementById('trial-status');
      badge.textContent = status;
      badge.className = 'status ' + status;
      if (['succeeded', 'failed', 'cancelled'].includes(status)) {
        source.close();
        // The results, the failure and the final figures are on the page when it is read again.
        setTimeout(function () { window.location.reload(); }, 800);
      }
    });
  }
  loadLog().then(follow);

  // Test results, asked for only once the test phase ran: before, each answer is a 404, which the
  // browser's console shows as an error. A trial that ends while the page is open reloads it.
  function report(name) {
    return data.tested ? fetch(api + '/' + name).then(function (r) { return r.ok ? r.json() : null; })
      : Promise.resolve(null);
  }
  report('confusion-matrix').then(function (cm) {
    const box = document.getElementById('confusion');
    if (!cm) { box.hidden = true; document.getElementById('confusion-note').textContent = 'No test results yet.'; return; }
    const classes = Array.isArray(cm.classes) ? cm.classes.map(String)
      : Array.from({ length: cm.classes }, function (_, i) { return String(i); });
    const cells = [], diagonal = [];
    let max = 0;
    cm.counts.forEach(function (row, t) {
      row.forEach(function (count, p) {
        if (t === p) { diagonal.push([p, t, count]); } else { cells.push([p, t, count]); max = Math.max(max, count); }
      });
    });
    const chart = echarts.init(box);
    chart.setOption({
      // Set as HTML: class names come from the run's results file (an import carries any).
      tooltip: { formatter: function (p) { return echarts.format.encodeHTML('true ' + classes[p.value[1]] + ', predicted ' + classes[p.value[0]] + ': ' + p.value[2]); } },
      grid: { left: 50, right: 20, top: 20, bottom: 100 },
      // Both titles along their axes (the y title had sat at the inverted axis' end, under the
      // bottom row's labels).
      xAxis: { type: 'category', data: classes, name: 'predicted digit', nameLocation: 'middle', nameGap: 25 },
      yAxis: { type: 'category', data: classes, name: 'true digit', inverse: true, nameLocation: 'middle', nameGap: 30 },
      // The colour scale stops at the largest error, so the mistakes stand out next to the diagonal.
      // The diagonal (correct answers) is its own series in a fixed light green, outside the scale.
      visualMap: { min: 0, max: Math.max(1, max), seriesIndex: 0, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120,
        text: ['more errors', 'fewer'] },
      series: [{ type: 'heatmap', name: 'errors', data: cells, label: { show: true, fontSize: 10 } },
        { type: 'heatmap', name: 'correct', data: diagonal, itemStyle: { color: '#dff3e4' }, label: { show: true, fontSize: 10, color: '#1a7f37' } }]
    });
    window.addEventListener('resize', function () { chart.resize(); });
    document.getElementById('confusion-note').textContent = 'Rows: true digit; columns: predicted digit.';
  });

  report('per-class').then(function (report) {
    if (!report) { return; }
    const table = el('table', { class: 'data', id: 'per-class-table' });
    table.appendChild(el('caption', { class: 'visually-hidden' }, 'Precision, recall and F1 per class'));
    const head = el('tr');
    ['Class', 'Precision', 'Recall', 'F1', 'Support'].forEach(function (h) { head.appendChild(el('th', { scope: 'col' }, h)); });
    table.appendChild(el('thead')).appendChild(head);
    const body = table.appendChild(el('tbody'));
    report.classes.forEach(function (c) {
      const row = body.appendChild(el('tr'));
      row.appendChild(el('th', { scope: 'row' }, String(c.classIndex)));
      [fixed(c.precision, 4), fixed(c.recall, 4), fixed(c.f1, 4), String(c.support)].forEach(function (v) {
        row.appendChild(el('td', { class: 'num' }, v));
      });
    });
    const foot = body.appendChild(el('tr'));
    foot.appendChild(el('th', { scope: 'row' }, 'macro'));
    [fixed(report.macroPrecision, 4), fixed(report.macroRecall, 4), fixed(report.macroF1, 4), ''].forEach(function (v) {
      foot.appendChild(el('td', { class: 'num' }, v));
    });
    const box = document.getElementById('per-class');
    box.replaceChildren(table);
  });

  let offset = 0;
  const PAGE = 48;
  function loadMisclassified() {
    fetch(api + '/misclassified?limit=' + PAGE + '&offset=' + offset).then(function (r) { return r.ok ? r.json() : null; }).then(function (page) {
      if (!page) { return; }
      document.getElementById('misclassified-summary').textContent = page.mistakes + ' test images misclassified; ' +
        page.total + ' kept, most confident mistakes first.';
      const gallery = document.getElementById('misclassified');
      page.items.forEach(function (m) {
        const figure = el('figure');
        figure.appendChild(el('img', { src: api + '/misclassified/' + m.index + '.png', loading: 'lazy',
          alt: 'Test image ' + m.index + ': a ' + m.actual + ' predicted as ' + m.predicted }));
        const caption = figure.appendChild(el('figcaption', {}, 'true ' + m.actual + ' → predicted ' + m.predicted + ' '));
        caption.appendChild(el('span', { class: 'confidence' }, '(' + (m.confidence * 100).toFixed(1) + ' %)'));
        gallery.appendChild(figure);
      });
      offset += page.items.length;
      document.getElementById('more-misclassified').hidden = offset >= page.total;
    });
  }
  document.getElementById('more-misclassified').addEventListener('click', loadMisclassified);
  if (data.tested) { loadMisclassified(); }

  // Artifact preview: images as images, JSON pretty-printed, text as it is (the first 64 KiB).
  async function showPreview(file, url) {
    const box = document.getElementById('artifact-preview');
    box.hidden = false;
    box.replaceChildren(el('h3', {}, file));
    if (/\.(png|jpe?g|svg)$/i.test(file)) {
      box.appendChild(el('img', { src: url, alt: file }));
      return;
    }
    const response = await fetch(url);
    if (!response.ok) { box.appendChild(el('p', { class: 'error-text' }, 'The server answered ' + response.status + '.')); return; }
    let text = await response.text();
    const cut = text.length > 65536;
    if (cut) { text = text.substring(0, 65536); }
    if (/\.json$/i.test(file) && !cut) {
      try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (ignored) { /* shown as it is */ }
    }
    box.appendChild(el('pre', { class: 'stack' }, text + (cut ? '\n… (the first 64 KiB; download it for the rest)' : '')));
  }

  fetch(api + '/artifacts').then(function (r) { return r.ok ? r.json() : []; }).then(function (list) {
    if (!list.length) { return; }
    const table = el('table', { class: 'data' });
    const head = el('tr');
    ['Artifact', 'Kind', 'Size', 'Attempt', ''].forEach(function (h) { head.appendChild(el('th', { scope: 'col' }, h)); });
    table.appendChild(el('thead')).appendChild(head);
    const body = table.appendChild(el('tbody'));
    list.forEach(function (a) {
      const row = body.appendChild(el('tr'));
      const name = row.appendChild(el('td'));
      if (a.available) {
        name.appendChild(el('a', { href: api + '/artifacts/' + encodeURIComponent(a.name), download: a.fileName || a.name }, a.fileName || a.name));
      } else {
        name.textContent = (a.fileName || a.name) + ' (not on this server)';
      }
      row.appendChild(el('td', {}, a.kind || ''));
      row.appendChild(el('td', { class: 'num' }, a.bytes === null || a.bytes === undefined ? '–' : (a.bytes / 1024).toFixed(1) + ' KiB'));
      row.appendChild(el('td', { class: 'num' }, String(a.attempt)));
      const preview = row.appendChild(el('td'));
      const file = a.fileName || a.name;
      if (a.available && /\.(json|txt|csv|log|ya?ml|png|jpe?g|svg)$/i.test(file)) {
        const button = preview.appendChild(el('button', { type: 'button', class: 'secondary', 'data-preview': file }, 'Preview'));
        button.addEventListener('click', function () { showPreview(file, api + '/artifacts/' + encodeURIComponent(a.name)); });
      }
    });
    const box = el('div', { id: 'artifact-preview', class: 'artifact-preview', hidden: '' });
    document.getElementById('artifacts').replaceChildren(table, box);
  });
})();
