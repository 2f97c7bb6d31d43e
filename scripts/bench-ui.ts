// npm run bench:ui — time to interactive of the run page and the compare page in headless Chromium, on
// two LaMa-shaped runs of 12 scalar tags × 200,000 points each (2.4 M points per run), served by
// `lrscope watch`. Beside it, in the same run, a baseline: the same 12 charts drawn by chart.js from every
// stored point (a server that sends all points, as a dashboard without server-side downsampling does),
// with chart.js decimation off and on.
//
// Time to interactive (TTI) = from navigation start until every chart canvas of the page has drawn its
// data, no data request is in flight, nothing was drawn for 1 s, and a requestAnimationFrame →
// setTimeout(0) probe scheduled after the last draw has run (the main thread is free to answer input).
// The probe is an init script that wraps CanvasRenderingContext2D.stroke (lines in a data colour are the
// chart's series; grid, ticks and LR overlay are grey) and window.fetch (requests in flight); after the
// measurement the canvases are read back to check they are really not blank.
//
// First, the run page of a LaMa run with 100 tags × 20,000 points (BENCH_UI_MANY_POINTS), beside the same
// page with every chart eager (an init script replaces IntersectionObserver with one that reports every
// chart on screen at once: all 100 charts built, fetched and redrawn, as before lazy charts), measured in
// the same run: time to first chart, time until idle (every built chart drawn, no request in flight, the
// main thread free, nothing drawn for 1 s), the long tasks until then (count, total, blocking time = the
// part of each beyond 50 ms), and the time a smoothing change takes to settle (slider input → the last
// chart redrawn and the main thread free). Targets: first chart ≤ 1 s, idle ≤ 1.5 s, settle ≤ 150 ms.
//
// BENCH_UI_POINTS (default 200000) and BENCH_UI_REPS (default 5) shrink it for a quick look;
// BENCH_UI_ONLY=many (or run, compare, baseline; comma-separated) measures only those; BENCH_UI_VERBOSE=1 prints
// the request waterfall of the last repetition; BENCH_UI_DIR=<dir> keeps the generated runs there and
// reuses them next time (the default is a temporary folder, removed at the end).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openDb } from '../server/db/open';
import { Store } from '../server/db/store';
import { ingestPaths } from '../server/ingest/ingest';
import { querySeries } from '../server/db/series';
import { encodeFileVersionEvent, encodeScalarEvent, eventRecord, eventFileName } from '../server/ingest/tfeventsWriter';
import { runFolderName, type LamaRunSpec } from '../server/demo/lamaFormat';
import { rng } from '../server/demo/scenarios';
import { groupTags } from '../app/_components/tagGroups';
import { writeManyTagRun } from './bench/manyTagRun';
import { SATURATED } from './bench/pageTiming';
import { freePort, startWatch, trpcClient } from '../tests/helpers/watchProcess';
import { launchBrowser, collectProblems, allChartStats, MIN_DATA_PIXELS } from '../tests/helpers/browser';
import { maxOf, minOf } from '../server/lib/reduce';
import { writeRunConfigs } from '../server/demo/runConfigs';

const N = Number(process.env.BENCH_UI_POINTS ?? 200_000);
const REPS = Number(process.env.BENCH_UI_REPS ?? 5);
const TARGET_RUN_MS = 1500;
const LOG_EVERY = 10; // a point per tag every 10 optimizer steps: 200k points = 2M steps
const QUIET_MS = 1000;
const ONLY = new Set((process.env.BENCH_UI_ONLY ?? 'many,run,compare,baseline').split(','));
const MANY_TAGS = 100;
const MANY_POINTS = Number(process.env.BENCH_UI_MANY_POINTS ?? 20_000);
const TARGET_FIRST_MS = 1000;
const TARGET_IDLE_MS = 1500;
const TARGET_SETTLE_MS = 150;

/** 12 tags a LaMa job logs (Lightning's LearningRateMonitor adds lr-Adam / lr-Adam-1 for G and D). */
const TAGS = [
  'train_gen_l1', 'train_gen_adv', 'train_gen_fm', 'train_gen_resnet_pl',
  'train_discr_adv', 'train_adv_discr_real_out', 'train_adv_discr_fake_out', 'train_adv_discr_real_gp',
  'val_gen_l1', 'val_gen_fm',
  'lr-Adam', 'lr-Adam-1',
];

