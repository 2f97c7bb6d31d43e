// metrics.series from the summaries equals the same answer computed here from the raw points: the same
// aligned chunks' min and max (at their own x), the range's first and last points, the same NaN/Inf markers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onPg, queryPlan, testDbUrl } from '../helpers/testDb';
import { describe, it, expect, beforeEach } from 'vitest';
import { openDb, type DbHandle } from '../../server/db/open';
import { Store } from '../../server/db/store';
import { querySeries, type SeriesQuery } from '../../server/db/series';
import { newReadStats, type ReadStats } from '../../server/db/pyramidRead';
import { AGG_COLUMNS, BASE, FANOUT, LEVELS, bucketSize } from '../../server/db/pyramid';
import { rawPoints, reference, type XOf } from '../helpers/seriesReference';
import type { ScalarRecord } from '../../server/ingest/types';
import { rng } from '../../server/lib/rng';

const identity = { size: 1, inode: 1, mtimeMs: 1, head: '', tail: '' };


interface Gen {
  step: number;
  wall: number;
  r: () => number;
}

/** n points of `tag` from g.step on: noisy decay, spikes, repeated steps, NaN / ±Infinity, ties. */
function points(g: Gen, tag: string, n: number, badRate = 0.01): ScalarRecord[] {
  const out: ScalarRecord[] = [];
  for (let i = 0; i < n; i++) {
    const u = g.r();
    let value = Math.exp(-g.step / 5000) + 0.05 * g.r();
    if (u < badRate / 2) value = NaN;
    else if (u < (badRate * 3) / 4) value = Infinity;
    else if (u < badRate) value = -Infinity;
    else if (u < badRate + 0.002) value = 50 * g.r(); // spikes
    else if (u < badRate + 0.01) value = 0.5; // ties
    out.push({ tag, step: g.step, wallTime: (g.wall += 0.5 + g.r()), value });
    if (g.r() < 0.95) g.step += 1 + Math.floor(g.r() * 3); // else the same step again (dup)
  }
  return out;
}

/** Runs the query through the summaries and checks it against the raw-point reference; returns the stats. */
function check(h: DbHandle, runId: number, tag: string, q: Omit<SeriesQuery, 'runIds' | 'tags'>, xOf: XOf, pts = rawPoints(h, runId, tag)): ReadStats {
  const stats = newReadStats();
  const query = { ...q, runIds: [runId], tags: [tag] };
  const [got] = querySeries(h.sqlite, query, { stats });
  const chunks = new Map(stats.plans.map((p) => [p.seg, p.chunk]));
  const want = reference(pts, xOf, query, (seg) => chunks.get(seg)!);
  expect({ segments: got.segments, nonFinite: got.nonFinite, total: got.total }).toEqual(want);
  // the plan keeps the answer within maxPoints and reads summaries only when there are more points than that
  const drawn = got.segments.reduce((a, s) => a + s.x.length, 0);
  expect(drawn).toBeLessThanOrEqual(Math.max(q.maxPoints, 10 * stats.plans.length));
  if (got.total > q.maxPoints) expect(stats.plans.every((p) => p.chunk > 1)).toBe(true);
  return stats;
}

