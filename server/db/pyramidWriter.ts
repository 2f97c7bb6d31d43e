// Keeps `series_summary` (pyramid.ts) up to date. Only the store calls this, inside its transactions: the
// summaries of a batch commit with its points. Per point only the open level-1 bucket changes in memory;
// a bucket that fills is written once and folded into its parent, and at the end of a batch the open bucket
// of every level (its completed children plus the open child) is written. Old buckets are never re-read.
import type { SqlDb, SqlStatement } from './sqlDb';
import { AGG_COLUMNS, BASE, FANOUT, LEVELS, addPoint, bucketSize, writeAggRow, emptyAgg, foldInto, resetAgg, rowToAgg, type Agg } from './pyramid';

export interface PyramidState {
  seriesId: number;
  seg: number;
  /** points stored so far in segment `seg` */
  nSeg: number;
  /**
   * acc[0]: the points of the open level-1 bucket; acc[k], k ≥ 1: the completed level-k buckets of the open
   * level-(k+1) bucket.
   */
  acc: Agg[];
  dirty: boolean;
}

export class PyramidWriter {
  private stmts;
  /** bind values of one row, reused (better-sqlite3 reads them during run()) */
  private row: unknown[] = new Array(20);

  constructor(private readonly sqlite: SqlDb) {
    this.stmts = {
      upsert: sqlite.prepare(`INSERT OR REPLACE INTO series_summary (series_id, seg, level, idx, ${AGG_COLUMNS}) VALUES (${Array(20).fill('?').join(',')})`),
      lastLevel1: sqlite
        .prepare(`SELECT idx, ${AGG_COLUMNS} FROM series_summary WHERE series_id = ? AND seg = ? AND level = 1 ORDER BY idx DESC LIMIT 1`)
        .raw(true),
      range: sqlite
        .prepare(`SELECT ${AGG_COLUMNS} FROM series_summary WHERE series_id = ? AND seg = ? AND level = ? AND idx BETWEEN ? AND ? ORDER BY idx`)
        .raw(true),
      deleteSeries: sqlite.prepare('DELETE FROM series_summary WHERE series_id = ?'),
      // paged: better-sqlite3 cannot write while a read iterates
      points: sqlite
        .prepare('SELECT seg, step, dup, wall_time, value FROM points WHERE series_id = ? AND (seg, step, dup) > (?, ?, ?) ORDER BY seg, step, dup LIMIT 65536')
        .raw(true),
      missing: sqlite.prepare(
        'SELECT id FROM series s WHERE n_points > 0 AND NOT EXISTS (SELECT 1 FROM series_summary m WHERE m.series_id = s.id)',
      ),
    };
  }

  /** A fresh state for a series without points. */
  fresh(seriesId: number, seg = 0): PyramidState {
    return { seriesId, seg, nSeg: 0, acc: Array.from({ length: LEVELS }, emptyAgg), dirty: false };
  }

  /** The in-memory state of a series' current segment, from its stored open buckets (≤ FANOUT rows per level). */
  load(seriesId: number, seg: number): PyramidState {
    const st = this.fresh(seriesId, seg);
    const last = this.stmts.lastLevel1.get(seriesId, seg) as unknown[] | undefined;
    if (!last) return st;
    const lastAgg = rowToAgg(last, 1);
    st.nSeg = (last[0] as number) * BASE + lastAgg.n;
    if (lastAgg.n < BASE) st.acc[0] = lastAgg;
    for (let k = 1; k < LEVELS; k++) {
      const from = Math.floor(st.nSeg / bucketSize(k + 1)) * FANOUT;
      const to = Math.floor(st.nSeg / bucketSize(k)) - 1;
      if (to < from) continue;
      for (const r of this.stmts.range.all(seriesId, seg, k, from, to) as unknown[][]) foldInto(st.acc[k], rowToAgg(r));
    }
    return st;
  }

  /** Adds the next point of the series (in (seg, step, dup) order); value NaN for NaN. */
  add(st: PyramidState, seg: number, step: number, dup: number, wall: number | null, value: number): void {
    if (seg !== st.seg) {
      this.flush(st);
      st.seg = seg;
      st.nSeg = 0;
      for (const a of st.acc) resetAgg(a);
    }
    const a = st.acc[0];
    addPoint(a, step, dup, wall, value);
    st.nSeg++;
    st.dirty = true;
    if (a.n === BASE) this.complete(st);
  }

  /** The level-1 bucket just filled: write it and every bucket above that filled with it. */
  private complete(st: PyramidState): void {
    const n = st.nSeg;
    for (let k = 0; k < LEVELS; k++) {
      const size = bucketSize(k + 1);
      if (n % size !== 0) break;
      const a = st.acc[k];
      this.write(st, k + 1, n / size - 1, a);
      if (k + 1 < LEVELS) foldInto(st.acc[k + 1], a);
      resetAgg(a);
    }
  }

  /** Writes the open bucket of every level (end of a batch, or before a new segment starts). */
  flush(st: PyramidState): void {
    if (!st.dirty) return;
    let open = { ...st.acc[0] };
    for (let k = 0; k < LEVELS; k++) {
      if (k > 0) {
        const up = { ...st.acc[k] };
        foldInto(up, open);
        open = up;
      }
      if (open.n > 0) this.write(st, k + 1, Math.floor(st.nSeg / bucketSize(k + 1)), open);
    }
    st.dirty = false;
  }

  private write(st: PyramidState, level: number, idx: number, a: Agg): void {
    const row = this.row;
    row[0] = st.seriesId;
    row[1] = st.seg;
    row[2] = level;
    row[3] = idx;
    writeAggRow(row, 4, a);
    this.stmts.upsert.run(row);
  }

  /**
   * Rebuilds a series' summaries from the points it has (after points were deleted: a file replaced or
   * truncated, or a database from before the summaries). O(points of the series); call inside a transaction.
   */
  rebuild(seriesId: number): void {
    this.stmts.deleteSeries.run(seriesId);
    let st: PyramidState | null = null;
    let after: [number, number, number] = [-1, 0, 0];
    for (;;) {
      const page = this.stmts.points.all(seriesId, ...after) as [number, number, number, number | null, number | null][];
      for (const r of page) {
        st ??= this.fresh(seriesId, r[0]);
        this.add(st, r[0], r[1], r[2], r[3], r[4] === null ? NaN : r[4]);
      }
      if (page.length < 65536) break;
      const last = page[page.length - 1];
      after = [last[0], last[1], last[2]];
    }
    if (st) this.flush(st);
  }

  /** Series that have points but no summaries (written before the summaries existed). */
  missing(): number[] {
    return (this.stmts.missing.all() as { id: number }[]).map((r) => r.id);
  }
}
