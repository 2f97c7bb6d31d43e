// npm run bench:scale -- [--runs 1000] [--points 100000000] [--seed 1] [--dir DIR] [--reuse-db]
//                        [--no-ui] [--no-baseline] [--watch-seconds 60] [--series-calls 200]
//
// A lab's whole history: a generated LaMa-shaped tree (scripts/gen-lab.ts: 1,000 runs, 100M points, the
// biggest run 10M) and, each beside its target and, where there is one, a baseline measured in the same run:
//  - cold ingest of the whole tree (a child process doing what `lrscope ingest` does: ingestPaths, timed and
//    its peak RSS taken when it ends, then the diagnosis pass over the new runs, timed apart): points/s
//    beside the raw-insert ceiling (2M of the biggest run's rows, pre-decoded, one prepared INSERT, one
//    transaction, a fresh database: what bench:ingest calls the ceiling), and its peak RSS; the biggest
//    run's event file alone through the decode worker and in-thread (the path before it), and a small
//    file, for the peak RSS's independence of size;
//  - database bytes per stored point;
//  - metrics.series p50/p95 over random requests on the biggest run (measureSeries: full range and zoomed,
//    2,000-point answers, a cold request after every reopen) beside the raw-point path;
//  - runs.list with filters and sorts (measureRunsList, tRPC createCaller) beside the old in-memory list;
//  - `lrscope diagnose` on the biggest run (a child process: wall time, peak RSS) and the diagnosis alone;
//  - idle CPU of `lrscope watch --no-dashboard` over the whole tree for 60 s (/proc/<pid>/stat);
//  - the run page and the compare page of the biggest runs in Chromium: time to first chart.
// --runs / --points scale it down for a quick look. --dir keeps the lab (and the database) there and reuses
// a lab generated with the same parameters; --reuse-db skips the ingest (numbers from the database as is).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { openDb } from '../server/db/open';
import { Store } from '../server/db/store';
import { readTfRecords } from '../server/ingest/tfrecord';
import { decodeTfEvents, newTfEventsState } from '../server/ingest/tfevents';
import { refreshFindings } from '../server/services/diagnosis';
import { ingestPaths } from '../server/ingest/ingest';
import { ensureBuild } from '../server/cli/dashboard';
import { packageRoot } from '../server/paths';
import { generateLab, type Lab, type LabRun } from './gen-lab';
import { measureSeries, type SeriesBench } from './bench-series';
import { measureRunsList, serve, type Timing } from './bench-runs';
import { runNode, cpuMsOf, peakRssMbOf, type ChildRun } from './bench/childProcess';
import { launch, timeToFirstChart, type ChartTiming } from './bench/pageTiming';
import { maxOf } from '../server/lib/reduce';

const ROOT = packageRoot();
const SELF = new URL(import.meta.url).pathname;
const LRSCOPE = path.join(ROOT, 'scripts', 'lrscope.mjs');
const CEILING_ROWS = 2_000_000;

const TARGET = { ingestRatio: 0.5, ingestRssMb: 500, seriesP95: 50, runsP95: 100, diagnoseMs: 2000, watchCpu: 2, pageMs: 1000 };

// ---------------------------------------------------------------------------------------------
// the ceiling, in a child process of its own (its decoded rows are not the ingest's memory)