function value(tag: string, k: number, noise: number, spec: LamaRunSpec): number {
  const decay = Math.exp(-3 * k);
  switch (tag) {
    case 'lr-Adam': return spec.genLr * (k < 0.5 ? 1 : k < 0.8 ? 0.1 : 0.01); // MultiStepLR
    case 'lr-Adam-1': return spec.discLr * (k < 0.5 ? 1 : k < 0.8 ? 0.1 : 0.01);
    case 'train_gen_l1': return 0.02 + 0.08 * decay + 0.01 * noise;
    case 'train_gen_adv': return 4.5 - k + 0.4 * noise;
    case 'train_gen_fm': return 0.3 + 0.6 * decay + 0.05 * noise;
    case 'train_gen_resnet_pl': return 0.9 + 0.5 * decay + 0.08 * noise;
    case 'train_discr_adv': return 1.35 - 0.1 * k + 0.05 * noise;
    case 'train_adv_discr_real_out': return 0.05 + 0.05 * k + 0.04 * noise;
    case 'train_adv_discr_fake_out': return -0.04 - 0.03 * k + 0.04 * noise;
    case 'train_adv_discr_real_gp': return 0.003 + 0.0005 * noise;
    default: return 0.03 + 0.05 * decay + 0.003 * noise;
  }
}

/** A finished LaMa run on disk: experiments/<run>/{config.yaml,.hydra/} and tb_logs/<run>/version_0/<event file>. */
function generate(project: string, spec: LamaRunSpec, seed: number): { name: string; bytes: number } {
  const name = runFolderName(spec);
  const runDir = path.join(project, 'experiments', name);
  const tbDir = path.join(project, 'tb_logs', name, 'version_0');
  const overrides = [`data.batch_size=${spec.batchSize}`, `optimizers.generator.lr=${spec.genLr}`];
  writeRunConfigs(runDir, tbDir, spec, overrides);
  const t0 = spec.startedAt / 1000;
  const file = path.join(tbDir, eventFileName(t0, 'bench-node', 4242));
  const fd = fs.openSync(file, 'w');
  const rand = rng(seed);
  let parts: Buffer[] = [eventRecord(encodeFileVersionEvent(t0))];
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    const step = i * LOG_EVERY + LOG_EVERY - 1;
    const k = i / N;
    const wallTime = t0 + 5 + step * 0.05;
    for (const tag of TAGS) {
      const noise = rand() * 2 - 1 + (rand() < 0.001 ? 6 : 0); // a rare spike, kept by min/max sampling
      parts.push(eventRecord(encodeScalarEvent({ tag, step, wallTime, value: value(tag, k, noise, spec) })));
    }
    if (parts.length >= 12_000) {
      const b = Buffer.concat(parts);
      fs.writeSync(fd, b);
      bytes += b.length;
      parts = [];
    }
  }
  const b = Buffer.concat(parts);
  fs.writeSync(fd, b);
  fs.closeSync(fd);
  return { name, bytes: bytes + b.length };
}

// ---- the in-page probe ---------------------------------------------------------------------------

/** Installed before any page script runs (a string: no bundler helpers may leak into it). */
const PROBE = `(() => {
  const st = { canvases: new Set(), draws: 0, first: 0, firstAll: 0, last: 0, ready: 0, pending: false, inflight: 0, fetches: [], long: [], mark: 0 };
  window.__tti = st;
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) st.long.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });
  } catch (e) {}
  ${SATURATED}
  const stroke = CanvasRenderingContext2D.prototype.stroke;
  CanvasRenderingContext2D.prototype.stroke = function () {
    const out = stroke.apply(this, arguments);
    const s = this.strokeStyle;
    if (typeof s === 'string' && saturated(s) && this.canvas.closest && this.canvas.closest('.chart')) {
      st.draws++;
      st.canvases.add(this.canvas);
      st.last = performance.now();
      if (!st.first) st.first = st.last;
      if (!st.firstAll && st.canvases.size >= document.querySelectorAll('.chart canvas').length) st.firstAll = st.last;
      if (!st.pending) {
        st.pending = true;
        requestAnimationFrame(() => setTimeout(() => { st.pending = false; st.ready = performance.now(); }, 0));
      }
    }
    return out;
  };
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const url = String(input && input.url ? input.url : input);
    const rec = { url, start: performance.now(), end: 0 };
    st.inflight++;
    st.fetches.push(rec);
    const done = () => { st.inflight--; rec.end = performance.now(); };
    return fetch0.call(this, input, init).then((res) => {
      // count until the body has been read
      const clone = res.clone();
      clone.arrayBuffer().then(done, done);
      return res;
    }, (err) => { done(); throw err; });
  };
})();`;

