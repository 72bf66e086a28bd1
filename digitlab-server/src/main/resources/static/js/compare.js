// The trial comparison page (compare.html): overlaid learning curves of the compared trials, from
// the page's JSON data island, with the metric, x axis, log scale and smoothing the reader picks.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('compare-data').textContent);
  const curves = DigitLabCharts.curves(document.getElementById('curves'), data.trials);
  const select = document.getElementById('curve-metric');
  select.addEventListener('change', function () { curves.show(select.value); });
  curves.show(select.value);
  const x = document.getElementById('curve-x'), log = document.getElementById('curve-log'),
    smoothing = document.getElementById('curve-smoothing');
  x.addEventListener('change', function () { curves.along(x.value); });
  function view() { curves.view(Number(smoothing.value), log.checked); }
  log.addEventListener('change', view);
  smoothing.addEventListener('input', view);
})();