function childCeiling(eventFile: string, rows: number, dbFile: string): void {
  // read the first records of the file (about 60 bytes each)
  const fd = fs.openSync(eventFile, 'r');
  const want = Math.min(fs.fstatSync(fd).size, rows * 80 + 1024);
  const buf = Buffer.allocUnsafe(want);
  fs.readSync(fd, buf, 0, want, 0);
  fs.closeSync(fd);
  const scalars = decodeTfEvents(readTfRecords(buf, 0).records, newTfEventsState()).scalars.slice(0, rows);
  const h = openDb(dbFile);
  const ids = new Map<string, number>();
  const lastStep = new Map<number, number>();
  const lastDup = new Map<number, number>();
  const seg = new Map<number, number>();
  const prepared = scalars.map((p) => {
    let id = ids.get(p.tag);
    if (id === undefined) ids.set(p.tag, (id = ids.size + 1));
    const prev = lastStep.get(id);
    let dup = 0;
    if (prev !== undefined && p.step < prev) seg.set(id, (seg.get(id) ?? 0) + 1);
    else if (prev === p.step) dup = (lastDup.get(id) ?? 0) + 1;
    lastStep.set(id, p.step);
    lastDup.set(id, dup);
    return [id, seg.get(id) ?? 0, p.step, dup, 1, p.wallTime, Number.isNaN(p.value) ? null : p.value] as const;
  });
  const insert = h.sqlite.prepare('INSERT INTO points (series_id, seg, step, dup, file_id, wall_time, value) VALUES (?,?,?,?,?,?,?)');
  const t = process.hrtime.bigint();
  h.sqlite.transaction(() => {
    for (const r of prepared) insert.run(r[0], r[1], r[2], r[3], r[4], r[5], r[6]);
  })();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  h.close();
  process.stdout.write(JSON.stringify({ rows: prepared.length, ms }) + '\n');
}

/**
 * `lrscope ingest`'s work in a child of its own: ingestPaths (timed, and the peak RSS when it ends), then
 * the diagnosis pass the command runs after it (refreshFindings for every changed run), timed apart.
 */
function childIngest(dbFile: string, paths: string[], diagnose: boolean): void {
  const hwm = () => peakRssMbOf(process.pid) ?? NaN;
  const h = openDb(dbFile);
  const store = new Store(h);
  let t = process.hrtime.bigint();
  const s = ingestPaths(store, paths);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const ingestRssMb = hwm();
  let diagnoseMs = 0;
  if (diagnose) {
    t = process.hrtime.bigint();
    for (const r of s.runs) if (r.changed > 0) refreshFindings(store, r.id);
    diagnoseMs = Number(process.hrtime.bigint() - t) / 1e6;
  }
  h.close();
  process.stdout.write(JSON.stringify({ points: s.points, runs: s.runs.length, errors: s.errors, ms, ingestRssMb, diagnoseMs, rssMb: hwm() }) + '\n');
}

// ---------------------------------------------------------------------------------------------

interface Args {
  runs: number;
  points: number;
  seed: number;
  dir: string | null;
  reuseDb: boolean;
  ui: boolean;
  baseline: boolean;
  watchSeconds: number;
  seriesCalls: number;
}

function args(): Args {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '1000' },
      points: { type: 'string', default: '100000000' },
      seed: { type: 'string', default: '1' },
      dir: { type: 'string' },
      'reuse-db': { type: 'boolean', default: false },
      'no-ui': { type: 'boolean', default: false },
      'no-baseline': { type: 'boolean', default: false },
      'watch-seconds': { type: 'string', default: '60' },
      'series-calls': { type: 'string', default: '200' },
    },
  });
  return {
    runs: Number(values.runs),
    points: Number(values.points),
    seed: Number(values.seed),
    dir: values.dir ? path.resolve(values.dir) : null,
    reuseDb: values['reuse-db'] ?? false,
    ui: !values['no-ui'],
    baseline: !values['no-baseline'],
    watchSeconds: Number(values['watch-seconds']),
    seriesCalls: Number(values['series-calls']),
  };
}