// (runs in the page: no module helpers in it)
const DONE = `(() => {
  const st = window.__tti;
  if (!st) return null;
  const charts = document.querySelectorAll('.chart canvas').length;
  const now = performance.now();
  if (charts < __WANT__ || st.canvases.size < charts || st.inflight > 0 || st.pending || st.ready < st.last || now - st.last < ${QUIET_MS}) return null;
  const nav = performance.getEntriesByType('navigation')[0];
  const api = st.fetches.filter((f) => f.url.includes('/api/trpc/') || f.url.includes('/data?'));
  const series = st.fetches.filter((f) => f.url.includes('metrics.series') || f.url.includes('/data?'));
  return {
    charts, draws: st.draws, firstAll: st.firstAll, last: st.last, ready: st.ready,
    dcl: nav ? nav.domContentLoadedEventEnd : 0,
    firstFetch: api.length ? api.reduce((m, f) => Math.min(m, f.start), Infinity) : 0,
    lastFetchEnd: api.length ? api.reduce((m, f) => Math.max(m, f.end), 0) : 0,
    seriesRequests: series.length,
    seriesSlowest: series.length ? series.reduce((m, f) => Math.max(m, f.end - f.start), 0) : 0,
    waterfall: st.fetches.map((f) => Math.round(f.start) + '→' + Math.round(f.end) + ' ' + decodeURIComponent(f.url).split('?')[0].split('/').slice(-1)[0].slice(0, 90)),
  };
})()`;

interface Sample {
  charts: number;
  draws: number;
  firstAll: number;
  last: number;
  ready: number;
  dcl: number;
  firstFetch: number;
  lastFetchEnd: number;
  seriesRequests: number;
  seriesSlowest: number;
  waterfall: string[];
}

async function measure(browser: Browser, url: string, wantCharts: number): Promise<Sample> {
  const { context, page } = await benchPage(browser);
  const problems = collectProblems(page);
  await context.addInitScript({ content: PROBE });
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(DONE.replace('__WANT__', String(wantCharts)), undefined, { timeout: 120_000, polling: 100 });
  const s = (await handle.jsonValue()) as Sample;
  await checkDrawn(page, url);
  await context.close();
  problems.assertNone(url);
  return s;
}

/**
 * A fresh context (no cache) and page. bypassCSP: the dashboard's Content-Security-Policy has no
 * 'unsafe-eval', and Playwright evaluates string predicates (waitForFunction) with eval in the page.
 */
async function benchPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1, bypassCSP: true });
  return { context, page: await context.newPage() };
}

