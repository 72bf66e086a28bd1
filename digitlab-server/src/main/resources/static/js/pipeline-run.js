// A pipeline run's page while the run is going: every 2 s the page is read again and only the parts
// of the report that changed are swapped, one top-level element (header, DAG, Gantt, table, a step's
// section) at a time. Within a changed step section the open <details> (the step, its log) stay
// open and a log keeps its scroll position; the window's scroll position is kept too. It stops once
// the run has ended (the server then writes data-active="false").
(function () {
  'use strict';
  const report = document.getElementById('run-report');
  if (!report || report.getAttribute('data-active') !== 'true') { return; }
  // What the server sent last for each top-level element: compared with the next reading, so that
  // what the browser did to the live element (opened, scrolled) never counts as a change.
  let previous = Array.from(report.children).map(function (el) { return el.outerHTML; });

  // A <details> is known by its step section and its place in it (the summary's text changes
  // with the step's status).
  function key(details, index) {
    const section = details.closest('section');
    return (section ? section.id : '') + '/' + index;
  }

  function keep(element) {
    const open = new Map();
    element.querySelectorAll('details').forEach(function (d, i) {
      const pre = d.querySelector(':scope > pre');
      open.set(key(d, i), { open: d.open, scroll: pre ? pre.scrollTop : 0, bottom: pre ? pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4 : false });
    });
    return open;
  }

  function restore(element, open) {
    element.querySelectorAll('details').forEach(function (d, i) {
      const state = open.get(key(d, i));
      if (!state) { return; }
      d.open = state.open;
      const pre = d.querySelector(':scope > pre');
      // A log read at its end follows new lines; one scrolled back stays where it was.
      if (pre) { pre.scrollTop = state.bottom ? pre.scrollHeight : state.scroll; }
    });
  }

  async function refresh() {
    let html;
    try {
      const response = await fetch(window.location.pathname, { headers: { Accept: 'text/html' }, cache: 'no-store' });
      if (!response.ok) { return schedule(); }
      html = await response.text();
    } catch (e) {
      return schedule();
    }
    const next = new DOMParser().parseFromString(html, 'text/html').getElementById('run-report');
    if (!next) { return schedule(); }
    const incoming = Array.from(next.children);
    const x = window.scrollX, y = window.scrollY;
    if (incoming.length !== report.children.length) {
      const open = keep(report);
      report.replaceChildren.apply(report, incoming.map(function (el) { return document.importNode(el, true); }));
      restore(report, open);
    } else {
      incoming.forEach(function (el, i) {
        const html = el.outerHTML;
        if (html === previous[i]) { return; }
        const current = report.children[i];
        const open = keep(current);
        const fresh = document.importNode(el, true);
        current.replaceWith(fresh);
        restore(fresh, open);
      });
    }
    previous = incoming.map(function (el) { return el.outerHTML; });
    window.scrollTo(x, y);
    report.setAttribute('data-refreshed', String(Number(report.getAttribute('data-refreshed') || 0) + 1));
    if (next.getAttribute('data-active') === 'true') { schedule(); } else { report.setAttribute('data-active', 'false'); }
  }

  function schedule() { setTimeout(refresh, 2000); }
  schedule();
})();
