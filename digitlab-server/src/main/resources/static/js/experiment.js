// The experiment page: charts from the data the server wrote into the page, curves from the
// metrics endpoint, then live through the experiment's event stream (EventSource resumes with
// Last-Event-ID by itself after a dropped connection).
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('experiment-data').textContent);
  const trials = data.trials;
  const labels = trials.map(function (t) { return t.label; });
  const charts = [];

  // Every trial's curve in one request: a sweep of 300 runs asked 300 times.
  const curves = DigitLabCharts.curves(document.getElementById('curves'), trials,
    '/api/v1/experiments/' + data.experimentId + '/metrics');
  charts.push(curves.chart);
  const select = document.getElementById('curve-metric');
  select.addEventListener('change', function () { curves.show(select.value); });
  curves.show(select.value);
  DigitLabCharts.controls(curves, document.getElementById('curve-x'), document.getElementById('curve-log'),
    document.getElementById('curve-smoothing'));

  // Test-phase bars: accuracy, macro precision, recall and F1 per trial.
  const testKeys = [['test_accuracy', 'accuracy'], ['test_precision_macro', 'precision'],
    ['test_recall_macro', 'recall'], ['test_f1_macro', 'F1']];
  // Not on an MLflow experiment's page: its runs have no test phase of ours.
  const barsElement = document.getElementById('test-bars');
  if (barsElement) {
    const bars = echarts.init(barsElement);
    charts.push(bars);
    // Every trial's label, wrapped to its column's width (ECharts hid every other one that would not
    // fit on one line); too narrow even for that (a phone), the trial number alone ("#1"), the
    // tooltip naming the rest. Recomputed when the window's width changes.
    function barLabels() {
      const width = (document.getElementById('test-bars').clientWidth - 90) / Math.max(1, labels.length) - 6;
      return { interval: 0, overflow: 'break', width: Math.max(30, width),
        formatter: width < 110 ? function (v) { return v.split(' ')[0]; } : null };
    }
    window.addEventListener('resize', function () { bars.setOption({ xAxis: { axisLabel: barLabels() } }); });
    // From 0 to 100 %: a bar's length is its value (an axis from 0.81 made 0.84 look like a fifth
    // of 0.9), and its ticks (0, 20 %, … 100 %) cannot crowd each other as 0.99 and 1 did.
    bars.setOption({
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return v === null || v === undefined ? '–' : (v * 100).toFixed(2) + ' %'; } },
      legend: { top: 0 },
      grid: { left: 70, right: 10, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: labels, axisLabel: barLabels() },
      yAxis: { type: 'value', min: 0, max: 1, name: 'test set score', nameLocation: 'middle', nameGap: 48,
        axisLabel: { formatter: function (v) { return Math.round(v * 100) + ' %'; } } },
      series: testKeys.map(function (k) {
        return { name: k[1], type: 'bar', data: trials.map(function (t) { return t.metrics[k[0]] ?? null; }) };
      })
    });
  }

  // The search plots: each trial's objective (its last reported value of the objective metric),
  // pruned trials marked, log axes for log-scaled ranges, category axes for lists.
  const searched = data.searched;
  const logScaled = new Set(data.logScaled || []);
  const maximize = data.goal !== 'min';
  function objectiveOf(t) {
    const v = t.metrics[data.objective];
    return typeof v === 'number' && isFinite(v) ? v : null;
  }
  const byOrdinal = trials.slice().sort(function (x, y) { return x.ordinal - y.ordinal; });
  const finished = byOrdinal.filter(function (t) { return t.status === 'succeeded' && objectiveOf(t) !== null; });
  const pruned = byOrdinal.filter(function (t) { return t.status === 'pruned'; });
  const numeric = {};
  searched.forEach(function (d) {
    numeric[d] = trials.every(function (t) { const v = t.config[d]; return v === undefined || v === null || typeof v === 'number'; });
  });
  const objectives = finished.map(objectiveOf);
  const objMin = objectives.length ? Math.min.apply(null, objectives) : 0;
  const objMax = objectives.length ? Math.max.apply(null, objectives) : 1;
  const palette = ['#d94e5d', '#eac736', '#50a3ba'];
  const colourRange = maximize ? palette : palette.slice().reverse();

  // Optimization history: objective by trial number, and the best so far.
  // Not on an MLflow experiment's page: it has no objective.
  const historyElement = document.getElementById('history');
  if (historyElement) {
    const history = echarts.init(historyElement);
    charts.push(history);
    let best = null;
    const bestSoFar = [];
    byOrdinal.forEach(function (t) {
      const v = t.status === 'succeeded' ? objectiveOf(t) : null;
      if (v !== null && (best === null || (maximize ? v > best : v < best))) { best = v; }
      if (best !== null) { bestSoFar.push([t.ordinal, best]); }
    });
    history.setOption({
      tooltip: { trigger: 'item' }, legend: { top: 0 },
      grid: { left: 70, right: 20, top: 40, bottom: 40 },
      xAxis: { type: 'value', name: 'trial', nameLocation: 'middle', nameGap: 25, minInterval: 1 },
      yAxis: { type: 'value', scale: true, name: data.objective, nameLocation: 'middle', nameGap: 52 },
      series: [
        { name: 'objective', type: 'scatter', symbolSize: 8,
          data: finished.map(function (t) { return { name: t.label, value: [t.ordinal, objectiveOf(t)] }; }),
          markLine: { symbol: 'none', silent: false, lineStyle: { type: 'dashed', color: '#999' },
            label: { formatter: 'pruned', color: '#999' },
            data: pruned.map(function (t) { return { name: t.label + ' pruned', xAxis: t.ordinal }; }) } },
        { name: 'best so far', type: 'line', step: 'end', symbol: 'none', data: bestSoFar }
      ]
    });
  }

  // With nothing searched the page has a note instead of these panels (no empty charts).
  const searchPlots = searched.length > 0;

  // Parameter importance: fANOVA, computed on the server (SearchImportance) as Optuna's
  // FanovaImportanceEvaluator computes it, the same figures as the report's.
  const shares = data.importance || {};
  if (searchPlots) {
    const importance = echarts.init(document.getElementById('importance'));
    charts.push(importance);
    const ranked = searched.map(function (d) { return [d, shares[d] ?? 0]; })
      .sort(function (x, y) { return x[1] - y[1]; });
    importance.setOption({
      tooltip: { trigger: 'axis' },
      grid: { left: 120, right: 30, top: 10, bottom: 45 },
      xAxis: { type: 'value', max: 1, name: 'share of the objective\'s variance (fANOVA)', nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'category', data: ranked.map(function (r) { return r[0]; }) },
      series: [{ name: 'importance', type: 'bar', data: ranked.map(function (r) { return Math.round(r[1] * 1000) / 1000; }) }]
    });

    // Parallel coordinates: each searched hyperparameter, then the objective; lines coloured by
    // the objective, pruned trials dashed and grey. A log-scaled range gets a log axis, a listed
    // parameter (grid values, or values that are not numbers) one tick per value in its order:
    // [0.0005, 0.003, 0.01] on a linear axis would squeeze two of three values at the bottom.
    // Drawn as SVG so that every label is an element the browser lays out (and a test can measure).
    const listed = new Set(data.listed || []);
    function valuesOf(d) {
      const seen = Array.from(new Set(trials.map(function (t) { return t.config[d]; })
        .filter(function (v) { return v !== undefined && v !== null; })));
      if (numeric[d]) { seen.sort(function (a, b) { return a - b; }); }
      return seen.map(String);
    }
    function axisKind(d) {
      if (!numeric[d] || listed.has(d)) { return 'category'; }
      return logScaled.has(d) ? 'log' : 'value';
    }
    const dims = searched.concat([data.objective]);
    const parallel = echarts.init(document.getElementById('parallel'), null, { renderer: 'svg' });
    charts.push(parallel);
    const shown = byOrdinal.filter(function (t) { return t.status === 'succeeded' || t.status === 'pruned'; });
    parallel.setOption({
      parallelAxis: dims.map(function (d, i) {
        const axis = { dim: i, name: d, nameTextStyle: { fontSize: 11 } };
        if (i === searched.length) { return Object.assign(axis, { type: 'value', scale: true }); }
        const kind = axisKind(d);
        if (kind === 'category') { return Object.assign(axis, { type: 'category', data: valuesOf(d) }); }
        return Object.assign(axis, { type: kind, scale: true });
      }),
      // Room on both sides for the first and last axis titles (centred on their axes) and, on the
      // right, the colour scale of the objective.
      parallel: { left: 70, right: 140, top: 40, bottom: 30 },
      visualMap: { type: 'continuous', dimension: searched.length, min: objMin, max: objMax,
        inRange: { color: colourRange }, outOfRange: { color: '#bbb' }, right: 10, top: 'middle', itemHeight: 100,
        calculable: false, text: [maximize ? 'best' : 'worst', maximize ? 'worst' : 'best'], textStyle: { fontSize: 11 } },
      tooltip: {},
      series: [{ type: 'parallel', lineStyle: { width: 2, opacity: 0.8 },
        data: shown.map(function (t) {
          const item = { name: t.label + (t.status === 'pruned' ? ' (pruned)' : ''),
            value: dims.map(function (d, i) {
              const v = i < searched.length ? t.config[d] : objectiveOf(t);
              if (v === null || v === undefined) { return v; }
              return i < searched.length && axisKind(d) === 'category' ? String(v) : v;
            }) };
          if (t.status === 'pruned') { item.lineStyle = { type: 'dashed', opacity: 0.5, color: '#999' }; }
          return item;
        }) }]
    });

    // Slice plot: the objective against one parameter, on the same kind of axis as above. The
    // y-axis title runs along the axis, clear of the parameter select above the chart.
    const slice = echarts.init(document.getElementById('slice'), null, { renderer: 'svg' });
    charts.push(slice);
    const sliceSelect = document.getElementById('slice-parameter');
    function drawSlice(d) {
      const kind = d ? axisKind(d) : 'value';
      slice.setOption({
        tooltip: { trigger: 'item' },
        grid: { left: 70, right: 20, top: 20, bottom: 45 },
        xAxis: kind === 'category'
          ? { type: 'category', name: d, nameLocation: 'middle', nameGap: 28, data: valuesOf(d) }
          : { type: kind, scale: true, name: d, nameLocation: 'middle', nameGap: 28 },
        yAxis: { type: 'value', scale: true, name: data.objective, nameLocation: 'middle', nameGap: 50 },
        visualMap: { show: false, dimension: 2, min: 0, max: Math.max(1, byOrdinal.length - 1), inRange: { color: ['#c6dbef', '#08306b'] } },
        series: [{ type: 'scatter', symbolSize: 9,
          data: finished.map(function (t) {
            const x = kind === 'category' ? String(t.config[d]) : t.config[d];
            return { name: t.label, value: [x, objectiveOf(t), t.ordinal] };
          }) }]
      }, true);
    }
    if (sliceSelect) {
      sliceSelect.addEventListener('change', function () { drawSlice(sliceSelect.value); });
      drawSlice(sliceSelect.value);
    }
  }

  // Timeline (Gantt): a row per worker slot, a bar per trial from start to finish (or now). Trials
  // that overlap in time on one worker go to separate lanes (greedy interval partitioning), so
  // parallel trials never draw into one bar; bars keep a gap and carry their label when it fits.
  const timeline = echarts.init(document.getElementById('timeline'));
  charts.push(timeline);
  function drawTimeline() {
    const ran = trials.filter(function (t) { return t.startedAt; }).map(function (t) {
      // An MLflow experiment's runs have no worker of ours: their rows are named "runs".
      return { t: t, worker: t.worker || (data.mlflow ? 'runs' : 'unknown'), start: Date.parse(t.startedAt),
        end: t.finishedAt ? Date.parse(t.finishedAt) : Date.now() };
    }).sort(function (a, b) { return a.start - b.start; });
    const lanes = new Map(); // worker -> end time of each of its lanes
    ran.forEach(function (r) {
      const ends = lanes.get(r.worker) || [];
      let lane = ends.findIndex(function (end) { return end <= r.start; });
      if (lane < 0) { lane = ends.length; ends.push(0); }
      ends[lane] = r.end;
      lanes.set(r.worker, ends);
      r.lane = lane;
    });
    const rows = [];
    lanes.forEach(function (ends, worker) {
      ends.forEach(function (e, i) { rows.push(ends.length > 1 ? worker + ' · ' + (i + 1) : worker); });
    });
    const rowOf = function (r) {
      const name = lanes.get(r.worker).length > 1 ? r.worker + ' · ' + (r.lane + 1) : r.worker;
      return rows.indexOf(name);
    };
    const element = document.getElementById('timeline');
    element.style.height = Math.max(160, 60 + rows.length * 34) + 'px';
    timeline.resize();
    const local = function (ms) { return new Date(ms).toLocaleString(); };
    timeline.setOption({
      // A formatter's string is set as HTML: the label holds parameter values, which an imported
      // experiment or a program's parameters make anything (a stored XSS before it was escaped).
      tooltip: { formatter: function (p) {
        return echarts.format.encodeHTML(p.name + ' (' + p.data.status + '): ') + local(p.value[1]) + ' → ' + local(p.value[2]); } },
      grid: { left: 10, right: 20, top: 10, bottom: 30, containLabel: true },
      xAxis: { type: 'time', axisLabel: { hideOverlap: true } },
      yAxis: { type: 'category', data: rows, inverse: true,
        axisLabel: { width: 110, overflow: 'truncate' } },
      series: [{ type: 'custom', encode: { x: [1, 2], y: 0 },
        renderItem: function (params, api) {
          const start = api.coord([api.value(1), api.value(0)]);
          const end = api.coord([api.value(2), api.value(0)]);
          const height = api.size([0, 1])[1] * 0.6;
          // One pixel less than the span: consecutive trials on a lane stay two bars.
          const width = Math.max(2, end[0] - start[0] - 1);
          // The whole label when it fits, else the trial number alone ("#1"), else none (the
          // tooltip has it): a short trial's bar never shows a label spilling out of it.
          const whole = rowLabel(params.dataIndex);
          const fits = function (text) { return width > text.length * 7 + 6; };
          const label = fits(whole) ? whole : fits(whole.split(' ')[0]) ? whole.split(' ')[0] : '';
          return { type: 'group', children: [
            { type: 'rect', shape: { x: start[0], y: start[1] - height / 2, width: width, height: height, r: 2 },
              style: api.style({ stroke: '#fff', lineWidth: 1 }) },
            { type: 'text', silent: true, style: { text: label,
              x: start[0] + 4, y: start[1], verticalAlign: 'middle', fill: '#fff', font: '11px sans-serif' } }
          ] };
        },
        data: ran.map(function (r) {
          return { name: r.t.label, status: r.t.status, value: [rowOf(r), r.start, r.end] };
        }) }]
    });
    function rowLabel(i) { return ran[i] ? ran[i].t.label : ''; }
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