async function checkDrawn(page: Page, url: string): Promise<void> {
  // charts still waiting off-screen (placeholders) have no canvas yet; tags whose values are all NaN draw nothing
  const empty = new Set(await page.$$eval('.chart', (els) => els.filter((e) => e.classList.contains('placeholder') || e.querySelector('[data-testid="expected-nan"], [data-testid="single-point"]')).map((e) => e.getAttribute('data-title'))));
  const blank = (await allChartStats(page)).filter((c) => !empty.has(c.title) && (!c.stats || c.stats.coloured < MIN_DATA_PIXELS));
  if (blank.length) throw new Error(`${url}: blank charts: ${blank.map((b) => b.title).join(', ')}`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f0 = (x: number) => x.toFixed(0).padStart(6);

async function series(browser: Browser, label: string, url: string, want: number): Promise<Sample[]> {
  const warm = await measure(browser, url, want); // first load: server route code, SQLite page cache
  const out: Sample[] = [];
  for (let i = 0; i < REPS; i++) out.push(await measure(browser, url, want));
  const m = (k: Exclude<keyof Sample, 'waterfall'>) => median(out.map((s) => s[k]));
  console.log(
    `${label.padEnd(44)} TTI median ${f0(m('ready'))} ms  (min ${f0(minOf(out.map((s) => s.ready)))}, max ${f0(maxOf(out.map((s) => s.ready)))}, first load ${f0(warm.ready)})` +
      `  | all charts drawn ${f0(m('firstAll'))}  DOMContentLoaded ${f0(m('dcl'))}  API ${f0(m('firstFetch'))} → ${f0(m('lastFetchEnd'))}` +
      `  slowest series response ${f0(m('seriesSlowest'))}  charts ${out[0].charts}, data requests ${out[0].seriesRequests}`,
  );
  if (process.env.BENCH_UI_VERBOSE) {
    const s = out[out.length - 1];
    console.log(`   last repetition: requests (ms from navigation start) ${s.waterfall.join(' | ')}; data drawn on every chart ${s.firstAll.toFixed(0)}, last draw ${s.last.toFixed(0)}, main thread free ${s.ready.toFixed(0)}`);
  }
  return out;
}

// ---- the baseline: every stored point sent to the page ---------------------------------------------

function baselineServer(dbFile: string, runId: number): Promise<{ url: string; close: () => Promise<void> }> {
  const h = openDb(dbFile, { readonly: true });
  const seriesId = h.sqlite.prepare('SELECT id FROM series WHERE run_id = ? AND tag = ?');
  const points = h.sqlite.prepare('SELECT step, value FROM points WHERE series_id = ? ORDER BY seg, step, dup').raw(true);
  const chartJs = fs.readFileSync(path.resolve('node_modules/chart.js/dist/chart.umd.min.js'));
  const page = (decimation: boolean) => `<!doctype html><html><head><meta charset="utf-8"><title>baseline</title><link rel="icon" href="data:,">
<style>body{margin:0;font:13px system-ui,sans-serif}main{padding:14px 20px}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:12px}
.chart{border:1px solid #e4e7ec;border-radius:6px;padding:6px 8px}.body{position:relative;height:240px}</style></head><body><main><div class="grid">
${TAGS.map((t) => `<div class="chart" data-title="${t}"><b>${t}</b><div class="body"><canvas></canvas></div></div>`).join('\n')}
</div></main><script src="/chart.umd.js"></script><script>
document.querySelectorAll('.chart').forEach((box) => {
  const tag = box.dataset.title;
  fetch('/data?tag=' + encodeURIComponent(tag)).then((r) => r.json()).then((d) => {
    const data = new Array(d.x.length);
    for (let i = 0; i < d.x.length; i++) data[i] = { x: d.x[i], y: d.y[i] };
    new Chart(box.querySelector('canvas'), {
      type: 'line',
      data: { datasets: [{ label: tag, data, borderColor: '#3b5bdb', borderWidth: 1.4, pointRadius: 0 }] },
      options: {
        animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false,
        plugins: { decimation: { enabled: ${decimation}, algorithm: 'min-max' } },
        scales: { x: { type: 'linear' }, y: { type: tag.startsWith('lr') ? 'logarithmic' : 'linear' } },
      },
    });
  });
});
</script></body></html>`;
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/chart.umd.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(chartJs);
    } else if (u.pathname === '/data') {
      const s = seriesId.get(runId, u.searchParams.get('tag')) as { id: number } | undefined;
      const rows = s ? (points.all(s.id) as [number, number | null][]) : [];
      const x: number[] = [];
      const y: (number | null)[] = [];
      for (const [step, v] of rows) {
        x.push(step);
        y.push(v);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ x, y }));
    } else if (u.pathname === '/' || u.pathname === '/decimated') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page(u.pathname === '/decimated'));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => (h.close(), r()))) });
    });
  });
}

// ---- 100 tags × 20k points: lazy charts beside every chart eager --------------------------------------

