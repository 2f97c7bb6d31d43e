// metrics.series: points of some tags of some runs on a chosen x axis, downsampled per restart segment.
import type { SqlDb, SqlStatement } from './sqlDb';
import { minMaxDownsample } from '../analysis/downsample';
import { getRun } from './runs';
import { readSeriesPyramid, type ReadStats } from './pyramidRead';

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

/**
 * A series' points as parallel columns, in (seg, step, dup) order. A series can hold hundreds of
 * thousands of rows: SQLite builds each column as one JSON array (json_group_array) that is parsed
 * once, which is ~2.4× faster than materialising every row as a JS array through the driver (see
 * scripts/bench-ui.ts). JSON round-trips every double exactly; NULL (NaN) stays null and ±Infinity
 * comes back as ±9e999, which JSON.parse reads as ±Infinity.
 */
interface Columns {
  /** null when the whole series is one segment (the usual case): then every point is in `seg0` */
  seg: number[] | null;
  seg0: number;
  step: number[];
  /** null when the x axis does not need wall times */
  wall: (number | null)[] | null;
  value: (number | null)[];
}

function readColumns(sqlite: SqlDb, seriesId: number, steps: { lo: number; hi: number } | null, withWall: boolean): Columns {
  const where = steps ? 'series_id = ? AND step BETWEEN ? AND ?' : 'series_id = ?';
  const args = steps ? [seriesId, steps.lo, steps.hi] : [seriesId];
  // two primary-key seeks (a MIN and a MAX alone are O(log n)); one segment needs no seg column
  const first = (sqlite.prepare('SELECT MIN(seg) AS s FROM points WHERE series_id = ?').get(seriesId) as { s: number | null }).s ?? 0;
  const last = (sqlite.prepare('SELECT MAX(seg) AS s FROM points WHERE series_id = ?').get(seriesId) as { s: number | null }).s ?? 0;
  const oneSeg = first === last;
  // the subquery's ORDER BY follows the primary key (no sort); an aggregate over an ordered subquery
  // sees its rows in that order (SQLite does not flatten it), which inOrder() double-checks
  const r = sqlite
    .prepare(
      `SELECT ${oneSeg ? 'NULL' : 'json_group_array(seg)'} AS seg, json_group_array(step) AS step, ${withWall ? 'json_group_array(wall_time)' : 'NULL'} AS wall, json_group_array(value) AS value
       FROM (SELECT seg, step, wall_time, value FROM points WHERE ${where} ORDER BY seg, step, dup) AS q`,
    )
    .get(...args) as { seg: string | null; step: string; wall: string | null; value: string };
  const cols: Columns = {
    seg: r.seg === null ? null : (JSON.parse(r.seg) as number[]),
    seg0: first,
    step: JSON.parse(r.step) as number[],
    wall: r.wall === null ? null : (JSON.parse(r.wall) as (number | null)[]),
    value: JSON.parse(r.value) as (number | null)[],
  };
  if (inOrder(cols)) return cols;
  // never seen; kept so a change in SQLite's planner cannot scramble a curve
  const rows = sqlite
    .prepare(`SELECT seg, step, wall_time, value FROM points WHERE ${where} ORDER BY seg, step, dup`)
    .raw(true)
    .all(...args) as [number, number, number | null, number | null][];
  return { seg: rows.map((x) => x[0]), seg0: first, step: rows.map((x) => x[1]), wall: withWall ? rows.map((x) => x[2]) : null, value: rows.map((x) => x[3]) };
}

function inOrder(c: Columns): boolean {
  const seg = c.seg;
  for (let i = 1; i < c.step.length; i++) {
    const a = seg ? seg[i - 1] : c.seg0;
    const b = seg ? seg[i] : c.seg0;
    if (b < a || (b === a && c.step[i] < c.step[i - 1])) return false;
  }
  return true;
}

