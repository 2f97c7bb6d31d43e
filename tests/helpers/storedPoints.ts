// What the writers stored for a run, read back through a read-only connection (a SQLite file or a
// postgres:// URL): for the several-writers tests, which check every point is stored exactly once.
import { openDb } from '../../server/db/open';
import type { BuiltRun } from './lamaTree';

export interface Stored {
  points: number;
  /** points in a restart segment (none of these runs restarts: any would be a doubled chunk) */
  resumed: number;
  perTag: Map<string, number>;
}

export function storedPoints(db: string, runName: string): Stored {
  const h = openDb(db, { readonly: true });
  try {
    const rows = h.sqlite
      .prepare(
        `SELECT se.tag AS tag, COUNT(*) AS n, SUM(CASE WHEN p.seg > 0 THEN 1 ELSE 0 END) AS resumed FROM points p JOIN series se ON se.id = p.series_id
         JOIN runs r ON r.id = se.run_id WHERE r.name = ? GROUP BY se.tag`,
      )
      .all(runName) as { tag: string; n: number; resumed: number }[];
    return { points: rows.reduce((a, r) => a + Number(r.n), 0), resumed: rows.reduce((a, r) => a + Number(r.resumed), 0), perTag: new Map(rows.map((r) => [r.tag, Number(r.n)])) };
  } finally {
    h.close();
  }
}

/** How many points the run's files hold. */
export const writtenTotal = (b: BuiltRun): number => [...b.written.values()].reduce((a, l) => a + l.length, 0);