/** Every observed element is "on screen" at once: the page builds, fetches and redraws all its charts. */
const EAGER = `(() => {
  window.IntersectionObserver = class {
    constructor(cb) { this.cb = cb; }
    observe(el) { queueMicrotask(() => this.cb([{ target: el, isIntersecting: true, intersectionRatio: 1 }], this)); }
    unobserve() {}
    disconnect() {}
    takeRecords() { return []; }
  };
})();`;

/** The page is idle: charts built and drawn, no request in flight, nothing drawn for QUIET_MS, the main thread free. */
const IDLE = `(() => {
  const st = window.__tti;
  if (!st) return null;
  // a tag whose every value is NaN by LaMa's rule has nothing to draw (its chart says so)
  const charts = [...document.querySelectorAll('.chart')].filter((c) => c.querySelector('canvas') && !c.querySelector('[data-testid="expected-nan"]')).length;
  const now = performance.now();
  if (!charts || st.canvases.size < charts || st.inflight > 0 || st.pending || st.ready < st.last || now - st.last < ${QUIET_MS}) return null;
  const until = st.ready;
  const long = st.long.filter(([t]) => t < until);
  return {
    charts, slots: document.querySelectorAll('.slot').length, first: st.first, idle: until,
    longCount: long.length, longTotal: long.reduce((n, [, d]) => n + d, 0), blocking: long.reduce((n, [, d]) => n + Math.max(0, d - 50), 0),
    where: (() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const series = st.fetches.filter((f) => f.url.includes('metrics.series'));
      const r = (x) => Math.round(x);
      return 'response ' + r(nav ? nav.responseEnd : 0) + ', DOMContentLoaded ' + r(nav ? nav.domContentLoadedEventEnd : 0) +
        ', series requests ' + series.length + ' from ' + r(series.reduce((m, f) => Math.min(m, f.start), Infinity)) +
        ', first answered ' + r(series.reduce((m, f) => Math.min(m, f.end), Infinity)) +
        ', last answered ' + r(series.reduce((m, f) => Math.max(m, f.end), -Infinity)) + ', long tasks ' + long.map(([t, d]) => r(t) + '+' + r(d)).join(' ');
    })(),
  };
})()`;

/** Moves the smoothing slider to `value` as a user's input does, and marks the moment. */
const SMOOTH = `((value) => {
  const st = window.__tti;
  const el = document.querySelector('[data-testid="smoothing"]');
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  st.mark = performance.now();
  st.long = [];
  setter.call(el, String(value));
  el.dispatchEvent(new Event('input', { bubbles: true }));
  return st.mark;
})`;

/** Settled after the smoothing change: a chart redrew after the mark, then QUIET_MS / 2 of nothing, main thread free. */
const SETTLED = `(() => {
  const st = window.__tti;
  const now = performance.now();
  if (!(st.last > st.mark) || st.pending || st.ready < st.last || st.inflight > 0 || now - st.last < ${QUIET_MS / 2}) return null;
  return { settle: st.ready - st.mark, longest: st.long.reduce((m, [, d]) => Math.max(m, d), 0) };
})()`;

interface ManySample {
  where: string;
  charts: number;
  slots: number;
  first: number;
  idle: number;
  longCount: number;
  longTotal: number;
  blocking: number;
  /** smoothing change → settled, ms, for each change */
  settle: number[];
  /** the longest task during those changes, ms */
  settleLongest: number;
}

async function measureMany(browser: Browser, url: string, eager: boolean): Promise<ManySample> {
  const { context, page } = await benchPage(browser);
  const problems = collectProblems(page);
  await context.addInitScript({ content: PROBE });
  if (eager) await context.addInitScript({ content: EAGER });
  await page.goto(url, { waitUntil: 'commit' });
  const s = (await (await page.waitForFunction(IDLE, undefined, { timeout: 180_000, polling: 100 })).jsonValue()) as Omit<ManySample, 'settle' | 'settleLongest'>;
  const settle: number[] = [];
  let settleLongest = 0;
  for (const value of [0.9, 0.3, 0.75]) {
    await page.evaluate(`${SMOOTH}(${value})`);
    const r = (await (await page.waitForFunction(SETTLED, undefined, { timeout: 120_000, polling: 50 })).jsonValue()) as { settle: number; longest: number };
    settle.push(r.settle);
    settleLongest = Math.max(settleLongest, r.longest);
  }
  await checkDrawn(page, url);
  await context.close();
  problems.assertNone(url);
  return { ...s, settle, settleLongest };
}

