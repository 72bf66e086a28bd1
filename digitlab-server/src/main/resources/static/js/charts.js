// Chart helpers shared by the experiment, trial and compare pages (ECharts from its WebJar).
// Curves come from /api/v1/trials/{id}/metrics?points=N, which keeps the min and max of each
// bucket; live points from the event stream are appended and the same min/max rule is applied in
// the browser once a series grows past its budget, so a 100,000-point series stays smooth.
(function () {
  'use strict';
  const POINTS = 1000;
  const DEFAULT_BATCH = 128; // TrainingConfig's default batch size

  /** Keeps at most `points` of `series` ([x, y] pairs): the min and max of each bucket. */
  function minMax(series, points) {
    const n = series.length;
    if (n <= points) { return series; }
    const buckets = Math.floor(points / 2);
    const kept = [];
    for (let b = 0; b < buckets; b++) {
      const from = Math.floor(b * n / buckets), to = Math.floor((b + 1) * n / buckets);
      let min = -1, max = -1;
      for (let i = from; i < to; i++) {
        const v = series[i][1];
        if (v === null) { continue; }
        if (min < 0 || v < series[min][1]) { min = i; }
        if (max < 0 || v > series[max][1]) { max = i; }
      }
      if (min < 0) { kept.push(series[from]); } else if (min === max) { kept.push(series[min]); } else {
        kept.push(series[Math.min(min, max)]); kept.push(series[Math.max(min, max)]);
      }
    }
    return kept;
  }

  /**
   * TensorBoard's and W&B's smoothing: an exponential moving average of the [x, y] points, debiased
   * at the start (divided by 1 - weight^n, so the first points are not pulled towards 0); gaps
   * (null) stay gaps.
   */
  function smooth(points, weight) {
    if (!weight) { return points; }
    let last = 0, n = 0;
    return points.map(function (p) {
      if (p[1] === null || !isFinite(p[1])) { return p; }
      last = last * weight + (1 - weight) * p[1];
      n++;
      return [p[0], last / (1 - Math.pow(weight, n))];
    });
  }

  /**
   * Per-step keys are drawn against the step, the rest against the epoch; every metric of a run
   * logged through the MLflow API against the step it logged.
   */
  function xOf(trial, key, point) {
    return key === 'train_loss' || (trial && trial.kind === 'external') ? point.step : point.epoch;
  }

  /** A trial's samples of `key` as the chart keeps them. */
  function pointsOf(trial, key, samples) {
    // The epoch and the time ride along: the per-step x-axis can be the epoch or the wall time.
    return (samples || []).map(function (p) {
      return [xOf(trial, key, p), p.value, p.epoch, p.time ? Date.parse(p.time) : null];
    });
  }

  async function fetchCurve(trial, key) {
    const response = await fetch('/api/v1/trials/' + trial.id + '/metrics?keys=' +
      encodeURIComponent(key) + '&points=' + POINTS);
    if (!response.ok) { return []; }
    return pointsOf(trial, key, (await response.json())[key]);
  }

  /** Every trial's curve of `key` in one request to `url`, which answers {trialId: {key: [...]}}. */
  async function fetchCurves(url, trials, key) {
    const response = await fetch(url + '?keys=' + encodeURIComponent(key) + '&points=' + POINTS);
    const body = response.ok ? await response.json() : {};
    return trials.map(function (t) { return pointsOf(t, key, (body[t.id] || {})[key]); });
  }

  /** Runs `tasks` (functions returning promises) at most `limit` at a time. */
  async function pooled(tasks, limit) {
    const results = new Array(tasks.length);
    let next = 0;
    async function worker() {
      while (next < tasks.length) { const i = next++; results[i] = await tasks[i](); }
    }
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
    return results;
  }

  /**
   * A line chart of one metric for many trials: `trials` is [{id, label}]. Returns an object whose
   * show(key) loads a metric and add(trialId, key, point) appends a live point. With `batchUrl`
   * (an experiment's /metrics) every trial's curve comes from one request, else one per trial.
   */
  function curves(element, trials, batchUrl) {
    const chart = echarts.init(element);
    const state = { key: null, series: new Map(), pending: false, smoothing: 0, log: false, x: 'step' };
    window.addEventListener('resize', function () { chart.resize(); });

    function render() {
      state.pending = false;
      // A metric reported once per trial (test_accuracy) is a bar per trial, not lone dots.
      const lists = trials.map(function (t) { return state.series.get(t.id) || []; });
      const single = lists.every(function (l) { return l.length <= 1; }) && lists.some(function (l) { return l.length === 1; });
      if (single) {
        const values = lists.map(function (l) { return l.length ? l[0][1] : null; });
        const present = values.filter(function (v) { return v !== null && isFinite(v); });
        const nonNegative = present.every(function (v) { return v >= 0; });
        const fraction = /accuracy/.test(state.key) && present.every(function (v) { return v >= 0 && v <= 1; });
        const barLabel = function (v) {
          if (v === null || v === undefined) { return ''; }
          return fraction ? (v * 100).toFixed(2) + ' %' : String(Number(Number(v).toPrecision(4)));
        };
        chart.setOption({
          animation: false,
          tooltip: { trigger: 'axis' },
          legend: { show: false },
          grid: { left: 60, right: 20, top: 30, bottom: 60, containLabel: true },
          dataZoom: [],
          xAxis: { type: 'category', data: trials.map(function (t) { return t.label; }), name: '',
            axisLabel: { interval: 0, rotate: trials.length > 4 ? 30 : 0 } },
          // A bar's length is its value: the axis starts at 0 (0.84 against 0.91 must not look
          // like 1 against 7), and accuracies run to 100 % and read as percentages, as the table.
          yAxis: { type: 'value', min: nonNegative ? 0 : null, max: fraction ? 1 : null, scale: !nonNegative,
            name: state.key, nameLocation: 'middle', nameGap: 45,
            axisLabel: { formatter: fraction ? function (v) { return Math.round(v * 100) + ' %'; } : null } },
          series: [{ name: state.key, type: 'bar', label: { show: true, position: 'top', formatter: function (p) { return barLabel(p.value); } },
            data: values }]
        }, { replaceMerge: ['series', 'dataZoom', 'xAxis', 'yAxis'] });
        return;
      }
      chart.setOption({
        animation: false,
        tooltip: { trigger: 'axis' },
        // A legend names trials; one trial's curve needs none (its name is the y-axis title).
        legend: { show: trials.length > 1, type: 'scroll', top: 0 },
        // The x-axis title sits between the tick labels and the zoom slider, never under it.
        grid: { left: 60, right: 20, top: 40, bottom: 75 },
        dataZoom: [{ type: 'inside' }, { type: 'slider', height: 16, bottom: 4 }],
        // Against the epoch the axis starts where training did (0), not at the first step's
        // fraction of an epoch (0.042), so its ticks fall on whole and half epochs.
        xAxis: { type: 'value', name: xName(), nameLocation: 'middle', nameGap: 26,
          min: state.key === 'train_loss' && state.x === 'epoch' ? 0 : 'dataMin' },
        yAxis: { type: state.log ? 'log' : 'value', scale: true, name: state.key, nameLocation: 'middle', nameGap: 45 },
        series: trials.map(function (t) {
          return { name: t.label, type: 'line', showSymbol: state.key !== 'train_loss', sampling: 'lttb',
            data: smooth(along(t, state.series.get(t.id) || []), state.smoothing) };
        })
      }, { replaceMerge: ['series', 'dataZoom', 'xAxis', 'yAxis'] });
    }

    // Per-step series can be drawn against the images seen (step × the trial's batch size) or the
    // epoch (fractional: a step's place within its epoch), so that runs with batch 64 and 128 line
    // up.
    function xName() {
      if (state.key !== 'train_loss') {
        return trials.every(function (t) { return t.kind === 'external'; }) ? 'step' : 'epoch';
      }
      return { images: 'images seen', epoch: 'epoch', time: 'wall time (s from the first point)' }[state.x] || 'step';
    }
    function along(trial, points) {
      if (state.key !== 'train_loss' || state.x === 'step') { return points; }
      if (state.x === 'epoch') { return byEpoch(points); }
      if (state.x === 'time') {
        const timed = points.filter(function (p) { return p[3] !== null && p[3] !== undefined; });
        const first = timed.length ? timed[0][3] : 0;
        return timed.map(function (p) { return [Math.round((p[3] - first) / 100) / 10, p[1]]; });
      }
      const batch = (trial.config && Number(trial.config.batchSize)) || DEFAULT_BATCH;
      return points.map(function (p) { return [p[0] * batch, p[1]]; });
    }
    /** Step s of epoch e (counted from 1; its steps first..last) at x = e - 1 + (s - first + 1) / n. */
    function byEpoch(points) {
      const range = new Map();
      points.forEach(function (p) {
        const r = range.get(p[2]);
        if (!r) { range.set(p[2], [p[0], p[0]]); } else { r[0] = Math.min(r[0], p[0]); r[1] = Math.max(r[1], p[0]); }
      });
      // Epochs hold the same number of steps: a partial (running) epoch is spread over a full one.
      let full = 0, first = Infinity;
      range.forEach(function (r, e) { full = Math.max(full, r[1] - r[0] + 1); first = Math.min(first, e); });
      const base = first >= 1 ? 1 : 0; // epochs counted from 1 (or from 0)
      return points.map(function (p) {
        const r = range.get(p[2]);
        return [Math.round((p[2] - base + (p[0] - r[0] + 1) / Math.max(1, full)) * 1000) / 1000, p[1]];
      });
    }

    function later() {
      if (!state.pending) { state.pending = true; setTimeout(render, 300); }
    }

    return {
      chart: chart,
      /** Smoothing weight 0–0.99 and a log y-axis, as the controls next to a chart set them. */
      view: function (smoothing, log) { state.smoothing = smoothing; state.log = log; render(); },
      /** The per-step x-axis: 'step', 'epoch', 'images' (images seen) or 'time' (wall time). */
      along: function (x) { state.x = x; render(); },
      show: async function (key) {
        state.key = key;
        state.series = new Map();
        chart.showLoading();
        const loaded = batchUrl ? await fetchCurves(batchUrl, trials, key) : await pooled(trials.map(function (t) {
          return function () { return fetchCurve(t, key); };
        }), 6);
        if (state.key !== key) { return; }
        trials.forEach(function (t, i) { state.series.set(t.id, loaded[i]); });
        chart.hideLoading();
        render();
      },
      add: function (trialId, key, point) {
        if (key !== state.key) { return; }
        let data = state.series.get(trialId);
        if (!data) { data = []; state.series.set(trialId, data); }
        const x = xOf(trials.find(function (t) { return t.id === trialId; }), key, point);
        if (data.length && data[data.length - 1][0] > x) { return; } // already loaded
        data.push([x, point.value, point.epoch, point.time ? Date.parse(point.time) : Date.now()]);
        if (data.length > 2 * POINTS) { state.series.set(trialId, minMax(data, POINTS)); }
        later();
      }
    };
  }

  /**
   * Wires the controls next to a curve chart (each may be null): the per-step x-axis select (step,
   * epoch, images seen, wall time), the log-scale box and the smoothing slider, whose value shows in
   * `shown` if given.
   */
  function controls(chart, x, log, smoothing, shown) {
    function view() {
      if (shown && smoothing) { shown.textContent = smoothing.value; }
      chart.view(smoothing ? Number(smoothing.value) : 0, Boolean(log && log.checked));
    }
    if (x) { x.addEventListener('change', function () { chart.along(x.value); }); }
    if (log) { log.addEventListener('change', view); }
    if (smoothing) { smoothing.addEventListener('input', view); }
  }

  window.DigitLabCharts = { curves: curves, controls: controls, minMax: minMax, pooled: pooled, smooth: smooth };
})();
