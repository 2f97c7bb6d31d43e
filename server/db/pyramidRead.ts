// metrics.series from the summaries (pyramid.ts): the rows read grow with the answer, not with the series.
//
// Per restart segment:
// 1. The range's first and last ordinals, by descending the pyramid from the top level (≤ FANOUT rows per
//    level, then ≤ BASE raw points). x must not go back within a segment (steps never do; wall times are
//    assumed not to). Without a range the whole segment.
// 2. n ≤ maxPoints points in range (all segments): the raw points, all of them.
// 3. Otherwise the segment's share of maxPoints/2 gives a chunk size C; chunks are aligned on ordinals
//    (chunk k = ordinals [k·C, (k+1)·C)) and C = g·B(L) for the coarsest level L that still gives enough
//    chunks, so a chunk is g whole level-L buckets: ≤ FANOUT·maxPoints/2 rows. The two chunks cut by the
//    range's ends are summed from finer buckets (≤ FANOUT - 1 per level) and ≤ BASE raw points at each end,
//    so every chunk is exact for the points in range. Each chunk draws its min and its max at their own x
//    (spike-preserving), plus the range's first and last points. When C < BASE the same chunks are computed
//    from the raw points (< BASE·maxPoints/2 rows).
// 4. NaN / ±Infinity markers (at most 1000, in order, as the raw path): exact, from the partial index
//    `points_nonfinite` that holds only those points (reads ≤ 1000 rows), and only when the summaries say
//    the range has some (n_bad).
import type { SqlDb, SqlStatement } from './sqlDb';
import { AGG_COLUMNS, BASE, FANOUT, TOP, addPoint, bucketSize, emptyAgg, foldInto, rowToAgg, type Agg } from './pyramid';

export type XOf = (step: number, wall: number | null) => number | null;

export interface NonFinite {
  x: number;
  value: 'NaN' | 'Infinity' | '-Infinity';
}

export interface PyramidAnswer {
  segments: { seg: number; x: number[]; y: number[] }[];
  nonFinite: NonFinite[];
  /** points in range */
  total: number;
}

/** What a read did: rows fetched from series_summary and points, and per segment the plan. */
export interface ReadStats {
  rows: number;
  plans: { seg: number; from: number; to: number; level: number; chunk: number }[];
}

export function newReadStats(): ReadStats {
  return { rows: 0, plans: [] };
}

const MAX_MARKERS = 1000;

type RawPoint = [step: number, dup: number, wall: number | null, value: number | null];

interface Stmts {
  buckets: SqlStatement;
  /** only what a chunk in the middle needs (better-sqlite3 pays per column: 7 columns read ~3.5× faster than 17) */
  thin: SqlStatement;
  thinWall: SqlStatement;
  raw: SqlStatement;
  rawNoWall: SqlStatement;
  nonFinite: SqlStatement;
}

const STMTS = new WeakMap<SqlDb, Stmts>();

function stmts(sqlite: SqlDb): Stmts {
  let s = STMTS.get(sqlite);
  if (!s) {
    const cols = `idx, ${AGG_COLUMNS}`;
    const where = 'series_id = ? AND seg = ? AND level = ? AND idx BETWEEN ? AND ?';
    s = {
      buckets: sqlite.prepare(`SELECT ${cols} FROM series_summary WHERE ${where} ORDER BY idx`).raw(true),
      thin: sqlite.prepare(`SELECT idx, n, n_bad, min, min_step, NULL, max, max_step, NULL FROM series_summary WHERE ${where} ORDER BY idx`).raw(true),
      thinWall: sqlite
        .prepare(`SELECT idx, n, n_bad, min, min_step, min_wall, max, max_step, max_wall FROM series_summary WHERE ${where} ORDER BY idx`)
        .raw(true),
      raw: sqlite
        .prepare('SELECT step, dup, wall_time, value FROM points WHERE series_id = ? AND seg = ? AND (step, dup) >= (?, ?) ORDER BY step, dup LIMIT ?')
        .raw(true),
      rawNoWall: sqlite
        .prepare('SELECT step, dup, NULL, value FROM points WHERE series_id = ? AND seg = ? AND (step, dup) >= (?, ?) ORDER BY step, dup LIMIT ?')
        .raw(true),
      // the WHERE repeats the partial index's own (schema.ts) so that SQLite may use it
      nonFinite: sqlite
        .prepare(
          `SELECT step, dup, wall_time, value FROM points INDEXED BY points_nonfinite
           WHERE series_id = ? AND seg = ? AND (step, dup) >= (?, ?) AND step <= ? AND (value IS NULL OR abs(value) > 1.7976931348623157e308)
           ORDER BY step, dup LIMIT ?`,
        )
        .raw(true),
    };
    STMTS.set(sqlite, s);
  }
  return s;
}

