// metrics.series: points of some tags of some runs on a chosen x axis, downsampled per restart segment.
import type Database from 'better-sqlite3';
import { minMaxDownsample } from '../analysis/downsample';
import { getRun } from './runs';

export const X_AXES = ['step', 'epoch', 'relative', 'wall', 'samples'] as const;
export type XAxis = (typeof X_AXES)[number];

export interface SeriesQuery {
  runIds: number[];
  tags: string[];
  x: XAxis;
  range?: { min: number; max: number };
  maxPoints: number;
}

export interface SegmentOut {
  seg: number;
  x: number[];
  y: number[];
}

export interface SeriesOut {
  runId: number;
  tag: string;
  /** the x unit actually used (epoch falls back to step when the epoch length is unknown) */
  x: XAxis;
  segments: SegmentOut[];
  /** NaN / ±Infinity points (never drawn as values, always shown as markers) */
  nonFinite: { x: number; value: 'NaN' | 'Infinity' | '-Infinity' }[];
  /** points in range before downsampling */
  total: number;
}

/** [seg, step, wall_time, value] — raw arrays: a series can hold hundreds of thousands of rows */
type Row = [number, number, number | null, number | null];

/** x = f(step, wall) for a run; null when the axis is not available for this run. */
export function xMapper(sqlite: Database.Database, runId: number, axis: XAxis): { axis: XAxis; f: (step: number, wall: number | null) => number | null; fromStep?: (x: number) => number } {
  const run = getRun(sqlite, runId);
  if (axis === 'samples' && run?.batchSize) {
    const bs = run.batchSize;
    return { axis, f: (s) => s * bs, fromStep: (x) => x / bs };
  }
  if (axis === 'epoch') {
    const perEpoch = stepsPerEpoch(sqlite, runId, run?.limitTrainBatches ?? null);
    if (perEpoch) return { axis, f: (s) => (s + 1) / perEpoch, fromStep: (x) => x * perEpoch - 1 };
  }
  if (axis === 'wall') return { axis, f: (_s, w) => (w === null ? null : w * 1000) };
  if (axis === 'relative') {
    const t0 = (sqlite.prepare('SELECT MIN(w) AS t FROM (SELECT MIN(wall_time) AS w FROM points p JOIN series s ON s.id = p.series_id WHERE s.run_id = ? AND p.seg = 0 AND p.step = s.first_step GROUP BY s.id)').get(runId) as { t: number | null }).t;
    if (t0 !== null) return { axis, f: (_s, w) => (w === null ? null : w - t0) };
  }
  return { axis: 'step', f: (s) => s, fromStep: (x) => x };
}

/** LaMa's epoch length is limit_train_batches; otherwise learn it from the logged `epoch` tag. */
function stepsPerEpoch(sqlite: Database.Database, runId: number, limit: number | null): number | null {
  if (limit !== null && limit > 1) return limit;
  const s = sqlite.prepare("SELECT id FROM series WHERE run_id = ? AND tag = 'epoch'").get(runId) as { id: number } | undefined;
  if (!s) return null;
  const first = sqlite
    .prepare('SELECT step, value FROM points WHERE series_id = ? AND value >= 1 ORDER BY seg, step LIMIT 1')
    .get(s.id) as { step: number; value: number } | undefined;
  return first ? first.step / first.value : null;
}

export function querySeries(sqlite: Database.Database, q: SeriesQuery): SeriesOut[] {
  const out: SeriesOut[] = [];
  const seriesStmt = sqlite.prepare('SELECT id FROM series WHERE run_id = ? AND tag = ?');
  for (const runId of q.runIds) {
    const map = xMapper(sqlite, runId, q.x);
    for (const tag of q.tags) {
      const s = seriesStmt.get(runId, tag) as { id: number } | undefined;
      if (!s) continue;
      let rows: Row[];
      if (q.range && map.fromStep) {
        const lo = Math.floor(map.fromStep(q.range.min));
        const hi = Math.ceil(map.fromStep(q.range.max));
        rows = sqlite
          .prepare('SELECT seg, step, wall_time, value FROM points WHERE series_id = ? AND step BETWEEN ? AND ? ORDER BY seg, step, dup')
          .raw(true)
          .all(s.id, lo, hi) as Row[];
      } else {
        rows = sqlite
          .prepare('SELECT seg, step, wall_time, value FROM points WHERE series_id = ? ORDER BY seg, step, dup')
          .raw(true)
          .all(s.id) as Row[];
      }
      out.push(buildSeries(runId, tag, map, rows, q));
    }
  }
  return out;
}

function buildSeries(runId: number, tag: string, map: ReturnType<typeof xMapper>, rows: Row[], q: SeriesQuery): SeriesOut {
  const bySeg = new Map<number, { x: number[]; y: number[] }>();
  const nonFinite: SeriesOut['nonFinite'] = [];
  let total = 0;
  for (const [segNo, step, w, v] of rows) {
    const x = map.f(step, w);
    if (x === null) continue;
    if (q.range && (x < q.range.min || x > q.range.max)) continue;
    total++;
    if (v === null || !Number.isFinite(v)) {
      if (nonFinite.length < 1000) nonFinite.push({ x, value: v === null ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' });
      continue;
    }
    let seg = bySeg.get(segNo);
    if (!seg) bySeg.set(segNo, (seg = { x: [], y: [] }));
    seg.x.push(x);
    seg.y.push(v);
  }
  const segments: SegmentOut[] = [];
  for (const [seg, d] of bySeg) {
    // each segment gets a share of the budget proportional to its size (at least a few points)
    const budget = Math.max(8, Math.floor((q.maxPoints * d.x.length) / Math.max(1, total)));
    const ds = minMaxDownsample(d.x, d.y, budget);
    segments.push({ seg, x: ds.x, y: ds.y });
  }
  segments.sort((a, b) => a.seg - b.seg);
  return { runId, tag, x: map.axis, segments, nonFinite, total };
}
