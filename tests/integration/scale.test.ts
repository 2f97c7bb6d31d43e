// bench:scale's checks, small and for correctness only (no timings): a lab from scripts/gen-lab.ts (real
// event files, configs, train.log, nvidia-smi log), ingested through the decode worker and in-thread (the
// same database either way); metrics.series from the summaries equal to the raw-data answer on random full
// and zoomed requests; runs.list filtered and sorted; `lrscope diagnose` on the biggest run; and a run whose
// one series holds 1M points through all of it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { openDb } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { ingestPaths } from '../../server/ingest/ingest';
import { readTfRecords } from '../../server/ingest/tfrecord';
import { decodeTfEvents, newTfEventsState } from '../../server/ingest/tfevents';
import { encodeFileVersionEvent, encodeScalarEvent, eventRecord } from '../../server/ingest/tfeventsWriter';
import { decodeStats, stopDecodeWorker } from '../../server/ingest/chunkSource';
import { querySeries, type XAxis } from '../../server/db/series';
import { newReadStats } from '../../server/db/pyramidRead';
import { appRouter } from '../../server/api/root';
import { generateLab, runSizes, type Lab } from '../../scripts/gen-lab';
import { dump } from '../helpers/dbDump';
import { rawPoints, reference } from '../helpers/seriesReference';
import { cli } from '../helpers/cli';
import { testDbUrl } from '../helpers/testDb';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => ((a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 4294967296);
}

function ingest(dbFile: string, dir: string, policy: 'always' | 'never' | 'auto'): number {
  process.env.LRSCOPE_INGEST_WORKER = policy;
  const h = openDb(dbFile);
  try {
    return ingestPaths(new Store(h), [dir]).points;
  } finally {
    h.close();
  }
}

/** Random metrics.series requests (full range and zoomed, step and wall axes) against the raw-data answer. */
function checkSeries(dbFile: string, runId: number, tag: string, calls: number, seed: number): number {
  const h = openDb(dbFile, { readonly: true });
  try {
    const pts = rawPoints(h, runId, tag);
    const r = rng(seed);
    const lo = pts.reduce((m, p) => (p.step < m ? p.step : m), pts[0].step);
    const hi = pts.reduce((m, p) => (p.step > m ? p.step : m), lo);
    let checked = 0;
    for (let i = 0; i < calls; i++) {
      const x: XAxis = i % 4 === 3 ? 'wall' : 'step';
      const maxPoints = [2000, 500, 20_000][i % 3];
      let range: { min: number; max: number } | undefined;
      if (i % 2 === 1) {
        const [a, b] = x === 'wall' ? [pts[0].wall! * 1000, pts[pts.length - 1].wall! * 1000] : [lo, hi];
        const width = (b - a) * 10 ** (-3 * r());
        const min = a + r() * (b - a - width);
        range = { min, max: min + width };
      }
      const q = { runIds: [runId], tags: [tag], x, range, maxPoints };
      const stats = newReadStats();
      const [got] = querySeries(h.sqlite, q, { stats });
      const chunks = new Map(stats.plans.map((p) => [p.seg, p.chunk]));
      const xOf = x === 'wall' ? (_s: number, w: number | null) => (w === null ? null : w * 1000) : (s: number) => s;
      const want = reference(pts, xOf, q, (seg) => chunks.get(seg)!);
      expect({ segments: got.segments, nonFinite: got.nonFinite, total: got.total }, `${x} ${JSON.stringify(range)} ${maxPoints}`).toEqual(want);
      checked++;
    }
    return checked;
  } finally {
    h.close();
  }
}