function machine(): string {
  const cpu = os.cpus();
  const sqlite = openDb(':memory:').sqlite.prepare('SELECT sqlite_version() AS v').get() as { v: string };
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}, SQLite ${sqlite.v}`;
}

const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' / ');
const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const s1 = (ms: number) => (ms / 1000).toFixed(1) + ' s';
const ok = (good: boolean) => (good ? 'OK' : 'MISSED');

/** The lab, generated or reused (same parameters: lab.json beside it). */
function labFor(a: Args, dir: string, log: (s: string) => void): Lab {
  const out = path.join(dir, 'lab');
  const manifest = path.join(dir, 'lab.json');
  const params = { runs: a.runs, points: a.points, seed: a.seed };
  if (fs.existsSync(manifest)) {
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { params: typeof params; lab: Lab };
    if (JSON.stringify(m.params) === JSON.stringify(params) && fs.existsSync(out)) {
      log(`reusing the lab in ${out}\n`);
      return m.lab;
    }
    fs.rmSync(out, { recursive: true, force: true });
  }
  log(`generating ${n0(a.runs)} runs, ${n0(a.points)} points into ${out}…\n`);
  const lab = generateLab({ out, runs: a.runs, points: a.points, seed: a.seed, log });
  fs.writeFileSync(manifest, JSON.stringify({ params, lab }));
  return lab;
}

function removeDb(file: string): void {
  for (const s of ['', '-wal', '-shm']) fs.rmSync(file + s, { force: true });
}

interface IngestRun extends ChildRun {
  points: number;
  /** ingestPaths alone */
  ingestMs: number;
  ingestRssMb: number;
  /** the diagnosis pass after it (0 when not asked) */
  diagnoseMs: number;
}

/** A cold ingest in a child process (childIngest): what `lrscope ingest` does, the two phases timed apart. */
async function ingestChild(paths: string[], db: string, policy: 'auto' | 'never', diagnose = false): Promise<IngestRun> {
  removeDb(db);
  const r = await runNode(['--import', 'tsx', SELF, '--child-ingest', db, diagnose ? 'diagnose' : 'no-diagnose', ...paths], { cwd: ROOT, env: { LRSCOPE_INGEST_WORKER: policy } });
  if (r.code !== 0) throw new Error(`ingest child exited ${r.code}:\n${r.err || r.out}`);
  const o = JSON.parse(r.out.trim().split('\n').pop()!) as { points: number; ms: number; ingestRssMb: number; diagnoseMs: number };
  return { ...r, points: o.points, ingestMs: o.ms, ingestRssMb: o.ingestRssMb, diagnoseMs: o.diagnoseMs };
}

function dbBytes(db: string): { file: number; tables: { name: string; bytes: number }[] } {
  const h = openDb(db, { readonly: true });
  try {
    let tables: { name: string; bytes: number }[] = [];
    try {
      tables = h.sqlite.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 6').all() as typeof tables;
    } catch {
      // dbstat not compiled in
    }
    return { file: fs.statSync(db).size, tables };
  } finally {
    h.close();
  }
}

interface WatchIdle {
  cpuPercent: number;
  cpuMs: number;
  seconds: number;
  rssMb: number;
  readyMs: number;
}

/**
 * Idle CPU of `lrscope watch --no-dashboard` over the tree: scripts/bench/watchIdle.ts's measureWatchIdle
 * (the watcher's own measurement) when it is there, else the same from here: /proc/<pid>/stat over the window.
 */
async function watchIdle(paths: string[], db: string, seconds: number): Promise<WatchIdle & { how: string }> {
  const theirs = path.join(ROOT, 'scripts', 'bench', 'watchIdle.ts');
  if (fs.existsSync(theirs)) {
    const mod = (await import(pathToFileURL(theirs).href)) as { measureWatchIdle?: (o: { paths: string[]; db: string; seconds: number }) => Promise<WatchIdle> };
    if (mod.measureWatchIdle) return { ...(await mod.measureWatchIdle({ paths, db, seconds })), how: 'measureWatchIdle (scripts/bench/watchIdle.ts)' };
  }
  const t0 = Date.now();
  const child = spawn(process.execPath, [LRSCOPE, 'watch', ...paths, '--db', db, '--no-dashboard'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => /\d+ runs? in the database/.test(out) && resolve());
      child.once('exit', (code) => reject(new Error(`watch exited (${code}) before it was ready:\n${out}`)));
    });
    const readyMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 3000));
    const a = cpuMsOf(child.pid!)!;
    const start = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const b = cpuMsOf(child.pid!)!;
    const secs = (Date.now() - start) / 1000;
    return { cpuPercent: ((b - a) / 1000 / secs) * 100, cpuMs: b - a, seconds: secs, rssMb: peakRssMbOf(child.pid!) ?? NaN, readyMs, how: '/proc/<pid>/stat of the watch process' };
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function pages(db: string, bigId: number, secondId: number, loads: number): Promise<{ run: ChartTiming[]; compare: ChartTiming[] }> {
  ensureBuild((s) => process.stderr.write(s));
  const server = await serve(ROOT, db);
  const browser = await launch();
  try {
    const run: ChartTiming[] = [];
    const compare: ChartTiming[] = [];
    for (let i = 0; i < loads; i++) run.push(await timeToFirstChart(browser, `${server.url}/runs/${bigId}`));
    for (let i = 0; i < loads; i++) compare.push(await timeToFirstChart(browser, `${server.url}/compare?runs=${bigId},${secondId}`));
    return { run, compare };
  } finally {
    await browser.close();
    server.stop();
  }
}

function seriesLine(label: string, b: SeriesBench): string {
  const cold = b.cold.length ? `, cold (first request after an open) ${b.cold.map((c) => c.toFixed(0)).join('/')} ms` : '';
  return `${label}: p50 ${b.p50.toFixed(1)} ms, p95 ${b.p95.toFixed(1)} ms, max ${b.max.toFixed(1)} ms over ${b.calls} requests${cold}; ~${b.answer} points per answer${b.rows ? `, rows read p95 ${b.rows.p95}` : ''}`;
}

function timingLine(label: string, t: Timing): string {
  return `${label}: p50 ${t.p50.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms, first call ${t.first.toFixed(1)} ms (n=${t.n})`;
}

async function main(): Promise<void> {
  const a = args();
  const log = (s: string) => process.stderr.write(s);
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    console.log(s);
  };
  const tAll = Date.now();
  say(`machine: ${machine()}`);
  say(`load average (1/5/15 min) at start: ${load()} — a shared machine: other work competes for the 2 cores, numbers are noisy`);
  const dir = a.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-bench-scale-'));
  fs.mkdirSync(dir, { recursive: true });
  const db = path.join(dir, 'lab.sqlite');
  try {
    const reused = fs.existsSync(path.join(dir, 'lab.json'));
    const lab = labFor(a, dir, log);
    const files = lab.runs.length * 8;
    say(`lab: ${n0(lab.runs.length)} runs, ${n0(lab.points)} points, ${(lab.eventBytes / 1e9).toFixed(2)} GB of event files, ${n0(files)} files; generated in ${s1(lab.ms)} (scripts/gen-lab.ts)`);
    const byPoints = [...lab.runs].sort((x, y) => y.points - x.points);
    const big: LabRun = byPoints[0];
    const second: LabRun = byPoints[1] ?? big;
    const small: LabRun = byPoints[byPoints.length - 1];

    // -- ingest ------------------------------------------------------------------------------------
    const ceilDb = path.join(dir, 'ceiling.sqlite');
    removeDb(ceilDb);
    const c = await runNode(['--import', 'tsx', SELF, '--child-ceiling', big.eventFile, String(CEILING_ROWS), ceilDb], { cwd: ROOT });
    removeDb(ceilDb);
    if (c.code !== 0) throw new Error(`ceiling child failed:\n${c.err}`);
    const ceiling = JSON.parse(c.out.trim().split('\n').pop()!) as { rows: number; ms: number };
    const ceilingRate = ceiling.rows / (ceiling.ms / 1000);
    if (!a.reuseDb || !fs.existsSync(db)) {
      log('cold ingest of the whole lab (ingestPaths, then the diagnosis pass, as lrscope ingest)…\n');
      const ing = await ingestChild([lab.out], db, 'auto', true);
      if (ing.points !== lab.points) throw new Error(`ingest stored ${ing.points} points, the lab holds ${lab.points}`);
      const rate = ing.points / (ing.ingestMs / 1000);
      say(
        `cold ingest, whole lab (ingestPaths in a child process, as lrscope ingest): ${s1(ing.ingestMs)} = ${n0(rate)} points/s = ${(rate / ceilingRate).toFixed(2)} × the raw-insert ceiling ` +
          `${n0(ceilingRate)} rows/s (${n0(ceiling.rows)} pre-decoded rows of the biggest run, one prepared INSERT, one transaction, measured just before; target ≥ ${TARGET.ingestRatio}) ${ok(rate / ceilingRate >= TARGET.ingestRatio)}; ` +
          `peak RSS ${n0(ing.ingestRssMb)} MB (target ≤ ${TARGET.ingestRssMb}) ${ok(ing.ingestRssMb <= TARGET.ingestRssMb)}`,
      );
      say(
        `  then lrscope ingest's diagnosis pass over the ${n0(lab.runs.length)} new runs: ${s1(ing.diagnoseMs)}; the whole command's work ${s1(ing.ingestMs + ing.diagnoseMs)}, ` +
          `peak RSS ${n0(ing.peakRssMb)} MB, CPU ${s1(ing.cpuMs)} (all threads)`,
      );
    } else say(`ingest: skipped (--reuse-db: ${db} as it is)`);
    if (a.baseline) {
      const tmpDb = path.join(dir, 'one-run.sqlite');
      const bigDir = path.dirname(big.eventFile);
      const mb = (f: string) => (fs.statSync(f).size / 1e6).toFixed(0);
      const w = await ingestChild([bigDir], tmpDb, 'auto');
      const t = await ingestChild([bigDir], tmpDb, 'never');
      const s = await ingestChild([path.dirname(small.eventFile)], tmpDb, 'auto');
      removeDb(tmpDb);
      const pr = (x: IngestRun) => `${s1(x.ingestMs)} = ${n0(x.points / (x.ingestMs / 1000))} points/s = ${(x.points / (x.ingestMs / 1000) / ceilingRate).toFixed(2)} × ceiling, peak RSS ${n0(x.ingestRssMb)} MB`;
      say(
        `  the biggest run's event file alone (${n0(big.points)} points, ${mb(big.eventFile)} MB): decode worker ${pr(w)}; ` +
          `in-thread (LRSCOPE_INGEST_WORKER=never: the path before the worker) ${pr(t)}`,
      );
      say(`  peak RSS against file size: ${n0(small.points)} points (${mb(small.eventFile)} MB) ${n0(s.ingestRssMb)} MB; ${n0(big.points)} points (${mb(big.eventFile)} MB) ${n0(w.ingestRssMb)} MB`);
    }

    const h = openDb(db);
    const idOf = (r: LabRun) => (h.sqlite.prepare('SELECT id FROM runs WHERE name = ?').get(r.name) as { id: number }).id;
    const bigId = idOf(big);
    const secondId = idOf(second);
    const stored = (h.sqlite.prepare('SELECT COALESCE(SUM(n_points), 0) AS n FROM series').get() as { n: number }).n;
    h.close();

    // -- database size -------------------------------------------------------------------------------
    const bytes = dbBytes(db);
    say(
      `database: ${(bytes.file / 1e9).toFixed(2)} GB for ${n0(stored)} points = ${(bytes.file / stored).toFixed(1)} bytes per stored point` +
        (bytes.tables.length ? ` (${bytes.tables.map((t) => `${t.name} ${(t.bytes / stored).toFixed(1)}`).join(', ')} bytes/point)` : ''),
    );

    // -- metrics.series ------------------------------------------------------------------------------
    const series = measureSeries(db, bigId, 'train_gen_l1', { calls: a.seriesCalls, reopenEvery: 20 });
    say(seriesLine(`metrics.series, biggest run's train_gen_l1 (summaries; target p95 ≤ ${TARGET.seriesP95} ms) ${ok(series.p95 <= TARGET.seriesP95)}`, series));
    if (a.baseline) say('  ' + seriesLine('raw-point path (before the summaries), same kind of requests', measureSeries(db, bigId, 'train_gen_l1', { calls: 10, reopenEvery: 5, raw: true })));

    // -- runs.list -----------------------------------------------------------------------------------
    const hl = openDb(db, { readonly: true });
    const { list, legacyList } = await measureRunsList(hl, { iterations: 200, legacyIterations: a.baseline ? 30 : 1 });
    hl.close();
    say(timingLine(`runs.list, filters and sorts, pages of 100 (tRPC createCaller; target p95 ≤ ${TARGET.runsP95} ms) ${ok(list.p95 <= TARGET.runsP95)}`, list));
    if (a.baseline) say('  ' + timingLine('old in-memory list, same queries', legacyList));

    // -- diagnose ------------------------------------------------------------------------------------
    const d = await runNode([LRSCOPE, 'diagnose', String(bigId), '--db', db, '--json']);
    if (d.code !== 0) throw new Error(`lrscope diagnose exited ${d.code}:\n${d.err}`);
    const findings = (JSON.parse(d.out) as { runs: { findings: unknown[] }[] }).runs[0].findings.length;
    const hd = openDb(db);
    const td = process.hrtime.bigint();
    refreshFindings(new Store(hd), bigId);
    const inProcess = Number(process.hrtime.bigint() - td) / 1e6;
    hd.close();
    say(
      `lrscope diagnose, biggest run (${n0(big.points)} points, ${findings} findings): ${s1(d.ms)} wall for the command (process start included; target ≤ ${TARGET.diagnoseMs / 1000} s) ${ok(d.ms <= TARGET.diagnoseMs)}, ` +
        `peak RSS ${n0(d.peakRssMb)} MB; the diagnosis itself (load + detect + store, in-process) ${inProcess.toFixed(0)} ms`,
    );

    // -- watch idle ----------------------------------------------------------------------------------
    if (a.watchSeconds > 0) {
      const w = await watchIdle([lab.out], db, a.watchSeconds);
      say(
        `watch idle over the whole tree (${n0(files)} files): ${w.cpuPercent.toFixed(2)}% of a core over ${w.seconds.toFixed(0)} s (${n0(w.cpuMs)} ms CPU; target < ${TARGET.watchCpu}%) ${ok(w.cpuPercent < TARGET.watchCpu)}; ` +
          `ready after ${s1(w.readyMs)}, RSS ${n0(w.rssMb)} MB (${w.how})`,
      );
    }

    // -- pages ---------------------------------------------------------------------------------------
    if (a.ui) {
      const p = await pages(db, bigId, secondId, 6);
      const line = (label: string, xs: ChartTiming[]) => {
        const rest = xs.slice(1).map((x) => x.first);
        const m = median(rest);
        const all = xs.slice(1).map((x) => x.all).filter((x): x is number => x !== null);
        return `${label}: time to first chart median ${m.toFixed(0)} ms (first load ${xs[0].first.toFixed(0)} ms, max ${maxOf(rest).toFixed(0)} ms, n=${rest.length}; target ≤ ${TARGET.pageMs} ms) ${ok(m <= TARGET.pageMs)}; all ${xs[0].charts} charts drawn median ${all.length ? median(all).toFixed(0) + ' ms' : 'n/a'}`;
      };
      say(line(`run page, biggest run (/runs/${bigId}, Chromium)`, p.run));
      say(line(`compare page, two biggest runs (/compare?runs=${bigId},${secondId})`, p.compare));
    }
    say(`load average at end: ${load()}; bench:scale took ${s1(Date.now() - tAll)} in all (${reused ? 'the lab reused from --dir' : 'lab generation included'})`);
    fs.writeFileSync(path.join(dir, 'bench-scale.txt'), lines.join('\n') + '\n');
  } finally {
    if (!a.dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

const i = process.argv.indexOf('--child-ceiling');
const j = process.argv.indexOf('--child-ingest');
if (i >= 0) childCeiling(process.argv[i + 1], Number(process.argv[i + 2]), process.argv[i + 3]);
else if (j >= 0) childIngest(process.argv[j + 1], process.argv.slice(j + 3), process.argv[j + 2] === 'diagnose');
else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