interface Bucket {
  idx: number;
  agg: Agg;
}

/** A run of points in range: an aligned bucket (level ≥ 1) or raw points (level 0). */
interface Piece {
  start: number;
  level: number;
  idx: number;
  agg: Agg;
  raw?: RawPoint[];
  /** read without its first / last point and sum (thinBuckets) */
  thin?: boolean;
}

interface Seg {
  seg: number;
  n: number;
  top: Bucket[];
  /** ordinals in range, inclusive (from > to: none) */
  from: number;
  to: number;
}

class Reader {
  private s: Stmts;
  constructor(
    sqlite: SqlDb,
    private seriesId: number,
    private xOf: XOf,
    /** x depends on wall times (else wall times are not read for min / max) */
    private needsWall: boolean,
    private stats: ReadStats,
  ) {
    this.s = stmts(sqlite);
  }

  buckets(seg: number, level: number, from: number, to: number): Bucket[] {
    const rows = this.s.buckets.all(this.seriesId, seg, level, from, to) as unknown[][];
    this.stats.rows += rows.length;
    return rows.map((r) => ({ idx: r[0] as number, agg: rowToAgg(r, 1) }));
  }

  /** Whole buckets in the middle of a range: count, NaN/Inf count, min and max; no first / last. */
  thinBuckets(seg: number, level: number, from: number, to: number, out: Piece[]): void {
    const rows = (this.needsWall ? this.s.thinWall : this.s.thin).all(this.seriesId, seg, level, from, to) as unknown[][];
    this.stats.rows += rows.length;
    const b = bucketSize(level);
    for (const r of rows) {
      const agg = emptyAgg();
      agg.n = r[1] as number;
      agg.bad = r[2] as number;
      if (r[3] !== null) {
        agg.min = r[3] as number;
        agg.minStep = r[4] as number;
        agg.minWall = r[5] as number | null;
        agg.max = r[6] as number;
        agg.maxStep = r[7] as number;
        agg.maxWall = r[8] as number | null;
      }
      out.push({ start: (r[0] as number) * b, level, idx: r[0] as number, agg, thin: true });
    }
  }

  /** The piece with its first / last point (a thin one is read again whole). */
  whole(seg: number, p: Piece): Piece {
    if (!p.thin) return p;
    const [k] = this.buckets(seg, p.level, p.idx, p.idx);
    return { start: p.start, level: p.level, idx: p.idx, agg: k.agg };
  }

  /** Raw points of ordinals [from, to] of a segment (the level-1 bucket of `from` gives its (step, dup)). */
  rawRange(seg: number, from: number, to: number): RawPoint[] {
    const i = Math.floor(from / BASE);
    const b = this.buckets(seg, 1, i, i)[0];
    if (!b) return [];
    return this.rawFrom(seg, b.agg, from - i * BASE, to - i * BASE + 1);
  }

  /** Raw points [skip, end) counted from a bucket's first point. */
  rawFrom(seg: number, first: Agg, skip: number, end: number): RawPoint[] {
    const rows = (this.needsWall ? this.s.raw : this.s.rawNoWall).all(this.seriesId, seg, first.firstStep, first.firstDup, end) as RawPoint[];
    this.stats.rows += rows.length;
    return skip > 0 ? rows.slice(skip) : rows;
  }

  x(step: number, wall: number | null): number | null {
    return this.xOf(step, wall);
  }

  /** The first ordinal of the segment whose x satisfies `pred` (monotone: false … false true … true); n if none. */
  locate(sg: Seg, pred: (x: number) => boolean): number {
    const ok = (step: number, wall: number | null) => {
      const x = this.xOf(step, wall);
      return x !== null && pred(x);
    };
    let cands = sg.top;
    let level = TOP;
    let end = sg.n; // answer when no candidate holds
    for (;;) {
      const c = cands.find((b) => ok(b.agg.lastStep, b.agg.lastWall));
      if (!c) return end;
      end = c.idx * bucketSize(level) + c.agg.n;
      if (level === 1) {
        const pts = this.rawFrom(sg.seg, c.agg, 0, c.agg.n);
        const j = pts.findIndex((p) => ok(p[0], p[2]));
        return j < 0 ? end : c.idx * BASE + j;
      }
      level--;
      cands = this.buckets(sg.seg, level, c.idx * FANOUT, c.idx * FANOUT + FANOUT - 1);
    }
  }