describe('a generated lab, small (bench:scale for correctness)', () => {
  let tmp: string;
  let lab: Lab;
  let one: Lab;
  const before = process.env.LRSCOPE_INGEST_WORKER;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-scale-'));
    lab = generateLab({ out: path.join(tmp, 'lab'), runs: 8, points: 600_000, biggest: 240_000, long: 2, seed: 3 });
    // one run, one training tag: a 1M-point series (the validation tags come on top)
    one = generateLab({ out: path.join(tmp, 'one'), runs: 1, points: 1_000_400, long: 1, trainTags: 1, seed: 4 });
  });

  afterEach(() => {
    if (before === undefined) delete process.env.LRSCOPE_INGEST_WORKER;
    else process.env.LRSCOPE_INGEST_WORKER = before;
  });

  afterAll(async () => {
    await stopDecodeWorker();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('gen-lab: the sizes asked for, long runs first, the bytes tfeventsWriter writes, the same lab for the same seed', () => {
    expect(lab.runs).toHaveLength(8);
    expect(lab.points).toBe(600_000);
    expect(lab.runs[0].points).toBe(240_000);
    expect(lab.runs[1].points).toBe(120_000);
    expect(Math.max(...lab.runs.slice(2).map((r) => r.points))).toBeLessThanOrEqual(80_000);
    expect(lab.runs[0].resumedAt).not.toBeNull();
    const sizes = runSizes({ runs: 1000, points: 100_000_000 });
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100_000_000);
    expect(sizes[0]).toBe(10_000_000);
    expect(Math.max(...sizes.slice(5))).toBeLessThan(sizes[4]);
    for (const run of [lab.runs[0], lab.runs[7]]) {
      const bytes = fs.readFileSync(run.eventFile);
      const framed = readTfRecords(bytes, 0);
      expect(framed.issues).toEqual([]);
      expect(framed.nextOffset).toBe(bytes.length);
      const decoded = decodeTfEvents(framed.records, newTfEventsState());
      expect(decoded.scalars).toHaveLength(run.points);
      const again = Buffer.concat([
        eventRecord(encodeFileVersionEvent(decoded.minWallTime!)), // the first Event: the file's start time
        ...decoded.scalars.map((s) => eventRecord(encodeScalarEvent({ tag: s.tag, step: s.step, wallTime: s.wallTime!, value: s.value }))),
      ]);
      expect(again.equals(bytes)).toBe(true);
    }
    const twin = generateLab({ out: path.join(tmp, 'twin'), runs: 8, points: 600_000, biggest: 240_000, long: 2, seed: 3 });
    expect(twin.runs.map((r) => r.name)).toEqual(lab.runs.map((r) => r.name));
    for (let i = 0; i < lab.runs.length; i++) {
      expect(fs.readFileSync(twin.runs[i].eventFile).equals(fs.readFileSync(lab.runs[i].eventFile))).toBe(true);
      expect(fs.readFileSync(path.join(twin.runs[i].runDir, 'train.log'), 'utf8')).toBe(fs.readFileSync(path.join(lab.runs[i].runDir, 'train.log'), 'utf8'));
    }
  });

  let workerDb = '';
  it('ingest through the decode worker equals the in-thread result; summaries answer like the raw points', () => {
    const thread = testDbUrl(tmp, 'thread');
    const worker = (workerDb = testDbUrl(tmp, 'worker'));
    expect(ingest(thread, lab.out, 'never')).toBe(lab.points);
    const w0 = decodeStats.worker;
    expect(ingest(worker, lab.out, 'always')).toBe(lab.points);
    expect(decodeStats.worker - w0).toBeGreaterThanOrEqual(lab.runs.length);
    const a = dump(thread);
    const b = dump(worker);
    for (const k of Object.keys(a)) expect(b[k], k).toEqual(a[k]);
    const h = openDb(worker, { readonly: true });
    const biggest = (h.sqlite.prepare('SELECT id FROM runs WHERE name = ?').get(lab.runs[0].name) as { id: number }).id;
    const statuses = h.sqlite.prepare('SELECT DISTINCT status FROM runs').pluck().all();
    h.close();
    expect(statuses).toEqual(['finished']);
    expect(checkSeries(worker, biggest, 'train_gen_l1', 40, 1)).toBe(40);
    expect(checkSeries(worker, biggest, 'val_ssim_total_mean', 6, 2)).toBe(6);
  });

  it('runs.list with filters and sorts; lrscope diagnose on the biggest run', async () => {
    const db = workerDb; // the previous test's database
    const h = openDb(db);
    try {
      const api = appRouter.createCaller({ db: h });
      const all = await api.runs.list({ sort: { by: 'points', dir: 'desc' }, limit: 100, offset: 0 });
      expect(all.rows.map((r) => r.points)).toEqual([...lab.runs].map((r) => r.points).sort((x, y) => y - x));
      const config = lab.runs[3].spec.configName;
      const mine = await api.runs.list({ q: config, status: ['finished'], sort: { by: 'name', dir: 'asc' }, limit: 100, offset: 0 });
      const want = lab.runs.filter((r) => r.name.includes(config)).map((r) => r.name).sort();
      expect(want.length).toBeGreaterThan(0);
      expect(mine.rows.map((r) => r.name)).toEqual(want);
    } finally {
      h.close();
    }
    const r = await cli('diagnose', lab.runs[0].name, '--db', db, '--json');
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { runs: { name: string }[] }).runs[0].name).toBe(lab.runs[0].name);
  });

  it('a 1M-point series: ingest (worker), metrics.series, runs.list and diagnose, no crash', async () => {
    const db = testDbUrl(tmp, 'one');
    expect(ingest(db, one.out, 'auto')).toBe(one.points);
    const h = openDb(db);
    try {
      const n = h.sqlite.prepare("SELECT n_points FROM series WHERE tag = 'train_gen_l1'").pluck().get() as number;
      expect(n).toBeGreaterThanOrEqual(1_000_000);
      const runId = h.sqlite.prepare('SELECT id FROM runs').pluck().get() as number;
      const api = appRouter.createCaller({ db: h });
      const full = (await api.metrics.series({ runIds: [runId], tags: ['train_gen_l1'], maxPoints: 2000 })).series[0];
      expect(full.total).toBe(n);
      expect(full.segments.map((s) => s.seg)).toEqual([0, 1]); // resumed once
      expect((await api.runs.list({ sort: { by: 'points', dir: 'desc' }, limit: 10, offset: 0 })).rows[0].points).toBe(one.points);
    } finally {
      h.close();
    }
    expect(checkSeries(db, 1, 'train_gen_l1', 12, 3)).toBe(12);
    const r = await cli('diagnose', '1', '--db', db, '--json');
    expect(r.code, r.err).toBe(0);
  });
});
