// Installed by bench/browser.py in every tab before any of the app's scripts: keeps
// window.__bench up to date (settled or not, finished script runs, websocket frames, the
// last input event). The quiet period (ms) is filled in by bench/browser.py.
(() => {
  const quiet = QUIET_MS;
  const b = window.__bench = {settled: false, since: null, mark: null, runs: 0, frames: [],
                              heading: null, want: 0};
  const settledNow = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    // the rerun the action caused has run: a run finished, or (a run too short for the page to
    // show it as running) the server has sent a frame since the action
    if (b.runs < b.want && !(b.mark !== null && b.frames.length && b.frames[b.frames.length - 1][0] >= b.mark))
      return false;
    if (document.querySelector('[data-stale="true"], [data-testid="stSkeleton"],'
        + ' [data-testid="stAppSkeleton"], [data-testid="stSkeletonElement"]')) return false;
    if (b.heading && ![...document.querySelectorAll('h1')].some(h => h.textContent.includes(b.heading)))
      return false;
    for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
      const plot = chart.querySelector('.js-plotly-plot');
      if (!plot || !plot._fullLayout || !plot.querySelector('.main-svg')) return false;
    }
    for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
      if (!chart.querySelector('canvas.marks, svg.marks')) return false;
    return true;
  };
  const check = () => {
    const now = settledNow();
    if (now && !b.settled) b.since = performance.now();
    b.settled = now;
  };
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) { requestAnimationFrame(watch); return; }
    // b.runs counts finished script runs: each change of state away from 'running' (a run
    // can start and end within one batch of mutations, so the current value is not enough)
    new MutationObserver(records => {
      for (const r of records) if (r.oldValue === 'running') b.runs += 1;
      check();
    }).observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
    new MutationObserver(check).observe(document.body, {subtree: true, childList: true, attributes: true});
    const tick = () => { check(); requestAnimationFrame(tick); };
    tick();
  };
  b.stable = () => b.settled && b.since !== null && performance.now() - b.since >= quiet;
  for (const kind of ['pointerdown', 'keydown'])
    document.addEventListener(kind, () => { b.mark = performance.now(); }, true);
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', e => {
        const size = typeof e.data === 'string' ? e.data.length : (e.data.byteLength ?? e.data.size ?? 0);
        b.frames.push([performance.now(), size]);
      });
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch); else watch();
})();
