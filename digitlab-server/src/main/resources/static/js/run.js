// A run logged through the MLflow API: one curve per metric key, against the step MLflow logged,
// from the same downsampled history endpoint the trial page reads.
(function () {
  'use strict';
  const id = document.getElementById('main').dataset.run;
  document.querySelectorAll('.metric-curve .chart').forEach(function (box) {
    const key = box.dataset.key;
    fetch('/api/v1/trials/' + id + '/metrics?points=1000&keys=' + encodeURIComponent(key))
      .then(function (r) { return r.json(); })
      .then(function (body) {
        const points = (body[key] || []).map(function (p) { return [p.step, p.value]; });
        const chart = echarts.init(box);
        chart.setOption({
          animation: false,
          // Both axes titled, the titles along their axes (not on the tick labels).
          grid: { left: 70, right: 20, top: 20, bottom: 45 },
          tooltip: { trigger: 'axis' },
          xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 26 },
          yAxis: { type: 'value', scale: true, name: key, nameLocation: 'middle', nameGap: 52 },
          series: [{ name: key, type: 'line', showSymbol: points.length < 50, data: points }]
        });
        box.dataset.points = String(points.length);
        window.addEventListener('resize', function () { chart.resize(); });
      });
  });
})();