describe('metrics.series from the summaries', () => {
  let h: DbHandle;
  let store: Store;
  let runId: number;
  beforeEach(() => {
    h = openDb(testDbUrl(fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-pyr-'))));
    store = new Store(h);
    runId = store.upsertRun({ key: 'path:/r', name: 'r', path: '/r', kind: 'tensorboard' });
  });

  it('summaries equal the buckets computed from the raw points, across batches, restarts and a reopened store', () => {
    const f = store.ensureFile(runId, '/r/a', 'tfevents', '');
    const g: Gen = { step: 0, wall: 1e9, r: rng(1) };
    const r = rng(2);
    for (let i = 0; i < 40; i++) {
      if (i === 15 || i === 30) g.step = Math.floor(g.step / 3); // resumed from a checkpoint: new segment
      if (i === 20) store = new Store(h); // a new process picks up the open buckets from the table
      store.commitChunk({ file: f, offset: i + 1, identity, state: null, scalars: points(g, 'loss', Math.floor(r() * 4000)) });
    }
    const rows = h.sqlite.prepare(`SELECT seg, level, idx, ${AGG_COLUMNS} FROM series_summary ORDER BY seg, level, idx`).raw(true).all() as unknown[][];
    const pts = rawPoints(h, runId, 'loss');
    const ord = new Map<number, number>();
    const want = new Map<string, { n: number; bad: number; sum: number; min: number | null; max: number | null; first: number; last: number }>();
    for (const p of pts) {
      const o = ord.get(p.seg) ?? 0;
      ord.set(p.seg, o + 1);
      for (let level = 1; level <= LEVELS; level++) {
        const key = `${p.seg}/${level}/${Math.floor(o / bucketSize(level))}`;
        let b = want.get(key);
        if (!b) want.set(key, (b = { n: 0, bad: 0, sum: 0, min: null, max: null, first: p.step, last: p.step }));
        b.n++;
        b.last = p.step;
        if (!Number.isFinite(p.value)) b.bad++;
        else {
          b.sum += p.value;
          if (b.min === null || p.value < b.min) b.min = p.value;
          if (b.max === null || p.value > b.max) b.max = p.value;
        }
      }
    }
    expect(rows.length).toBe(want.size);
    for (const row of rows) {
      const w = want.get(`${row[0]}/${row[1]}/${row[2]}`)!;
      expect(w).toBeDefined();
      expect([row[3], row[4], row[6], row[9], row[12], row[16]]).toEqual([w.n, w.bad, w.min, w.max, w.first, w.last]);
      expect(row[5] as number).toBeCloseTo(w.sum, 6);
    }
    expect(new Set(pts.map((p) => p.seg))).toEqual(new Set([0, 1, 2]));
  });

  it('full-range and zoomed answers equal the raw-data answer on every x axis, with restarts and NaN/Inf', () => {
    const f = store.ensureFile(runId, '/r/a', 'tfevents', '');
    const g: Gen = { step: 0, wall: 1.7e9, r: rng(3) };
    for (let i = 0; i < 12; i++) {
      if (i === 5 || i === 9) g.step = Math.floor(g.step / 2);
      store.commitChunk({ file: f, offset: i + 1, identity, state: null, scalars: points(g, 'loss', 5000 + i * 1234) });
    }
    store.updateRun(runId, { batch_size: 8, limit_train_batches: 1000 });
    const r = rng(4);
    const steps = rawPoints(h, runId, 'loss');
    const c = (q: Omit<SeriesQuery, 'runIds' | 'tags'>, xOf: XOf) => check(h, runId, 'loss', q, xOf, steps);
    const maxStep = steps.reduce((a, p) => Math.max(a, p.step), 0);
    const walls = steps.map((p) => p.wall!);
    const w0 = walls[0];
    const w1 = walls[walls.length - 1];
    const t0 = w0;
    const axes: { x: SeriesQuery['x']; xOf: XOf; span: [number, number] }[] = [
      { x: 'step', xOf: (s) => s, span: [0, maxStep] },
      { x: 'samples', xOf: (s) => s * 8, span: [0, maxStep * 8] },
      { x: 'epoch', xOf: (s) => (s + 1) / 1000, span: [0, (maxStep + 1) / 1000] },
      { x: 'wall', xOf: (_s, w) => (w === null ? null : w * 1000), span: [w0 * 1000, w1 * 1000] },
      { x: 'relative', xOf: (_s, w) => (w === null ? null : w - t0), span: [0, w1 - t0] },
    ];
    let summarised = 0;
    for (const a of axes) {
      for (const maxPoints of [10, 100, 2000, 20_000]) {
        c({ x: a.x, maxPoints }, a.xOf);
        for (let k = 0; k < 8; k++) {
          const width = (a.span[1] - a.span[0]) * 10 ** (-4 * r());
          const min = a.span[0] + r() * (a.span[1] - a.span[0] - width);
          const st = c({ x: a.x, maxPoints, range: { min, max: min + width } }, a.xOf);
          if (st.plans.some((p) => p.level > 0)) summarised++;
        }
      }
    }
    expect(summarised).toBeGreaterThan(20); // the summarised path, not only raw reads, was compared
    // ranges outside the data, and a point-wide range
    c({ x: 'step', maxPoints: 100, range: { min: -100, max: -1 } }, (s) => s);
    c({ x: 'step', maxPoints: 100, range: { min: maxStep + 1, max: maxStep + 10 } }, (s) => s);
    c({ x: 'step', maxPoints: 100, range: { min: 500, max: 500 } }, (s) => s);
  });

  it('a series that is mostly NaN after a divergence: markers capped at 1000, in order, bounded reads', () => {
    const f = store.ensureFile(runId, '/r/a', 'tfevents', '');
    const g: Gen = { step: 0, wall: 1e9, r: rng(5) };
    const pts = points(g, 'loss', 30_000, 0.0005);
    for (const p of points(g, 'loss', 60_000, 0)) pts.push({ ...p, value: NaN });
    store.commitChunk({ file: f, offset: 1, identity, state: null, scalars: pts });
    const st = check(h, runId, 'loss', { x: 'step', maxPoints: 2000 }, (s) => s);
    expect(st.rows).toBeLessThan(4000);
    check(h, runId, 'loss', { x: 'step', maxPoints: 500, range: { min: 1000, max: 50_000 } }, (s) => s);
  });

  it('a replaced file: its points and their summaries go, the other file\'s stay right; reading it again restores them', () => {
    const a = store.ensureFile(runId, '/r/a', 'tfevents', '');
    const b = store.ensureFile(runId, '/r/b', 'tfevents', '');
    const g: Gen = { step: 0, wall: 1e9, r: rng(6) };
    const first = points(g, 'loss', 20_000);
    store.commitChunk({ file: a, offset: 1, identity, state: null, scalars: first });
    g.step = 5000; // the resumed job writes a second event file: a new segment
    const second = points(g, 'loss', 25_000);
    store.commitChunk({ file: b, offset: 1, identity, state: null, scalars: second });
    // and a file interleaving points into the first segment's range of another tag
    store.commitChunk({ file: a, offset: 2, identity, state: null, scalars: points(g, 'other', 5000) });
    const q = { x: 'step' as const, maxPoints: 1000 };
    check(h, runId, 'loss', q, (s) => s);
    store.resetFile(store.getFile('/r/a')!); // replaced: its rows go
    const after = check(h, runId, 'loss', q, (s) => s);
    expect(after.plans.map((p) => p.seg)).toEqual([1]);
    expect(querySeries(h.sqlite, { ...q, runIds: [runId], tags: ['other'] })).toEqual([]);
    expect(h.sqlite.prepare('SELECT COUNT(*) AS n FROM series_summary s WHERE NOT EXISTS (SELECT 1 FROM series WHERE id = s.series_id)').get()).toEqual({ n: 0 });
    // read again (with other values): its points come back as a new segment after the stored ones
    const again = store.getFile('/r/a')!;
    store.commitChunk({ file: again, offset: 1, identity, state: null, scalars: first.map((p) => ({ ...p, value: p.value * 2 })) });
    check(h, runId, 'loss', q, (s) => s);
    check(h, runId, 'loss', { ...q, range: { min: 3000, max: 9000 } }, (s) => s);
  });

  it('a database from before the summaries: reads fall back to the raw points, the next store builds them', () => {
    const f = store.ensureFile(runId, '/r/a', 'tfevents', '');
    const g: Gen = { step: 0, wall: 1e9, r: rng(7) };
    store.commitChunk({ file: f, offset: 1, identity, state: null, scalars: points(g, 'loss', 10_000) });
    const q = { runIds: [runId], tags: ['loss'], x: 'step' as const, maxPoints: 300 };
    const built = querySeries(h.sqlite, q);
    h.sqlite.prepare('DELETE FROM series_summary').run();
    const stats = newReadStats();
    const legacy = querySeries(h.sqlite, q, { stats });
    expect(stats.plans).toEqual([]); // raw path
    expect(legacy[0].total).toBe(10_000);
    store = new Store(h);
    expect(querySeries(h.sqlite, q)).toEqual(built);
    // and it keeps going from there
    store.commitChunk({ file: f, offset: 2, identity, state: null, scalars: points(g, 'loss', 777) });
    check(h, runId, 'loss', { x: 'step', maxPoints: 300 }, (s) => s);
  });

  it('every summary and point read is a primary-key search (no scan, no sort)', () => {
    const plans = [
      `SELECT idx, ${AGG_COLUMNS} FROM series_summary WHERE series_id = 1 AND seg = 0 AND level = 3 AND idx BETWEEN 4 AND 7 ORDER BY idx`,
      'SELECT step, dup, wall_time, value FROM points WHERE series_id = 1 AND seg = 0 AND (step, dup) >= (5, 0) ORDER BY step, dup LIMIT 16',
    ].map((sql) => queryPlan(h.sqlite, sql));
    if (onPg()) {
      expect(plans[0]).toMatch(/Index Scan using series_summary_\w+ on series_summary .*Index Cond: \(\(series_id = 1\) AND \(seg = 0\) AND \(level = 3\) AND \(idx >= 4\) AND \(idx <= 7\)\)/);
      expect(plans[1]).toMatch(/Index Scan using points_\w+ on points .*Index Cond: \(\(series_id = 1\) AND \(seg = 0\) AND \(ROW\(step, dup\) >= ROW\(5, 0\)\)\)/);
      for (const p of plans) expect(p).not.toMatch(/Sort|Seq Scan/);
      return;
    }
    expect(plans[0]).toMatch(/SEARCH series_summary USING PRIMARY KEY \(series_id=\? AND seg=\? AND level=\? AND idx>\? AND idx<\?\)/);
    expect(plans[1]).toMatch(/SEARCH points USING PRIMARY KEY \(series_id=\? AND seg=\? AND \(step,dup\)>\(\?,\?\)\)/);
    for (const p of plans) expect(p).not.toMatch(/TEMP B-TREE|SCAN/);
  });

  it('rows read stay bounded by the answer size, whatever the range', () => {
    const f = store.ensureFile(runId, '/r/a', 'tfevents', '');
    const g: Gen = { step: 0, wall: 1e9, r: rng(8) };
    for (let i = 0; i < 10; i++) store.commitChunk({ file: f, offset: i + 1, identity, state: null, scalars: points(g, 'loss', 20_000) });
    const r = rng(9);
    for (let k = 0; k < 40; k++) {
      const maxPoints = [200, 2000][k % 2];
      const width = g.step * 10 ** (-3 * r());
      const min = r() * (g.step - width);
      const stats = newReadStats();
      querySeries(h.sqlite, { runIds: [runId], tags: ['loss'], x: 'step', range: { min, max: min + width }, maxPoints }, { stats });
      // summarised: ≤ FANOUT buckets per chunk, the descents to both ends, the cut chunks' finer buckets and raw
      // points, ≤ 1000 NaN/Inf markers; fewer than BASE·maxPoints/2 points: raw points
      const perChunk = stats.plans.every((p) => p.level > 0) ? FANOUT : BASE;
      expect(stats.rows).toBeLessThanOrEqual(perChunk * (maxPoints / 2) + 4 * (FANOUT * LEVELS + BASE) + 1000);
    }
  });
});