/** x = f(step, wall) for a run; null when the axis is not available for this run. */
export function xMapper(sqlite: SqlDb, runId: number, axis: XAxis): { axis: XAxis; f: (step: number, wall: number | null) => number | null; fromStep?: (x: number) => number } {
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
    const t0 = (sqlite.prepare('SELECT MIN(w) AS t FROM (SELECT MIN(wall_time) AS w FROM points p JOIN series s ON s.id = p.series_id WHERE s.run_id = ? AND p.seg = 0 AND p.step = s.first_step GROUP BY s.id) AS q').get(runId) as { t: number | null }).t;
    if (t0 !== null) return { axis, f: (_s, w) => (w === null ? null : w - t0) };
  }
  return { axis: 'step', f: (s) => s, fromStep: (x) => x };
}

/** LaMa's epoch length is limit_train_batches; otherwise learn it from the logged `epoch` tag. */
function stepsPerEpoch(sqlite: SqlDb, runId: number, limit: number | null): number | null {
  if (limit !== null && limit > 1) return limit;
  const s = sqlite.prepare("SELECT id FROM series WHERE run_id = ? AND tag = 'epoch'").get(runId) as { id: number } | undefined;
  if (!s) return null;
  const first = sqlite
    .prepare('SELECT step, value FROM points WHERE series_id = ? AND value >= 1 ORDER BY seg, step LIMIT 1')
    .get(s.id) as { step: number; value: number } | undefined;
  return first ? first.step / first.value : null;
}

export interface SeriesReadOptions {
  /** read every point in range and downsample in JS (the path before the summaries; for benchmarks and tests) */
  raw?: boolean;
  /** rows read and the plan per segment (summarised path) */
  stats?: ReadStats;
}

/**
 * Each series from its summaries (pyramidRead.ts): rows read grow with maxPoints, not with the series.
 * A series without summaries (a database from before them, until the store rebuilds them) and
 * `opts.raw` read the raw points.
 */
export function querySeries(sqlite: SqlDb, q: SeriesQuery, opts: SeriesReadOptions = {}): SeriesOut[] {
  // one read transaction: the series rows and their points come from the same snapshot
  return sqlite.transaction(() => querySeriesIn(sqlite, q, opts))();
}

function querySeriesIn(sqlite: SqlDb, q: SeriesQuery, opts: SeriesReadOptions): SeriesOut[] {
  const out: SeriesOut[] = [];
  const seriesStmt = sqlite.prepare('SELECT id, segment FROM series WHERE run_id = ? AND tag = ?');
  for (const runId of q.runIds) {
    const map = xMapper(sqlite, runId, q.x);
    for (const tag of q.tags) {
      const s = seriesStmt.get(runId, tag) as { id: number; segment: number } | undefined;
      if (!s) continue;
      const needsWall = map.axis === 'wall' || map.axis === 'relative';
      const summarised = opts.raw ? null : readSeriesPyramid(sqlite, s.id, s.segment, map.f, needsWall, q.range, q.maxPoints, opts.stats);
      if (summarised) {
        out.push({ runId, tag, x: map.axis, ...summarised });
        continue;
      }
      const steps = q.range && map.fromStep ? { lo: Math.floor(map.fromStep(q.range.min)), hi: Math.ceil(map.fromStep(q.range.max)) } : null;
      const cols = readColumns(sqlite, s.id, steps, map.axis === 'wall' || map.axis === 'relative');
      out.push(buildSeries(runId, tag, map, cols, q));
    }
  }
  return out;
}

function buildSeries(runId: number, tag: string, map: ReturnType<typeof xMapper>, cols: Columns, q: SeriesQuery): SeriesOut {
  const bySeg = new Map<number, { x: number[]; y: number[] }>();
  const nonFinite: SeriesOut['nonFinite'] = [];
  let total = 0;
  const n = cols.step.length;
  for (let i = 0; i < n; i++) {
    const segNo = cols.seg ? cols.seg[i] : cols.seg0;
    const v = cols.value[i];
    const x = map.f(cols.step[i], cols.wall ? cols.wall[i] : null);
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
