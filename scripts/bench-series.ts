// npm run bench:series — metrics.series latency on one 10M-point series: p50 / p95 of 200 random requests
// (full range and zoomed, maxPoints 2,000; step and wall-time axes), cold requests (the first after opening
// the database) included, from the summaries (series_summary) and, in the same run, from the raw points
// (the path before the summaries, `querySeries(…, { raw: true })`; fewer requests, it is slow).
//
// BENCH_SERIES_POINTS (default 10,000,000), BENCH_SERIES_CALLS (200), BENCH_SERIES_RAW_CALLS (10; 0 skips
// the raw path), BENCH_SERIES_DB=<file> keeps the generated database there and reuses it next time.
// measureSeries() is exported for bench:scale.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb, type DbHandle } from '../server/db/open';
import { Store } from '../server/db/store';
import { querySeries, type XAxis } from '../server/db/series';
import { newReadStats } from '../server/db/pyramidRead';
import type { ScalarRecord } from '../server/ingest/types';
import { rng } from '../server/lib/rng';

const TAG = 'train/loss';

export interface SeriesBench {
  calls: number;
  p50: number;
  p95: number;
  max: number;
  /** latency of the first request after each open */
  cold: number[];
  /** rows read per request (summaries and points), p50 / p95; null for the raw path */
  rows: { p50: number; p95: number } | null;
  /** points returned per request, p50 */
  answer: number;
}

export interface SeriesBenchOptions {
  /** requests in all */
  calls: number;
  /** a fresh connection every this many requests (its first request is a cold one) */
  reopenEvery?: number;
  maxPoints?: number;
  /** read the raw points (the path before the summaries) */
  raw?: boolean;
  seed?: number;
}


function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Times `calls` random metrics.series requests for one series of `dbFile` (read-only connections, reopened
 * every `reopenEvery` requests): half full range, half zoomed to a width between 4·maxPoints points and the
 * whole run (log-uniform); one in four on the wall-time axis.
 */
