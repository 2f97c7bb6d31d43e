// npm run bench:runs — the runs table at a lab's scale (1,000 runs), beside the in-memory path it replaced,
// both measured in the same run on the same database:
// - runs.list (through the tRPC procedure, createCaller) over a mix of sorts, filters and pages: p50 / p95,
//   and the first call; the old path is scripts/bench/legacyRunsList.ts (every run summarised in
//   JavaScript on each call, then filtered, sorted and paged in memory);
// - the runs page in Chromium: time from navigation to the first row shown. The old page is the dashboard
//   as it was at BASELINE (git archive + next build in a temp folder, served on the same database).
// `benchRuns()` returns the numbers (bench:scale folds them in); run directly it prints them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { openDb, type DbHandle } from '../server/db/open';
import { appRouter } from '../server/api/root';
import { ensureBuild } from '../server/cli/dashboard';
import type { RunStatus } from '../server/db/schema';
import { writeSyntheticRuns } from './bench/syntheticRuns';
import { legacyRunsList, type LegacySort } from './bench/legacyRunsList';

/** The last commit before run_summaries: its runs list and runs page are the baseline. */
export const BASELINE = '3597444';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const CHROMIUM = process.env.LRSCOPE_CHROMIUM ?? '/usr/bin/chromium';

export interface Timing {
  n: number;
  p50: number;
  p95: number;
  first: number;
}

export interface RunsBench {
  runs: number;
  writeMs: number;
  list: Timing;
  legacyList: Timing;
  page: Timing | null;
  legacyPage: Timing | null;
  notes: string[];
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

function timing(xs: number[], first: number): Timing {
  return { n: xs.length, p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), first };
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => ((a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 4294967296);
}

// the sorts both paths know (the old one had no kind / duration / findings sort)
const SORTS: LegacySort[] = ['name', 'status', 'configName', 'startedAt', 'updatedAt', 'lastStep', 'genLr', 'discLr', 'batchSize', 'points', 'meanGpuUtil', 'keyMetric', 'epoch'];
const TEXT = ['alice', 'fourier', 'lab/', '2026-0', 'version_1', 'big'];
const STATUS_SETS: RunStatus[][] = [['running'], ['running', 'stalled'], ['finished', 'failed', 'interrupted']];

interface ListInput {
  q?: string;
  status?: RunStatus[];
  sort: { by: LegacySort; dir: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

/** A page of the table as the UI asks for it: a sort, often a filter, one of the first pages. */
function queries(count: number, seed: number): ListInput[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => {
    const f = r();
    return {
      q: f < 0.35 ? TEXT[Math.floor(r() * TEXT.length)] : undefined,
      status: f >= 0.35 && f < 0.7 ? STATUS_SETS[Math.floor(r() * STATUS_SETS.length)] : undefined,
      sort: { by: SORTS[Math.floor(r() * SORTS.length)], dir: r() < 0.5 ? 'asc' : 'desc' },
      limit: 100,
      offset: 100 * Math.floor(r() * 4),
    };
  });
}

function timeEach<T>(inputs: T[], call: (x: T) => unknown): number[] {
  return inputs.map((x) => {
    const t = process.hrtime.bigint();
    call(x);
    return Number(process.hrtime.bigint() - t) / 1e6;
  });
}

/** runs.list (tRPC procedure) and the old in-memory list on the same queries, first call included. */
export async function measureRunsList(h: DbHandle, opts: { iterations?: number; legacyIterations?: number } = {}): Promise<{ list: Timing; legacyList: Timing }> {
  const api = appRouter.createCaller({ db: h });
  const qs = queries(opts.iterations ?? 200, 11);
  const legacyQs = qs.slice(0, opts.legacyIterations ?? 30);
  // first calls (nothing prepared, nothing cached in this process) before any warm-up
  let t = process.hrtime.bigint();
  await api.runs.list(qs[0]);
  const first = Number(process.hrtime.bigint() - t) / 1e6;
  t = process.hrtime.bigint();
  legacyRunsList(h.sqlite, legacyQs[0]);
  const legacyFirst = Number(process.hrtime.bigint() - t) / 1e6;
  const times: number[] = [];
  for (const q of qs) {
    const t0 = process.hrtime.bigint();
    await api.runs.list(q);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const legacy = timeEach(legacyQs, (q) => legacyRunsList(h.sqlite, q));
  return { list: timing(times, first), legacyList: timing(legacy, legacyFirst) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The dashboard of the tree at `root` (built) on `db`, as `lrscope watch` starts it (scripts/serve.mjs). */
export async function serve(root: string, db: string): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child: ChildProcess = fork(path.join(root, 'scripts/serve.mjs'), [], {
    cwd: root,
    env: { ...process.env, LRSCOPE_ROOT: root, LRSCOPE_DB: db, LRSCOPE_PORT: String(port), LRSCOPE_HOST: '127.0.0.1', NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`dashboard in ${root} did not start:\n${err}`)), 60_000);
    child.on('message', (m: { type?: string; message?: string }) => {
      clearTimeout(t);
      if (m.type === 'ready') resolve();
      else reject(new Error(`dashboard in ${root}: ${m.message ?? JSON.stringify(m)}`));
    });
    child.once('exit', (code) => reject(new Error(`dashboard in ${root} exited with ${code}:\n${err}`)));
  });
  await new Promise((r) => setTimeout(r, 1500)); // let serve.mjs finish its own warm-up requests
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

/** Time from navigation to the first runs-table row shown, over `loads` fresh page loads. */
async function timeToRows(url: string, loads: number): Promise<Timing> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const times: number[] = [];
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const t = Date.now();
      await page.goto(url + '/');
      await page.locator('table[data-testid="runs"] tbody tr[data-run-id]').first().waitFor({ timeout: 60_000 });
      times.push(Date.now() - t);
      await context.close();
    }
    return timing(times.slice(1), times[0]);
  } finally {
    await browser.close();
  }
}