  /** [from, to] as aligned buckets of levels ≤ maxLevel and raw points at the ends, in order. */
  decompose(seg: number, from: number, to: number, maxLevel: number, out: Piece[]): void {
    let pos = from;
    while (pos <= to) {
      let level = 0;
      for (let k = maxLevel; k >= 1; k--) {
        const b = bucketSize(k);
        if (pos % b === 0 && pos + b - 1 <= to) {
          level = k;
          break;
        }
      }
      if (level === 0) {
        const end = Math.min(to, (Math.floor(pos / BASE) + 1) * BASE - 1);
        out.push(rawPiece(pos, this.rawRange(seg, pos, end)));
        pos = end + 1;
        continue;
      }
      // a run of whole buckets of this level: one query
      const b = bucketSize(level);
      let count = 1;
      while (pos + (count + 1) * b - 1 <= to && (level === maxLevel || (pos + count * b) % bucketSize(level + 1) !== 0)) count++;
      for (const k of this.buckets(seg, level, pos / b, pos / b + count - 1)) out.push({ start: k.idx * b, level, idx: k.idx, agg: k.agg });
      pos += count * b;
    }
  }

  /** The pieces of [from, to]: whole level-L buckets, finer buckets and raw points at the cut ends. */
  gather(seg: number, from: number, to: number, level: number): Piece[] {
    const b = bucketSize(level);
    const fa = Math.ceil(from / b);
    const fb = Math.floor((to + 1) / b) - 1;
    const out: Piece[] = [];
    if (fa > fb) {
      this.decompose(seg, from, to, level - 1, out);
      return out;
    }
    this.decompose(seg, from, fa * b - 1, level - 1, out);
    this.thinBuckets(seg, level, fa, fb, out);
    this.decompose(seg, (fb + 1) * b, to, level - 1, out);
    // the range's first and last points come from the first and last pieces
    out[0] = this.whole(seg, out[0]);
    out[out.length - 1] = this.whole(seg, out[out.length - 1]);
    return out;
  }