function prepareMany(dir: string): { project: string; db: string } {
  const project = path.join(dir, 'many-project');
  const db = path.join(dir, 'many.sqlite');
  if (fs.existsSync(db)) {
    console.log(`reusing the 100-tag run in ${dir}`);
    return { project, db };
  }
  let t = process.hrtime.bigint();
  const r = writeManyTagRun(project, { tags: MANY_TAGS, points: MANY_POINTS, seed: 99, user: 'bench' });
  console.log(`generated 1 run × ${r.tags.length} tags × ${MANY_POINTS.toLocaleString()} points (${(r.bytes / 1e6).toFixed(0)} MB of event files) in ${(ms(t) / 1000).toFixed(1)} s`);
  t = process.hrtime.bigint();
  const h = openDb(db);
  try {
    const summary = ingestPaths(new Store(h), [project]);
    console.log(`ingested ${summary.points.toLocaleString()} points in ${(ms(t) / 1000).toFixed(1)} s (ingestPaths, as lrscope ingest)`);
  } finally {
    h.close();
  }
  return { project, db };
}

async function benchMany(dir: string): Promise<void> {
  const { project, db } = prepareMany(dir);
  let w: Awaited<ReturnType<typeof startWatch>> | null = null;
  let browser: Browser | null = null;
  try {
    w = await startWatch([project, '--db', db, '--port', String(await freePort())], { timeoutMs: 120_000 });
    const runs = (await trpcClient(w.url).runs.list.query({})).rows;
    if (runs.length !== 1) throw new Error(`watch lists ${runs.length} runs`);
    browser = await launchBrowser();
    const url = `${w.url}/runs/${runs[0].id}`;
    console.log(
      `\nrun page of a LaMa run with ${MANY_TAGS} tags × ${MANY_POINTS.toLocaleString()} points (${url.replace(w.url, '')}), headless Chromium 1400×900, ` +
        `${REPS} repetitions after one first load each, alternating; median (min–max). The machine is shared and loaded by other work: absolute numbers vary.`,
    );
    const lazy: ManySample[] = [];
    const eager: ManySample[] = [];
    await measureMany(browser, url, false); // first load: server route code, SQLite page cache
    await measureMany(browser, url, true);
    for (let i = 0; i < REPS; i++) {
      lazy.push(await measureMany(browser, url, false));
      eager.push(await measureMany(browser, url, true));
    }
    const row = (label: string, xs: ManySample[]) => {
      const stat = (f: (s: ManySample) => number) => {
        const v = xs.map(f);
        return `${f0(median(v))} (${minOf(v).toFixed(0)}–${maxOf(v).toFixed(0)})`;
      };
      const settles = xs.flatMap((s) => s.settle);
      console.log(
        `${label.padEnd(34)} first chart ${stat((s) => s.first)} ms | idle ${stat((s) => s.idle)} ms | long tasks until idle: ${stat((s) => s.longCount)} tasks, ` +
          `total ${stat((s) => s.longTotal)} ms, blocking ${stat((s) => s.blocking)} ms | smoothing change settles ${f0(median(settles))} ms ` +
          `(${minOf(settles).toFixed(0)}–${maxOf(settles).toFixed(0)}, ${settles.length} changes; longest task ${f0(median(xs.map((s) => s.settleLongest)))} ms) | charts built ${xs[0].charts} of ${xs[0].slots}`,
      );
    };
    if (process.env.BENCH_UI_VERBOSE) for (const [k, xs] of [['lazy', lazy], ['eager', eager]] as const) for (const s of xs) console.log(`   ${k}: first chart ${s.first.toFixed(0)}, idle ${s.idle.toFixed(0)}: ${s.where}`);
    row('lazy charts (the run page)', lazy);
    row('every chart eager (baseline)', eager);
    const m = (xs: ManySample[], f: (s: ManySample) => number) => median(xs.map(f));
    const settle = median(lazy.flatMap((s) => s.settle));
    const verdict = (v: number, target: number) => `${v.toFixed(0)} ms (target ≤ ${target}) ${v <= target ? 'OK' : 'ABOVE TARGET'}`;
    console.log(
      `lazy vs eager: first chart ${verdict(m(lazy, (s) => s.first), TARGET_FIRST_MS)}, ${(m(eager, (s) => s.first) / m(lazy, (s) => s.first)).toFixed(1)}× sooner; ` +
        `idle ${verdict(m(lazy, (s) => s.idle), TARGET_IDLE_MS)}, ${(m(eager, (s) => s.idle) / m(lazy, (s) => s.idle)).toFixed(1)}× sooner; ` +
        `smoothing settles ${verdict(settle, TARGET_SETTLE_MS)}, ${(median(eager.flatMap((s) => s.settle)) / settle).toFixed(1)}× faster`,
    );
  } finally {
    await browser?.close();
    await w?.stop();
  }
}

