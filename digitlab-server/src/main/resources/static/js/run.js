// A run's page (a run logged through the MLflow API, or any trial seen as a run): one curve per
// metric key, all read in one request from the downsampled history endpoint, then live from the
// run's event stream while it runs. Smoothing and the x-axis are chosen as in W&B and remembered by
// this browser (localStorage), for every run's page.
(function () {
  'use strict';
  const main = document.getElementById('main');
  const id = main.dataset.run;
  const api = '/api/v1/trials/' + id;
  const smoothing = document.getElementById('run-smoothing');
  const smoothingShown = document.getElementById('run-smoothing-value');
  const axis = document.getElementById('run-x');
  const X_NAMES = { step: 'step', relative: 'relative time (s since the first point)', wall: 'wall time' };
  const STORED = { smoothing: 'digitlab.run.smoothing', x: 'digitlab.run.x' };
  const POINTS = 1000;
  const COLOUR = '#5470c6';
  const curves = new Map(); // key -> { box, chart, points: [[step, value, time ms or null]] }

  // Storage may be refused (a private window, a policy): the page then starts from the defaults.
  function recall(name, valid) {
    try {
      const value = window.localStorage.getItem(STORED[name]);
      return value !== null && valid(value) ? value : null;
    } catch (refused) { return null; }
  }
  function keep(name, value) {
    try { window.localStorage.setItem(STORED[name], value); } catch (refused) { /* not remembered */ }
  }
  const storedSmoothing = recall('smoothing', function (v) { const n = Number(v); return v !== '' && n >= 0 && n < 1; });
  if (storedSmoothing !== null) { smoothing.value = storedSmoothing; }
  const storedX = recall('x', function (v) { return Object.prototype.hasOwnProperty.call(X_NAMES, v); });
  if (storedX !== null) { axis.value = storedX; }
  smoothingShown.textContent = smoothing.value;

  /** Natural order, as the server sorts the keys: layer2 before layer10. */
  function byKey(a, b) { return a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' }); }

  /** As the server writes a latest value: whole numbers as they are, others to 4 significant digits. */
  function figure(v) {
    if (v === null || v === undefined || !isFinite(v)) { return String(v); }
    return Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : Number(v).toPrecision(4);
  }

  /** The earliest time of any point of the run: where relative time starts, for every curve. */
  function origin() {
    let first = Infinity;
    curves.forEach(function (c) { c.points.forEach(function (p) { if (p[2] !== null && p[2] < first) { first = p[2]; } }); });
    return first;
  }

  function draw(key) {
    const curve = curves.get(key);
    if (!curve || !curve.loaded) { return; }
    const x = axis.value;
    const start = origin();
    const placed = (x === 'step' ? curve.points : curve.points.filter(function (p) { return p[2] !== null; }))
      .map(function (p) { return [x === 'step' ? p[0] : x === 'wall' ? p[2] : (p[2] - start) / 1000, p[1]]; });
    const weight = Number(smoothing.value) || 0;
    const series = [];
    if (weight > 0) {
      // W&B draws the raw curve faint behind the smoothed one: spikes stay visible.
      series.push({ name: key + ' (raw)', type: 'line', showSymbol: false, silent: true, z: 1, data: placed,
        itemStyle: { color: COLOUR }, lineStyle: { color: COLOUR, opacity: 0.25 } });
    }
    series.push({ name: key, type: 'line', showSymbol: placed.length < 50, z: 2,
      data: weight > 0 ? DigitLabCharts.smooth(placed, weight) : placed, itemStyle: { color: COLOUR } });
    curve.chart.setOption({
      animation: false,
      // Both axes titled, the titles along their axes (not on the tick labels).
      grid: { left: 70, right: 20, top: 20, bottom: 45 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: x === 'wall' ? 'time' : 'value', scale: true, name: X_NAMES[x], nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'value', scale: true, name: key, nameLocation: 'middle', nameGap: 52 },
      series: series
    }, { replaceMerge: ['series', 'xAxis'] });
    curve.box.dataset.points = String(curve.points.length);
  }
  function drawAll() { curves.forEach(function (c, key) { draw(key); }); }

  let pending = false;
  function later() {
    if (!pending) { pending = true; setTimeout(function () { pending = false; drawAll(); }, 300); }
  }

  function curveOf(box) {
    const curve = { box: box, chart: echarts.init(box), points: [], loaded: false };
    curves.set(box.dataset.key, curve);
    return curve;
  }

  /** A key first logged while the page is open: its chart, in its place among the others. */
  function newCurve(key) {
    const none = document.getElementById('no-metrics');
    if (none) { none.remove(); }
    const section = document.createElement('div');
    section.className = 'metric-curve';
    const title = section.appendChild(document.createElement('h3'));
    title.appendChild(document.createElement('span')).textContent = key;
    title.appendChild(document.createTextNode(' '));
    const latest = title.appendChild(document.createElement('small'));
    latest.className = 'muted';
    latest.dataset.latest = key;
    const box = section.appendChild(document.createElement('div'));
    box.className = 'chart';
    box.setAttribute('role', 'img');
    box.setAttribute('aria-label', 'Curve of ' + key);
    box.dataset.key = key;
    const list = document.getElementById('metric-curves');
    const next = Array.from(list.querySelectorAll('.metric-curve .chart')).find(function (b) { return byKey(b.dataset.key, key) > 0; });
    list.insertBefore(section, next ? next.closest('.metric-curve') : null);
    const curve = curveOf(box);
    curve.loaded = true;
    return curve;
  }

  /** A live point: appended unless the history already had it (it was stored as the page loaded). */
  function add(key, point) {
    const curve = curves.get(key) || newCurve(key);
    const points = curve.points;
    for (let i = points.length - 1; i >= 0 && points[i][0] >= point[0]; i--) {
      if (points[i][0] === point[0] && points[i][1] === point[1] && points[i][2] === point[2]) { return; }
    }
    let at = points.length;
    while (at > 0 && points[at - 1][0] > point[0]) { at--; }
    points.splice(at, 0, point);
    if (points.length > 2 * POINTS) { curve.points = DigitLabCharts.minMax(points, POINTS); }
    // MLflow's latest value: the greatest step's.
    if (at === points.length - 1) {
      const latest = document.querySelector('[data-latest="' + CSS.escape(key) + '"]');
      if (latest) { latest.textContent = 'latest ' + figure(point[1]); }
    }
    later();
  }

  function timeOf(sample) { return sample.time ? Date.parse(sample.time) : null; }

  function follow() {
    if (main.dataset.live !== 'true' || !window.EventSource) { return; }
    const source = new EventSource(api + '/events?after=' + main.dataset.after);
    source.addEventListener('metric', function (e) {
      const event = JSON.parse(e.data);
      const p = event.payload;
      const value = typeof p.value === 'number' ? p.value : null;
      add(p.key, [p.step, value, typeof p.timestamp === 'number' ? p.timestamp : Date.parse(event.time)]);
    });
    // The stream ends when the run does (and the browser would open it again): the status and the
    // facts (its end) are read again, and the stream closed for good.
    function ended() {
      fetch(api).then(function (r) { return r.ok ? r.json() : null; }).then(function (trial) {
        if (!trial || !['succeeded', 'failed', 'cancelled', 'pruned'].includes(trial.status)) { return; }
        source.close();
        htmx.ajax('GET', window.location.pathname, { target: '#run-status', select: '#run-status', swap: 'outerHTML' });
        htmx.ajax('GET', window.location.pathname, { target: '#summary', select: '#summary', swap: 'outerHTML' });
      });
    }
    source.addEventListener('status', ended);
    source.onerror = ended;
  }

  document.querySelectorAll('.metric-curve .chart').forEach(curveOf);
  fetch(api + '/metrics?points=' + POINTS).then(function (r) { return r.ok ? r.json() : {}; }).then(function (body) {
    // Keys logged since the page was written get their charts too.
    Object.keys(body).sort(byKey).forEach(function (key) { if (!curves.has(key)) { newCurve(key); } });
    curves.forEach(function (curve, key) {
      curve.points = (body[key] || []).map(function (p) { return [p.step, p.value, timeOf(p)]; });
      curve.loaded = true;
    });
    drawAll();
    follow();
  });

  smoothing.addEventListener('input', function () {
    smoothingShown.textContent = smoothing.value;
    keep('smoothing', smoothing.value);
    drawAll();
  });
  axis.addEventListener('change', function () { keep('x', axis.value); drawAll(); });
  window.addEventListener('resize', function () { curves.forEach(function (c) { c.chart.resize(); }); });
})();