  /** The NaN / ±Infinity points among `pieces` (in order, ≤ MAX_MARKERS in all): raw ones as read, else from the index. */
  markers(seg: number, pieces: Piece[], inRange: (x: number | null) => x is number, out: NonFinite[]): void {
    let bad = 0;
    for (const p of pieces) bad += p.agg.bad;
    if (bad === 0 || out.length >= MAX_MARKERS) return;
    let pts: RawPoint[];
    if (pieces.every((p) => p.raw)) {
      pts = pieces.flatMap((p) => p.raw!);
    } else {
      // exactly `bad` of them lie in the pieces' ordinals; points past the last one at its step have a larger dup
      const first = pieces[0].agg;
      const last = pieces[pieces.length - 1].agg;
      pts = this.s.nonFinite.all(this.seriesId, seg, first.firstStep, first.firstDup, last.lastStep, Math.min(bad, MAX_MARKERS - out.length)) as RawPoint[];
      this.stats.rows += pts.length;
    }
    for (const p of pts) {
      if (out.length >= MAX_MARKERS) return;
      const v = p[3];
      if (v !== null && Number.isFinite(v)) continue;
      const x = this.xOf(p[0], p[2]);
      if (inRange(x)) out.push({ x, value: v === null ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' });
    }
  }
}

function rawPiece(start: number, raw: RawPoint[]): Piece {
  const agg = emptyAgg();
  for (const p of raw) addPoint(agg, p[0], p[1], p[2], p[3] === null ? NaN : p[3]);
  return { start, level: 0, idx: -1, agg, raw };
}

/** Chunk size for n points drawn as about `chunks` min/max pairs, and the level it is read from (0 = raw). */
export function chunkPlan(n: number, chunks: number): { chunk: number; level: number } {
  const min = Math.ceil(n / Math.max(1, chunks));
  if (min <= 1) return { chunk: 1, level: 0 };
  if (min < BASE) return { chunk: min, level: 0 };
  let level = 1;
  while (level < TOP && bucketSize(level + 1) <= min) level++;
  let g = Math.ceil(min / bucketSize(level));
  if (g >= FANOUT && level < TOP) {
    level++;
    g = 1;
  }
  return { chunk: g * bucketSize(level), level };
}

/**
 * One series from its summaries; null when it has none (a database from before them, not yet rebuilt by
 * the store): the caller reads the raw points then.
 */
export function readSeriesPyramid(
  sqlite: SqlDb,
  seriesId: number,
  lastSeg: number,
  xOf: XOf,
  needsWall: boolean,
  range: { min: number; max: number } | undefined,
  maxPoints: number,
  stats: ReadStats = newReadStats(),
): PyramidAnswer | null {
  const r = new Reader(sqlite, seriesId, xOf, needsWall, stats);
  const segs: Seg[] = [];
  for (let seg = 0; seg <= lastSeg; seg++) {
    const top = r.buckets(seg, TOP, 0, Number.MAX_SAFE_INTEGER);
    if (!top.length) continue;
    const n = top.reduce((a, b) => a + b.agg.n, 0);
    segs.push({ seg, n, top, from: 0, to: n - 1 });
  }
  if (!segs.length) return null;

  if (range) {
    for (const sg of segs) {
      const first = sg.top[0].agg;
      const last = sg.top[sg.top.length - 1].agg;
      const x0 = r.x(first.firstStep, first.firstWall);
      const x1 = r.x(last.lastStep, last.lastWall);
      sg.from = x0 !== null && x0 >= range.min ? 0 : r.locate(sg, (x) => x >= range.min);
      sg.to = x1 !== null && x1 <= range.max ? sg.n - 1 : r.locate(sg, (x) => x > range.max) - 1;
    }
  }
  const total = segs.reduce((a, sg) => a + Math.max(0, sg.to - sg.from + 1), 0);
  const out: PyramidAnswer = { segments: [], nonFinite: [], total };
  const inRange = (x: number | null): x is number => x !== null && (!range || (x >= range.min && x <= range.max));
  const half = Math.floor(maxPoints / 2);

  for (const sg of segs) {
    const n = sg.to - sg.from + 1;
    if (n <= 0) continue;
    // raw when everything fits; else this segment's share of maxPoints/2 chunks (minus the two cut
    // chunks and the first/last points, so all segments together stay within maxPoints)
    const plan = total <= maxPoints ? { chunk: 1, level: 0 } : chunkPlan(n, Math.max(1, Math.floor((half * n) / total) - 3));
    stats.plans.push({ seg: sg.seg, from: sg.from, to: sg.to, ...plan });
    let pieces: Piece[];
    if (plan.level === 0) {
      const raw = r.rawRange(sg.seg, sg.from, sg.to);
      pieces = [];
      // chunks aligned on ordinals, as the summarised ones
      for (let i = 0; i < raw.length; ) {
        const end = Math.min(raw.length, (Math.floor((sg.from + i) / plan.chunk) + 1) * plan.chunk - sg.from);
        pieces.push(rawPiece(sg.from + i, raw.slice(i, end)));
        i = end;
      }
    } else {
      pieces = r.gather(sg.seg, sg.from, sg.to, plan.level);
    }
    const xs: number[] = [];
    const ys: number[] = [];
    const push = (x: number | null, y: number) => {
      if (!inRange(x) || !Number.isFinite(y)) return;
      const k = xs.length - 1;
      if (k >= 0 && xs[k] === x && ys[k] === y) return;
      xs.push(x);
      ys.push(y);
    };
    if (plan.chunk === 1) {
      for (const p of pieces) for (const q of p.raw!) push(xOf(q[0], q[2]), q[3] === null ? NaN : q[3]);
    } else {
      const f = pieces[0].agg;
      push(xOf(f.firstStep, f.firstWall), f.firstValue);
      let i = 0;
      while (i < pieces.length) {
        const chunk = Math.floor(pieces[i].start / plan.chunk);
        const c = emptyAgg();
        while (i < pieces.length && Math.floor(pieces[i].start / plan.chunk) === chunk) foldInto(c, pieces[i++].agg);
        if (c.n === c.bad) continue;
        const xMin = xOf(c.minStep, c.minWall);
        const xMax = xOf(c.maxStep, c.maxWall);
        if (xMin !== null && xMax !== null && xMax < xMin) {
          push(xMax, c.max);
          push(xMin, c.min);
        } else {
          push(xMin, c.min);
          push(xMax, c.max);
        }
      }
      const l = pieces[pieces.length - 1].agg;
      push(xOf(l.lastStep, l.lastWall), l.lastValue);
    }
    if (xs.length) out.segments.push({ seg: sg.seg, x: xs, y: ys });
    r.markers(sg.seg, pieces, inRange, out.nonFinite);
  }
  return out;
}