// ---- main -------------------------------------------------------------------------------------------

function ms(t: bigint): number {
  return Number(process.hrtime.bigint() - t) / 1e6;
}

interface Prepared {
  project: string;
  db: string;
  runIds: number[];
}

/** Writes the two runs, ingests them, and times the run page's queries in-process (where the server time goes). */
function prepare(dir: string): Prepared {
  const project = path.join(dir, 'project');
  const db = path.join(dir, 'db.sqlite');
  const base: LamaRunSpec = {
    user: 'bench', startedAt: new Date(2026, 9, 1, 8, 0, 0).getTime(), configName: 'lama-fourier', title: '',
    genLr: 0.001, discLr: 0.0001, batchSize: 10, maxEpochs: 80, limitTrainBatches: 25_000, logEveryNSteps: LOG_EVERY,
    tbDir: path.join(project, 'tb_logs'), outRootDir: path.join(project, 'experiments'),
  };
  const specs = [base, { ...base, startedAt: base.startedAt + 86_400_000, genLr: 0.0005, batchSize: 32 }];
  let t = process.hrtime.bigint();
  let bytes = 0;
  specs.forEach((s, i) => (bytes += generate(project, s, 1234 + i).bytes));
  console.log(`generated 2 runs × ${TAGS.length} tags × ${N.toLocaleString()} points (${(bytes / 1e6).toFixed(0)} MB of event files) in ${(ms(t) / 1000).toFixed(1)} s`);

  t = process.hrtime.bigint();
  const h = openDb(db);
  try {
    const summary = ingestPaths(new Store(h), [project]);
    if (summary.points !== 2 * TAGS.length * N) throw new Error(`ingested ${summary.points} points, expected ${2 * TAGS.length * N}`);
    console.log(`ingested ${summary.points.toLocaleString()} points in ${(ms(t) / 1000).toFixed(1)} s (ingestPaths, as lrscope ingest)`);
    const runIds = summary.runs.map((r) => r.id).sort((a, b) => a - b);
    serverTime(h.sqlite, runIds[0]);
    return { project, db, runIds };
  } finally {
    h.close();
  }
}

/** metrics.series as the run page asks for it (one call per chart group), run in-process. */
function serverTime(sqlite: Parameters<typeof querySeries>[0], runId: number): void {
  const perQuery: string[] = [];
  let total = 0;
  for (const g of groupTags(TAGS)) {
    const t = process.hrtime.bigint();
    const out = querySeries(sqlite, { runIds: [runId], tags: g.tags, x: 'step', maxPoints: 2000 });
    const took = ms(t);
    total += took;
    perQuery.push(`${g.id} ${g.tags.length}×: ${took.toFixed(0)} ms (${out.reduce((n, s) => n + s.total, 0).toLocaleString()} rows → ${out.reduce((n, s) => n + s.segments.reduce((m, x) => m + x.x.length, 0), 0).toLocaleString()} points)`);
  }
  console.log(`server: metrics.series for the run page, in-process: ${total.toFixed(0)} ms total — ${perQuery.join('; ')}`);
}