export function measureSeries(dbFile: string, runId: number, tag: string, o: SeriesBenchOptions): SeriesBench {
  const maxPoints = o.maxPoints ?? 2000;
  const reopenEvery = o.reopenEvery ?? 20;
  const r = rng(o.seed ?? 1);
  const times: number[] = [];
  const rows: number[] = [];
  const answers: number[] = [];
  const cold: number[] = [];
  let h: DbHandle | null = null;
  let span: { step: [number, number]; wall: [number, number]; n: number } | null = null;
  try {
    for (let i = 0; i < o.calls; i++) {
      if (i % reopenEvery === 0) {
        h?.close();
        h = openDb(dbFile, { readonly: true });
      }
      const db = h!;
      span ??= seriesSpan(db, runId, tag);
      const x: XAxis = r() < 0.25 ? 'wall' : 'step';
      const [lo, hi] = x === 'wall' ? [span.wall[0] * 1000, span.wall[1] * 1000] : span.step;
      let range: { min: number; max: number } | undefined;
      if (r() >= 0.5) {
        const minShare = Math.min(1, (4 * maxPoints) / span.n);
        const width = (hi - lo) * minShare ** r();
        const min = lo + r() * (hi - lo - width);
        range = { min, max: min + width };
      }
      const stats = newReadStats();
      const t = process.hrtime.bigint();
      const out = querySeries(db.sqlite, { runIds: [runId], tags: [tag], x, range, maxPoints }, { raw: o.raw, stats });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      times.push(ms);
      if (i % reopenEvery === 0) cold.push(ms);
      rows.push(stats.rows);
      answers.push(out.reduce((a, s) => a + s.segments.reduce((b, g) => b + g.x.length, 0), 0));
    }
  } finally {
    h?.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const rowsSorted = [...rows].sort((a, b) => a - b);
  return {
    calls: times.length,
    p50: pct(sorted, 50),
    p95: pct(sorted, 95),
    max: sorted[sorted.length - 1],
    cold,
    rows: o.raw ? null : { p50: pct(rowsSorted, 50), p95: pct(rowsSorted, 95) },
    answer: pct([...answers].sort((a, b) => a - b), 50),
  };
}

function seriesSpan(h: DbHandle, runId: number, tag: string): { step: [number, number]; wall: [number, number]; n: number } {
  const s = h.sqlite
    .prepare('SELECT first_step AS f, last_step AS l, last_wall_time AS w, n_points AS n, id FROM series WHERE run_id = ? AND tag = ?')
    .get(runId, tag) as { f: number; l: number; w: number; n: number; id: number };
  const w0 = (h.sqlite.prepare('SELECT wall_time AS w FROM points WHERE series_id = ? ORDER BY seg, step, dup LIMIT 1').get(s.id) as { w: number }).w;
  return { step: [s.f, s.l], wall: [w0, s.w], n: s.n };
}

/** One run with one series of n points written through the store (summaries included), a restart at 80%. */
export function generateSeries(dbFile: string, n: number): { runId: number; ms: number } {
  const h = openDb(dbFile);
  try {
    const store = new Store(h);
    const runId = store.upsertRun({ key: 'path:/bench/series', name: 'bench-series', path: '/bench/series', kind: 'tensorboard' });
    const file = store.ensureFile(runId, '/bench/series/events', 'tfevents', '');
    const t = process.hrtime.bigint();
    const r = rng(7);
    const CHUNK = 250_000;
    const t0 = 1_795_000_000;
    for (let i = 0; i < n; i += CHUNK) {
      const scalars: ScalarRecord[] = [];
      for (let j = i; j < Math.min(n, i + CHUNK); j++) {
        const step = j < 0.8 * n ? j : j - Math.floor(0.1 * n); // resumed from an earlier checkpoint
        const u = r();
        const value = u < 1e-5 ? NaN : u < 2e-5 ? 50 * r() : Math.exp(-step / (0.3 * n)) + 0.05 * r();
        scalars.push({ tag: TAG, step, wallTime: t0 + j * 0.05, value });
      }
      const identity = { size: i + 1, inode: 1, mtimeMs: 1, head: '', tail: '' };
      store.commitChunk({ file, offset: i + scalars.length, identity, state: null, scalars });
    }
    return { runId, ms: Number(process.hrtime.bigint() - t) / 1e6 };
  } finally {
    h.close();
  }
}

function tableBytes(dbFile: string): string {
  const h = openDb(dbFile, { readonly: true });
  try {
    const rows = h.sqlite
      .prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat WHERE name IN ('points', 'series_summary', 'points_nonfinite') GROUP BY name")
      .all() as { name: string; bytes: number }[];
    return rows.map((r) => `${r.name} ${(r.bytes / 1e6).toFixed(0)} MB`).join(', ');
  } catch {
    return '(dbstat not available)';
  } finally {
    h.close();
  }
}

function line(label: string, b: SeriesBench): string {
  const f = (x: number) => x.toFixed(1).padStart(7);
  const cold = b.cold.length ? `cold ${b.cold.map((c) => c.toFixed(0)).join('/')} ms` : '';
  const rows = b.rows ? `  rows read p50 ${b.rows.p50}, p95 ${b.rows.p95}` : '';
  return `${label.padEnd(26)} ${String(b.calls).padStart(4)} calls  p50 ${f(b.p50)} ms  p95 ${f(b.p95)} ms  max ${f(b.max)} ms  ${cold}  (answer ~${b.answer} points${rows ? ';' : ')'}${rows}${rows ? ')' : ''}`;
}

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_SERIES_POINTS ?? 10_000_000);
  const calls = Number(process.env.BENCH_SERIES_CALLS ?? 200);
  const rawCalls = Number(process.env.BENCH_SERIES_RAW_CALLS ?? 10);
  const keep = process.env.BENCH_SERIES_DB;
  const dir = keep ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-bench-series-'));
  const dbFile = keep ?? path.join(dir!, 'db.sqlite');
  try {
    let runId: number;
    const existing = fs.existsSync(dbFile) ? openDb(dbFile, { readonly: true }) : null;
    const found = existing?.sqlite.prepare('SELECT run_id AS r, n_points AS n FROM series WHERE tag = ?').get(TAG) as { r: number; n: number } | undefined;
    existing?.close();
    if (found && found.n === n) {
      runId = found.r;
      console.log(`reusing ${dbFile}: ${n.toLocaleString()} points`);
    } else {
      if (keep) for (const s of ['', '-wal', '-shm']) fs.rmSync(dbFile + s, { force: true });
      const g = generateSeries(dbFile, n);
      runId = g.runId;
      console.log(`stored ${n.toLocaleString()} points through the store in ${(g.ms / 1000).toFixed(1)} s (${Math.round(n / (g.ms / 1000)).toLocaleString()} points/s)`);
    }
    console.log(`database: ${(fs.statSync(dbFile).size / 1e6).toFixed(0)} MB (${tableBytes(dbFile)})`);
    const pyr = measureSeries(dbFile, runId, TAG, { calls, reopenEvery: 20 });
    console.log(line('summaries', pyr));
    if (rawCalls > 0) console.log(line('raw points (old path)', measureSeries(dbFile, runId, TAG, { calls: rawCalls, reopenEvery: 5, raw: true })));
    console.log(`target p95 ≤ 50 ms: ${pyr.p95 <= 50 ? 'OK' : 'MISSED'}`);
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) await main();
