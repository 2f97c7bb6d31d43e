// Per-series multi-resolution summaries (the `series_summary` table): what one bucket of points holds, and
// how buckets combine. The store writes them (pyramidWriter.ts), metrics.series reads them (pyramidRead.ts).
//
// Buckets are aligned on point ordinals within a restart segment: at level L (1 … LEVELS) bucket `idx`
// holds the points of ordinals [idx·B(L), (idx+1)·B(L)) in (step, dup) order, with B(L) = BASE·FANOUT^(L-1)
// = 16, 64, 256, … 16,777,216 points. Each level-L bucket is exactly FANOUT level-(L-1) buckets, so any
// ordinal range is a few aligned buckets per level plus fewer than BASE raw points at each end.

/** points per level-1 bucket */
export const BASE = 16;
/** level-L buckets per level-(L+1) bucket */
export const FANOUT = 4;
export const LEVELS = 11;
export const TOP = LEVELS;

/** B(L): points per bucket at level L (1-based) */
export function bucketSize(level: number): number {
  return BASE * FANOUT ** (level - 1);
}

/** A summary of consecutive points. min/max/sum over finite values; first/last whatever their value. */
export interface Agg {
  n: number;
  /** NaN / ±Infinity points */
  bad: number;
  sum: number;
  /** +Infinity when the bucket holds no finite value */
  min: number;
  minStep: number;
  minWall: number | null;
  /** -Infinity when the bucket holds no finite value */
  max: number;
  maxStep: number;
  maxWall: number | null;
  firstStep: number;
  firstDup: number;
  firstWall: number | null;
  /** NaN when the point is NaN */
  firstValue: number;
  lastStep: number;
  lastWall: number | null;
  lastValue: number;
}

export function emptyAgg(): Agg {
  return {
    n: 0, bad: 0, sum: 0,
    min: Infinity, minStep: 0, minWall: null,
    max: -Infinity, maxStep: 0, maxWall: null,
    firstStep: 0, firstDup: 0, firstWall: null, firstValue: NaN,
    lastStep: 0, lastWall: null, lastValue: NaN,
  };
}

export function resetAgg(a: Agg): void {
  a.n = 0;
  a.bad = 0;
  a.sum = 0;
  a.min = Infinity;
  a.max = -Infinity;
}

/** Adds one point (the next in order). Ties keep the earliest min / max. */
export function addPoint(a: Agg, step: number, dup: number, wall: number | null, v: number): void {
  if (a.n === 0) {
    a.firstStep = step;
    a.firstDup = dup;
    a.firstWall = wall;
    a.firstValue = v;
  }
  a.n++;
  if (v - v === 0) {
    // finite (NaN - NaN and ±Infinity - ±Infinity are NaN)
    a.sum += v;
    if (v < a.min) {
      a.min = v;
      a.minStep = step;
      a.minWall = wall;
    }
    if (v > a.max) {
      a.max = v;
      a.maxStep = step;
      a.maxWall = wall;
    }
  } else {
    a.bad++;
  }
  a.lastStep = step;
  a.lastWall = wall;
  a.lastValue = v;
}

/** Folds `b` (the points right after `a`'s) into `a`. */
export function foldInto(a: Agg, b: Agg): void {
  if (b.n === 0) return;
  if (a.n === 0) {
    Object.assign(a, b);
    return;
  }
  a.n += b.n;
  a.bad += b.bad;
  a.sum += b.sum;
  if (b.min < a.min) {
    a.min = b.min;
    a.minStep = b.minStep;
    a.minWall = b.minWall;
  }
  if (b.max > a.max) {
    a.max = b.max;
    a.maxStep = b.maxStep;
    a.maxWall = b.maxWall;
  }
  a.lastStep = b.lastStep;
  a.lastWall = b.lastWall;
  a.lastValue = b.lastValue;
}

/** The row's value columns, in this order, after (series_id, seg, level, idx). */
export const AGG_COLUMNS =
  'n, n_bad, sum, min, min_step, min_wall, max, max_step, max_wall, first_step, first_dup, first_wall, first_value, last_step, last_wall, last_value';

/** SQLite has no NaN: NULL stands for it (as in `points`); ±Infinity round-trip. */
const dbValue = (v: number): number | null => (Number.isNaN(v) ? null : v);
const jsValue = (v: number | null): number => (v === null ? NaN : v);

/** Writes the AGG_COLUMNS of `a` into `out` from index `o` (a reused bind array: no allocation per row). */
export function writeAggRow(out: unknown[], o: number, a: Agg): void {
  const has = a.n > a.bad;
  out[o] = a.n;
  out[o + 1] = a.bad;
  out[o + 2] = a.sum;
  out[o + 3] = has ? a.min : null;
  out[o + 4] = has ? a.minStep : null;
  out[o + 5] = has ? a.minWall : null;
  out[o + 6] = has ? a.max : null;
  out[o + 7] = has ? a.maxStep : null;
  out[o + 8] = has ? a.maxWall : null;
  out[o + 9] = a.firstStep;
  out[o + 10] = a.firstDup;
  out[o + 11] = a.firstWall;
  out[o + 12] = dbValue(a.firstValue);
  out[o + 13] = a.lastStep;
  out[o + 14] = a.lastWall;
  out[o + 15] = dbValue(a.lastValue);
}

/** Reads the AGG_COLUMNS of a raw row starting at `o`. */
export function rowToAgg(r: readonly unknown[], o = 0): Agg {
  const min = r[o + 3] as number | null;
  const max = r[o + 6] as number | null;
  return {
    n: r[o] as number,
    bad: r[o + 1] as number,
    sum: r[o + 2] as number,
    min: min ?? Infinity,
    minStep: (r[o + 4] as number | null) ?? 0,
    minWall: r[o + 5] as number | null,
    max: max ?? -Infinity,
    maxStep: (r[o + 7] as number | null) ?? 0,
    maxWall: r[o + 8] as number | null,
    firstStep: r[o + 9] as number,
    firstDup: r[o + 10] as number,
    firstWall: r[o + 11] as number | null,
    firstValue: jsValue(r[o + 12] as number | null),
    lastStep: r[o + 13] as number,
    lastWall: r[o + 14] as number | null,
    lastValue: jsValue(r[o + 15] as number | null),
  };
}