async function measureAll({ project, db, runIds }: Prepared): Promise<void> {
  let w: Awaited<ReturnType<typeof startWatch>> | null = null;
  let browser: Browser | null = null;
  try {
    w = await startWatch([project, '--db', db, '--port', String(await freePort())], { timeoutMs: 120_000 });
    const runs = (await trpcClient(w.url).runs.list.query({})).rows;
    if (runs.length !== 2) throw new Error(`watch lists ${runs.length} runs`);
    browser = await launchBrowser();

    console.log(`\nheadless Chromium, viewport 1400×900, ${REPS} repetitions after one first load (median; TTI = navigation start → every chart drawn, no request in flight, main thread free)`);
    // the run page builds the charts near the viewport (the rest when scrolled to): TTI of what is on screen
    const runPage = ONLY.has('run') ? await series(browser, `run page (/runs/${runIds[0]}, charts on screen)`, `${w.url}/runs/${runIds[0]}`, 1) : [];
    const cmpUrl = `${w.url}/compare?runs=${runIds.join(',')}&tags=${encodeURIComponent(TAGS.join(','))}`;
    const cmpPage = ONLY.has('compare') ? await series(browser, 'compare page (2 runs × 12 charts)', cmpUrl, TAGS.length) : [];
    const cmpDefault = ONLY.has('compare') ? await series(browser, 'compare page (2 runs, its default 3 charts)', `${w.url}/compare?runs=${runIds.join(',')}`, 3) : [];

    let baseOff: Sample[] = [];
    let baseOn: Sample[] = [];
    if (ONLY.has('baseline')) {
      const b = await baselineServer(db, runIds[0]);
      try {
        console.log(`\nbaseline: the same 12 charts of run ${runIds[0]} drawn by chart.js from every stored point (${N.toLocaleString()} per chart, JSON from SQLite)`);
        baseOff = await series(browser, 'all points, chart.js decimation off', `${b.url}/`, TAGS.length);
        baseOn = await series(browser, 'all points, chart.js min-max decimation on', `${b.url}/decimated`, TAGS.length);
      } finally {
        await b.close();
      }
    }

    const tti = (xs: Sample[]) => median(xs.map((s) => s.ready));
    console.log('');
    if (runPage.length) {
      const r = tti(runPage);
      console.log(`run page TTI ${r.toFixed(0)} ms (target < ${TARGET_RUN_MS} ms) ${r < TARGET_RUN_MS ? 'OK' : 'ABOVE TARGET'}`);
      if (baseOff.length) {
        console.log(
          `baseline (every point sent): ${tti(baseOff).toFixed(0)} ms without decimation, ${tti(baseOn).toFixed(0)} ms with chart.js decimation → the run page is ` +
            `${(tti(baseOff) / r).toFixed(1)}× / ${(tti(baseOn) / r).toFixed(1)}× faster`,
        );
      }
    }
    if (cmpPage.length) console.log(`compare page TTI ${tti(cmpPage).toFixed(0)} ms (2 runs × 12 charts), ${tti(cmpDefault).toFixed(0)} ms (its default 3 charts)`);
    console.log('(TensorBoard keeps 1,000 reservoir-sampled points per scalar series by default: its answer to this size is to drop points, spikes included.)');
  } finally {
    await browser?.close();
    await w?.stop();
  }
}

async function main(): Promise<void> {
  const keep = process.env.BENCH_UI_DIR ? path.resolve(process.env.BENCH_UI_DIR) : null;
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-bench-ui-'));
  try {
    if (ONLY.has('many')) await benchMany(dir);
    if (!['run', 'compare', 'baseline'].some((k) => ONLY.has(k))) return;
    let prepared: Prepared;
    if (keep && fs.existsSync(path.join(dir, 'db.sqlite'))) {
      const h = openDb(path.join(dir, 'db.sqlite'));
      const runIds = (h.sqlite.prepare('SELECT id FROM runs ORDER BY id').all() as { id: number }[]).map((r) => r.id);
      console.log(`reusing the runs in ${dir}`);
      serverTime(h.sqlite, runIds[0]);
      h.close();
      prepared = { project: path.join(dir, 'project'), db: path.join(dir, 'db.sqlite'), runIds };
    } else {
      fs.mkdirSync(dir, { recursive: true });
      prepared = prepare(dir);
    }
    await measureAll(prepared);
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
