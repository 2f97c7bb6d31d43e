// Point queries. Rows come back in (tag, segment, step) order straight off the points primary key.
import type { SqlDb, SqlStatement } from './sqlDb';

export interface StoredPoint {
  tag: string;
  seg: number;
  step: number;
  wallTime: number | null;
  /** NaN where the stored value is NULL (SQLite cannot hold NaN) */
  value: number;
}

/** Iterates every stored point of a run (optionally only some tags) without loading them all. */
export function* iteratePoints(sqlite: SqlDb, runId: number, tags?: string[]): Generator<StoredPoint> {
  const series = sqlite.prepare('SELECT id, tag FROM series WHERE run_id = ? ORDER BY tag').all(runId) as { id: number; tag: string }[];
  const wanted = tags?.length ? new Set(tags) : null;
  const stmt = sqlite.prepare('SELECT seg, step, wall_time AS w, value AS v FROM points WHERE series_id = ? ORDER BY seg, step, dup');
  for (const s of series) {
    if (wanted && !wanted.has(s.tag)) continue;
    for (const row of stmt.iterate(s.id) as Iterable<{ seg: number; step: number; w: number | null; v: number | null }>) {
      yield { tag: s.tag, seg: row.seg, step: row.step, wallTime: row.w, value: row.v === null ? NaN : row.v };
    }
  }
}

export function tagsOfRun(sqlite: SqlDb, runId: number): string[] {
  return (sqlite.prepare('SELECT tag FROM series WHERE run_id = ? ORDER BY tag').all(runId) as { tag: string }[]).map((r) => r.tag);
}