/** The baseline tree, built once per commit in the temp folder (kept between runs: the build is the slow part). */
function baselineTree(log: (s: string) => void): string {
  const dir = path.join(os.tmpdir(), `lrscope-bench-baseline-${BASELINE}`);
  if (fs.existsSync(path.join(dir, '.next', 'BUILD_ID'))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['archive', BASELINE], { cwd: ROOT, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  // Turbopack does not follow a node_modules symlink out of the project: hard-link a copy (same disk, quick)
  execFileSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules')]);
  log(`building the baseline dashboard (${BASELINE}) in ${dir}…\n`);
  execFileSync(process.execPath, [path.join(dir, 'node_modules/next/dist/bin/next'), 'build'], { cwd: dir, stdio: 'ignore', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  return dir;
}

export async function benchRuns(opts: { runs?: number; iterations?: number; legacyIterations?: number; pageLoads?: number; page?: boolean; log?: (s: string) => void } = {}): Promise<RunsBench> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s));
  const runs = opts.runs ?? 1000;
  const notes: string[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-bench-runs-'));
  try {
    const dbFile = path.join(tmp, 'db.sqlite');
    let h = openDb(dbFile);
    let t = Date.now();
    // LaMa-shaped: ~80 tags per run, a GPU log of 1,000 samples on most runs
    writeSyntheticRuns(h, { runs, seed: 5, points: 60, extraTags: 80, gpuSamples: 1000 });
    const writeMs = Date.now() - t;
    h.close();
    h = openDb(dbFile); // a fresh connection: no statement prepared, nothing cached
    const { list, legacyList } = await measureRunsList(h, opts);
    h.close();
    let page: Timing | null = null;
    let legacyPage: Timing | null = null;
    if (opts.page !== false) {
      const loads = opts.pageLoads ?? 6;
      ensureBuild(log);
      const cur = await serve(ROOT, dbFile);
      try {
        page = await timeToRows(cur.url, loads);
      } finally {
        cur.stop();
      }
      try {
        const old = await serve(baselineTree(log), dbFile);
        try {
          legacyPage = await timeToRows(old.url, loads);
        } finally {
          old.stop();
        }
      } catch (err) {
        notes.push(`baseline page not measured: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    return { runs, writeMs, list, legacyList, page, legacyPage, notes };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatRunsBench(b: RunsBench): string {
  const f = (x: number) => x.toFixed(x < 10 ? 2 : 0).padStart(7);
  const row = (label: string, x: Timing | null, extra = '') =>
    x ? `${label.padEnd(34)} p50 ${f(x.p50)} ms   p95 ${f(x.p95)} ms   first ${f(x.first)} ms   (n=${x.n})${extra}` : `${label.padEnd(34)} not measured`;
  const lines = [
    `${b.runs} runs written through the Store in ${b.writeMs} ms`,
    row('runs.list (SQL summary columns)', b.list, `   target p95 ≤ 100 ms ${b.list.p95 <= 100 ? 'OK' : 'ABOVE TARGET'}`),
    row('old in-memory list (same queries)', b.legacyList),
    `${''.padEnd(34)} p95 speed-up ×${(b.legacyList.p95 / b.list.p95).toFixed(0)}`,
    row('runs page, time to rows (Chromium)', b.page, '   (first = the first load)'),
    row(`old runs page (${BASELINE}, ≤ 500 rows)`, b.legacyPage),
    ...b.notes,
  ];
  return lines.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const noPage = process.argv.includes('--no-page');
  const b = await benchRuns({ page: !noPage });
  process.stdout.write(formatRunsBench(b));
}
