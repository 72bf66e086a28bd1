// The experiment page: charts from the data the server wrote into the page, curves from the
// metrics endpoint, then live through the experiment's event stream (EventSource resumes with
// Last-Event-ID by itself after a dropped connection).
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('experiment-data').textContent);
  const trials = data.trials;
  const labels = trials.map(function (t) { return t.label; });
  const charts = [];

  const curves = DigitLabCharts.curves(document.getElementById('curves'), trials);
  charts.push(curves.chart);
  const select = document.getElementById('curve-metric');
  select.addEventListener('change', function () { curves.show(select.value); });
  curves.show(select.value);

  // Test-phase bars: accuracy, macro precision, recall and F1 per trial.
  const testKeys = [['test_accuracy', 'accuracy'], ['test_precision_macro', 'precision'],
    ['test_recall_macro', 'recall'], ['test_f1_macro', 'F1']];
  const bars = echarts.init(document.getElementById('test-bars'));
  charts.push(bars);
  bars.setOption({
    tooltip: { trigger: 'axis' }, legend: { top: 0 },
    grid: { left: 50, right: 10, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: labels },
    yAxis: { type: 'value', scale: true, max: 1 },
    series: testKeys.map(function (k) {
      return { name: k[1], type: 'bar', data: trials.map(function (t) { return t.metrics[k[0]] ?? null; }) };
    })
  });

  // Parallel coordinates: each searched hyperparameter, then the objective.
  const dims = data.searched.concat([data.objective]);
  const parallel = echarts.init(document.getElementById('parallel'));
  charts.push(parallel);
  parallel.setOption({
    parallelAxis: dims.map(function (d, i) {
      const values = trials.map(function (t) { return i < data.searched.length ? t.config[d] : t.metrics[d]; });
      const numeric = values.every(function (v) { return v === undefined || v === null || typeof v === 'number'; });
      return numeric ? { dim: i, name: d, type: 'value', scale: true }
        : { dim: i, name: d, type: 'category', data: Array.from(new Set(values.map(String))) };
    }),
    parallel: { left: 40, right: 60, top: 40, bottom: 30 },
    tooltip: {},
    series: [{ type: 'parallel', lineStyle: { width: 2, opacity: 0.7 },
      data: trials.map(function (t) {
        return { name: t.label, value: dims.map(function (d, i) {
          const v = i < data.searched.length ? t.config[d] : t.metrics[d];
          return typeof v === 'number' || v === null || v === undefined ? v : String(v);
        }) };
      }) }]
  });

  // Timeline (Gantt): one row per worker, a bar per trial from start to finish (or now).
  const timeline = echarts.init(document.getElementById('timeline'));
  charts.push(timeline);
  function drawTimeline() {
    const ran = trials.filter(function (t) { return t.startedAt; });
    const workers = Array.from(new Set(ran.map(function (t) { return t.worker || 'unknown'; })));
    timeline.setOption({
      tooltip: { formatter: function (p) { return p.name + ': ' + new Date(p.value[1]).toISOString() + ' → ' + new Date(p.value[2]).toISOString(); } },
      grid: { left: 90, right: 20, top: 10, bottom: 30 },
      xAxis: { type: 'time' },
      yAxis: { type: 'category', data: workers },
      series: [{ type: 'custom', encode: { x: [1, 2], y: 0 },
        renderItem: function (params, api) {
          const start = api.coord([api.value(1), api.value(0)]);
          const end = api.coord([api.value(2), api.value(0)]);
          const height = api.size([0, 1])[1] * 0.6;
          return { type: 'rect', shape: { x: start[0], y: start[1] - height / 2, width: Math.max(2, end[0] - start[0]), height: height },
            style: api.style() };
        },
        data: ran.map(function (t) {
          const worker = t.worker || 'unknown';
          return { name: t.label, value: [workers.indexOf(worker), Date.parse(t.startedAt), t.finishedAt ? Date.parse(t.finishedAt) : Date.now()] };
        }) }]
    });
  }
  drawTimeline();

  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });

  // Live: metric points go to the curves, progress to the table, status changes reload the page's
  // data (table, bars, timeline) once things settle.
  const byId = new Map(trials.map(function (t) { return [t.id, t]; }));
  let reloadTimer = null;
  const active = trials.some(function (t) { return t.status === 'queued' || t.status === 'running'; });
  // A trial's new status shows at once, in its row, in the experiment's badge and in the counts;
  // the server's own figures follow when the page is re-read below.
  const COUNTED = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
  function showStatus(trialId, status) {
    const trial = byId.get(trialId);
    if (!trial || trial.status === status) { return; }
    trial.status = status;
    const cell = document.querySelector('tr[data-trial="' + trialId + '"] .status');
    if (cell) { cell.textContent = status; cell.className = 'status ' + status; }
    const counts = document.getElementById('trial-counts');
    if (counts) {
      const n = {};
      COUNTED.forEach(function (s) { n[s] = 0; });
      trials.forEach(function (t) { if (t.status in n) { n[t.status]++; } });
      counts.textContent = trials.length + ' in all: ' + COUNTED.map(function (s) { return n[s] + ' ' + s; }).join(', ');
    }
    const badge = document.getElementById('experiment-status');
    if (badge && status === 'running' && badge.textContent.trim() === 'queued') {
      badge.textContent = 'running';
      badge.className = 'status running';
    }
  }
  if (active && window.EventSource) {
    const source = new EventSource('/api/v1/experiments/' + data.experimentId + '/events?after=' + data.lastEventId);
    source.addEventListener('metric', function (e) {
      const event = JSON.parse(e.data);
      curves.add(event.trialId, event.payload.key, event.payload);
    });
    source.addEventListener('progress', function (e) {
      const event = JSON.parse(e.data);
      const percent = Math.round(event.payload.fraction * 100);
      const bar = document.querySelector('[data-progress="' + event.trialId + '"]');
      const text = document.querySelector('[data-progress-text="' + event.trialId + '"]');
      if (bar) { bar.value = percent; }
      if (text) { text.textContent = percent + ' %'; }
      // Progress means it runs, even if its "running" status event is still on its way.
      const trial = byId.get(event.trialId);
      if (trial && trial.status === 'queued') { showStatus(event.trialId, 'running'); }
    });
    source.addEventListener('status', function (e) {
      const event = JSON.parse(e.data);
      showStatus(event.trialId, event.payload.status);
      clearTimeout(reloadTimer);
      // The page is re-read from the server: the rolled-up figures are computed there.
      reloadTimer = setTimeout(function () {
        const stillActive = trials.some(function (t) { return t.status === 'queued' || t.status === 'running'; });
        if (!stillActive) {
          // Everything changed (best trial, bars, timeline): read the whole page again.
          source.close();
          window.location.reload();
          return;
        }
        htmx.ajax('GET', window.location.pathname, { target: '#trials', select: '#trials', swap: 'outerHTML' });
        htmx.ajax('GET', window.location.pathname, { target: '#summary', select: '#summary', swap: 'outerHTML' });
        htmx.ajax('GET', window.location.pathname, { target: '#experiment-status', select: '#experiment-status', swap: 'outerHTML' });
      }, 700);
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) { DigitLab.flash('Live updates stopped; reload the page.'); }
    };
  }
})();
